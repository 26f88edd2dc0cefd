"""The flexible checksums of S3 (``x-amz-checksum-*``): computing, combining, comparing.

CRC32 runs in zlib (C speed, releases the GIL); SHA-1/256/512 and MD5 in hashlib; CRC32C
and CRC64NVME have no C implementation in the standard library and run table-driven in
Python, which is slow but only used when a client asks for them.

A multipart object's checksum is either COMPOSITE (the checksum of the concatenated part
checksums, suffixed ``-N``) or, for the CRCs, FULL_OBJECT: the CRC of the whole object,
combined from the part CRCs with the same GF(2) arithmetic as zlib's ``crc32_combine``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Protocol

#: Algorithm names as S3 spells them, in the order botocore prefers them.
ALGORITHMS = ("CRC64NVME", "CRC32", "CRC32C", "SHA256", "SHA1", "SHA512", "MD5")
CRC_ALGORITHMS = frozenset({"CRC32", "CRC32C", "CRC64NVME"})
#: Checksum members of the model that irisops cannot compute (no xxhash in the stdlib).
UNSUPPORTED = ("XXHASH64", "XXHASH3", "XXHASH128")


class Hasher(Protocol):
    def update(self, data: bytes | memoryview, /) -> None: ...

    def digest(self) -> bytes: ...


class _Zlib32:
    __slots__ = ("_crc",)

    def __init__(self) -> None:
        self._crc = 0

    def update(self, data: bytes | memoryview, /) -> None:
        self._crc = zlib.crc32(data, self._crc)

    def digest(self) -> bytes:
        return self._crc.to_bytes(4, "big")


@dataclass(frozen=True)
class ReflectedCrc:
    """A reflected CRC with all-ones init and final xor (CRC32, CRC32C, CRC64NVME)."""

    width: int
    poly: int

    @property
    def mask(self) -> int:
        return (1 << self.width) - 1

    def table(self) -> tuple[int, ...]:
        return _table(self.poly)

    def combine(self, crc1: int, crc2: int, len2: int) -> int:
        """The CRC of A+B from crc(A), crc(B) and len(B) (zlib's crc32_combine)."""
        return _multmodp(self, _x2nmodp(self, len2, 3), crc1) ^ crc2


@cache
def _table(poly: int) -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


def _multmodp(crc: ReflectedCrc, a: int, b: int) -> int:
    """a(x) * b(x) modulo the CRC polynomial, in the reflected bit order."""
    m = 1 << (crc.width - 1)
    product = 0
    while True:
        if a & m:
            product ^= b
            if a & (m - 1) == 0:
                break
        m >>= 1
        b = (b >> 1) ^ crc.poly if b & 1 else b >> 1
    return product


@cache
def _x2n(crc: ReflectedCrc) -> tuple[int, ...]:
    """x^(2^k) modulo the polynomial for k = 0..(enough for any 64-bit length in bits)."""
    powers = [1 << (crc.width - 2)]
    for _ in range(72):
        powers.append(_multmodp(crc, powers[-1], powers[-1]))
    return tuple(powers)


def _x2nmodp(crc: ReflectedCrc, n: int, k: int) -> int:
    """x^(n * 2^k) modulo the polynomial."""
    powers = _x2n(crc)
    product = 1 << (crc.width - 1)
    while n:
        if n & 1:
            product = _multmodp(crc, powers[k], product)
        n >>= 1
        k += 1
    return product


class _TableCrc:
    __slots__ = ("_crc", "_spec", "_table")

    def __init__(self, spec: ReflectedCrc) -> None:
        self._spec = spec
        self._table = spec.table()
        self._crc = spec.mask

    def update(self, data: bytes | memoryview, /) -> None:
        crc, table = self._crc, self._table
        for byte in bytes(data):
            crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        self._crc = crc

    def digest(self) -> bytes:
        return (self._crc ^ self._spec.mask).to_bytes(self._spec.width // 8, "big")


CRC32 = ReflectedCrc(32, 0xEDB88320)
CRC32C = ReflectedCrc(32, 0x82F63B78)
CRC64NVME = ReflectedCrc(64, 0x9A6C9329AC4BC9B5)
_CRC_SPECS = {"CRC32": CRC32, "CRC32C": CRC32C, "CRC64NVME": CRC64NVME}

_FACTORIES: dict[str, Callable[[], Hasher]] = {
    "CRC32": _Zlib32,
    "CRC32C": lambda: _TableCrc(CRC32C),
    "CRC64NVME": lambda: _TableCrc(CRC64NVME),
    "SHA1": hashlib.sha1,
    "SHA256": hashlib.sha256,
    "SHA512": hashlib.sha512,
    "MD5": lambda: hashlib.md5(usedforsecurity=False),
}
DIGEST_SIZES = {
    "CRC32": 4,
    "CRC32C": 4,
    "CRC64NVME": 8,
    "SHA1": 20,
    "SHA256": 32,
    "SHA512": 64,
    "MD5": 16,
}


def new_hasher(algorithm: str) -> Hasher:
    return _FACTORIES[algorithm]()


def member(algorithm: str) -> str:
    """The model member carrying an algorithm's value (``ChecksumCRC32``)."""
    return f"Checksum{algorithm}"


def header(algorithm: str) -> str:
    return f"x-amz-checksum-{algorithm.lower()}"


def encode(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def decode(value: str, algorithm: str) -> bytes | None:
    """The digest inside a header value, or None if it is not a valid one."""
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest if len(digest) == DIGEST_SIZES[algorithm] else None


def digest_of(algorithm: str, data: bytes) -> bytes:
    hasher = new_hasher(algorithm)
    hasher.update(data)
    return hasher.digest()


def composite(algorithm: str, part_digests: list[bytes]) -> str:
    """A COMPOSITE multipart checksum: the checksum of the part checksums, ``-N``."""
    return f"{encode(digest_of(algorithm, b''.join(part_digests)))}-{len(part_digests)}"


def full_object(algorithm: str, parts: list[tuple[bytes, int]]) -> str:
    """A FULL_OBJECT multipart CRC from (part digest, part size) pairs."""
    spec = _CRC_SPECS[algorithm]
    combined = 0
    for index, (digest, size) in enumerate(parts):
        value = int.from_bytes(digest, "big")
        combined = value if index == 0 else spec.combine(combined, value, size)
    if not parts:
        combined = 0
    return encode(combined.to_bytes(spec.width // 8, "big"))
