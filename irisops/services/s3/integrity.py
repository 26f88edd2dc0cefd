"""What a client said the bytes of an upload hash to, and checking it against what
arrived: Content-MD5, one ``x-amz-checksum-*`` header or trailer, or just an algorithm
(``x-amz-sdk-checksum-algorithm``) for S3 to compute and store."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from irisops.core.errors import AwsError
from irisops.gateway.body import RequestBody
from irisops.services.s3 import checksums
from irisops.services.s3.blobs import Blob
from irisops.services.s3.errors import (
    BadDigest,
    InvalidDigest,
    InvalidRequest,
    NotImplementedHeader,
)

TRAILER_PREFIX = "x-amz-checksum-"


class MalformedTrailer(AwsError):
    code = "MalformedTrailerError"
    status = 400

    def __init__(self) -> None:
        super().__init__(
            "The request contained trailing data that was not well-formed or did not "
            "conform to our published schema."
        )


@dataclass(frozen=True)
class Integrity:
    content_md5: str | None = None
    #: The flexible checksum to compute and store, if any.
    algorithm: str | None = None
    #: Its expected value from a header (base64), if the client sent one.
    expected: str | None = None
    #: Whether the expected value comes in a trailer instead.
    in_trailer: bool = False

    @classmethod
    def from_params(
        cls,
        params: dict[str, Any],
        body: RequestBody | None = None,
        upload_algorithm: str | None = None,
    ) -> Integrity:
        content_md5 = params.get("ContentMD5")
        if content_md5 is not None:
            try:
                md5 = base64.b64decode(content_md5, validate=True)
            except (binascii.Error, ValueError):
                md5 = b""
            if len(md5) != 16:
                raise InvalidDigest(content_md5)
        for name in checksums.UNSUPPORTED:
            if params.get(checksums.member(name)):
                raise NotImplementedHeader(checksums.header(name))
        given = [a for a in checksums.ALGORITHMS if params.get(checksums.member(a))]
        trailed = [
            name[len(TRAILER_PREFIX) :].upper()
            for name in (body.trailer_names if body is not None else ())
            if name.startswith(TRAILER_PREFIX)
        ]
        for name in trailed:
            if name not in checksums.ALGORITHMS:
                raise NotImplementedHeader(f"{TRAILER_PREFIX}{name.lower()}")
        if len(given) + len(trailed) > 1:
            raise InvalidRequest(
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not "
                "allowed."
            )
        sdk_algorithm = params.get("ChecksumAlgorithm")
        algorithm = (given or trailed or [None])[0]
        if sdk_algorithm and algorithm and sdk_algorithm.upper() != algorithm:
            raise InvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
        algorithm = algorithm or (sdk_algorithm.upper() if sdk_algorithm else None)
        if upload_algorithm and algorithm and algorithm != upload_algorithm:
            raise InvalidRequest(
                "Checksum Type mismatch occurred, expected checksum Type: "
                f"{upload_algorithm.lower()}, actual checksum Type: {algorithm.lower()}"
            )
        algorithm = algorithm or upload_algorithm
        expected = params.get(checksums.member(given[0])) if given else None
        if expected is not None and checksums.decode(expected, given[0]) is None:
            raise InvalidRequest(f"Value for {checksums.header(given[0])} header is invalid.")
        return cls(content_md5, algorithm, expected, bool(trailed))

    @property
    def algorithms(self) -> tuple[str, ...]:
        return (self.algorithm,) if self.algorithm else ()

    def verify(self, blob: Blob, trailers: dict[str, str]) -> str | None:
        """Check what arrived; the base64 checksum to store (None without an algorithm)."""
        if self.content_md5 is not None and base64.b64decode(self.content_md5) != blob.md5:
            raise BadDigest(
                "The Content-MD5 you specified did not match what we received.",
                ExpectedDigest=self.content_md5,
                CalculatedDigest=base64.b64encode(blob.md5).decode(),
            )
        if self.algorithm is None:
            return None
        computed = checksums.encode(blob.checksums[self.algorithm])
        expected = self.expected
        if self.in_trailer:
            expected = trailers.get(checksums.header(self.algorithm))
            if expected is None:
                raise MalformedTrailer()
            if checksums.decode(expected, self.algorithm) is None:
                raise InvalidRequest(
                    f"Value for {checksums.header(self.algorithm)} trailing header is invalid."
                )
        if (
            expected is not None
            and checksums.decode(expected, self.algorithm) != (blob.checksums[self.algorithm])
        ):
            raise BadDigest(
                f"The {self.algorithm} you specified did not match the calculated checksum."
            )
        return computed
