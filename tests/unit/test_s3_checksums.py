"""S3 checksums and ETags: flexible checksums, multipart composites, multipart ETag."""

from __future__ import annotations

import base64
import hashlib
import os
import zlib

import pytest

from irisops.services.s3 import checksums
from irisops.services.s3.multipart import multipart_etag

CHECK = b"123456789"


@pytest.mark.parametrize(
    ("algorithm", "value"),
    [
        ("CRC32", 0xCBF43926),
        ("CRC32C", 0xE3069283),
        ("CRC64NVME", 0xAE8B14860A799888),
    ],
)
def test_crcs_match_their_published_check_values(algorithm: str, value: int) -> None:
    assert int.from_bytes(checksums.digest_of(algorithm, CHECK), "big") == value


def test_hash_algorithms_are_hashlib() -> None:
    data = os.urandom(1000)
    assert checksums.digest_of("SHA256", data) == hashlib.sha256(data).digest()
    assert checksums.digest_of("SHA1", data) == hashlib.sha1(data).digest()
    assert checksums.digest_of("MD5", data) == hashlib.md5(data).digest()


def test_incremental_updates_equal_one_shot() -> None:
    data = os.urandom(5000)
    for algorithm in checksums.ALGORITHMS:
        hasher = checksums.new_hasher(algorithm)
        for start in range(0, len(data), 777):
            hasher.update(data[start : start + 777])
        assert hasher.digest() == checksums.digest_of(algorithm, data), algorithm


@pytest.mark.parametrize("algorithm", sorted(checksums.CRC_ALGORITHMS))
def test_full_object_crc_is_combined_from_the_parts(algorithm: str) -> None:
    parts = [os.urandom(n) for n in (1000, 1, 4096, 333)]
    combined = checksums.full_object(
        algorithm, [(checksums.digest_of(algorithm, p), len(p)) for p in parts]
    )
    assert combined == checksums.encode(checksums.digest_of(algorithm, b"".join(parts)))


def test_composite_checksum_is_the_checksum_of_part_checksums() -> None:
    parts = [b"a" * 10, b"b" * 20]
    digests = [zlib.crc32(p).to_bytes(4, "big") for p in parts]
    expected = base64.b64encode(zlib.crc32(b"".join(digests)).to_bytes(4, "big")).decode()
    assert checksums.composite("CRC32", digests) == f"{expected}-2"


def test_header_values_are_decoded_only_when_well_formed() -> None:
    assert checksums.decode("AAAAAA==", "CRC32") == b"\0\0\0\0"
    assert checksums.decode("AAAAAA==", "SHA256") is None
    assert checksums.decode("not base64!", "CRC32") is None


def test_multipart_etag_is_md5_of_binary_part_md5s() -> None:
    parts = [b"x" * 100, b"y" * 50, b"z"]
    md5s = [hashlib.md5(p).digest() for p in parts]
    expected = hashlib.md5(b"".join(md5s)).hexdigest() + "-3"
    assert multipart_etag([m.hex() for m in md5s]) == expected
