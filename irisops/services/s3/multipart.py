"""Multipart uploads: create, upload (or copy) parts, complete, abort, list.

Parts are blobs of their own. Completing concatenates the chosen parts into one new blob
off the loop, then commits the object row and drops the upload in one transaction; the
part blobs are released afterwards. The object's ETag is the MD5 of the concatenated
binary part MD5s, suffixed with the part count, as S3 computes it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import sqlite3
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote

from irisops.core.context import RequestContext
from irisops.gateway.body import RequestBody
from irisops.services.s3 import checksums
from irisops.services.s3.base import S3Base, now_seconds, store_object
from irisops.services.s3.errors import (
    MAX_OBJECT_SIZE,
    MIN_PART_SIZE,
    BadDigest,
    EntityTooLarge,
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    InvalidRequest,
    MalformedXML,
    NoSuchUpload,
)
from irisops.services.s3.integrity import Integrity
from irisops.services.s3.listing import check_max
from irisops.services.s3.names import canonical_user_id, check_key, object_arn
from irisops.services.s3.objects import (
    MAX_PART_NUMBER,
    MissingContentLength,
    copy_source_conditions,
    parse_copy_source,
)
from irisops.services.s3.records import (
    Attributes,
    ObjectRecord,
    UploadRecord,
    quoted,
    timestamp,
    unquoted,
)

UPLOAD_SQL = (
    "SELECT upload_id, bucket, key, account, initiated, content_type, storage_class, "
    "checksum_algorithm, checksum_type, attrs FROM s3_uploads WHERE upload_id = ?"
)
PARTS_SQL = (
    "SELECT part_number, blob, size, etag, modified, checksum FROM s3_parts "
    "WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?"
)
MAX_PARTS_PAGE = 1000
_COPY_RANGE = re.compile(r"bytes=(\d+)-(\d+)")


def multipart_etag(part_etags: list[str]) -> str:
    """MD5 of the concatenated binary part MD5s, then ``-<number of parts>``."""
    digest = hashlib.md5(b"".join(bytes.fromhex(e) for e in part_etags), usedforsecurity=False)
    return f"{digest.hexdigest()}-{len(part_etags)}"


def check_part_number(number: int) -> int:
    if not 1 <= number <= MAX_PART_NUMBER:
        raise InvalidArgument(
            "Part number must be an integer between 1 and 10000, inclusive", "partNumber", number
        )
    return number


def checksum_type_for(algorithm: str | None, requested: str | None) -> str | None:
    """The checksum type of a new upload: COMPOSITE by default, FULL_OBJECT for CRC64NVME."""
    if algorithm is None:
        if requested:
            raise InvalidRequest(
                "The x-amz-checksum-type header can only be used with the "
                "x-amz-checksum-algorithm header."
            )
        return None
    kind = requested or ("FULL_OBJECT" if algorithm == "CRC64NVME" else "COMPOSITE")
    if kind == "FULL_OBJECT" and algorithm not in checksums.CRC_ALGORITHMS:
        raise InvalidRequest(
            f"The FULL_OBJECT checksum type cannot be used with the {algorithm.lower()} "
            "checksum algorithm."
        )
    if kind == "COMPOSITE" and algorithm == "CRC64NVME":
        raise InvalidRequest(
            "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm."
        )
    return kind


@dataclass
class PartRecord:
    upload_id: str
    number: int
    blob: str
    size: int
    etag: str
    modified: int
    checksum: str | None


def store_part(part: PartRecord, conn: sqlite3.Connection) -> str | None:
    """Inside a write: put a part in place; the blob of the part it replaced, if any."""
    if (
        conn.execute("SELECT 1 FROM s3_uploads WHERE upload_id = ?", (part.upload_id,)).fetchone()
        is None
    ):
        raise NoSuchUpload(part.upload_id)
    old = conn.execute(
        "SELECT blob FROM s3_parts WHERE upload_id = ? AND part_number = ?",
        (part.upload_id, part.number),
    ).fetchone()
    conn.execute(
        "INSERT OR REPLACE INTO s3_parts "
        "(upload_id, part_number, blob, size, etag, modified, checksum) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            part.upload_id,
            part.number,
            part.blob,
            part.size,
            part.etag,
            part.modified,
            part.checksum,
        ),
    )
    return old["blob"] if old is not None else None


def drop_upload(upload_id: str, conn: sqlite3.Connection) -> list[str]:
    """Inside a write: remove an upload and its parts; the part blobs to release."""
    if (
        conn.execute("SELECT 1 FROM s3_uploads WHERE upload_id = ?", (upload_id,)).fetchone()
        is None
    ):
        raise NoSuchUpload(upload_id)
    blobs = [
        row["blob"]
        for row in conn.execute("SELECT blob FROM s3_parts WHERE upload_id = ?", (upload_id,))
    ]
    conn.execute("DELETE FROM s3_parts WHERE upload_id = ?", (upload_id,))
    conn.execute("DELETE FROM s3_uploads WHERE upload_id = ?", (upload_id,))
    return blobs


def complete_upload(
    record: ObjectRecord,
    upload_id: str,
    if_match: str | None,
    if_none_match: str | None,
    conn: sqlite3.Connection,
) -> tuple[str | None, list[str]]:
    part_blobs = drop_upload(upload_id, conn)
    replaced = store_object(record, if_match, if_none_match, conn)
    return replaced, part_blobs


def part_entry(row: sqlite3.Row, algorithm: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "PartNumber": row["part_number"],
        "LastModified": timestamp(row["modified"]),
        "ETag": quoted(row["etag"]),
        "Size": row["size"],
    }
    if algorithm and row["checksum"]:
        entry[checksums.member(algorithm)] = row["checksum"]
    return entry


class MultipartOperations(S3Base):
    def upload_record(self, params: dict[str, Any]) -> UploadRecord:
        upload_id = params["UploadId"]
        row = self.store.read_one(UPLOAD_SQL, (upload_id,))
        if row is None or row["bucket"] != params["Bucket"] or row["key"] != params["Key"]:
            self.require_bucket(params["Bucket"])
            raise NoSuchUpload(upload_id)
        return UploadRecord.from_row(row)

    async def create_multipart_upload(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        bucket, key = params["Bucket"], params["Key"]
        check_key(key)
        owner = self.require_bucket(bucket, params)
        attributes = Attributes.from_params(params)
        algorithm = params.get("ChecksumAlgorithm")
        kind = checksum_type_for(algorithm, params.get("ChecksumType"))
        upload_id = secrets.token_urlsafe(48)
        await self.store.execute(
            "INSERT INTO s3_uploads (upload_id, bucket, key, account, initiated, content_type, "
            "storage_class, checksum_algorithm, checksum_type, attrs) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                upload_id,
                bucket,
                key,
                owner["account"],
                now_seconds(),
                attributes.content_type,
                attributes.storage_class,
                algorithm,
                kind,
                attributes.to_json(),
            ),
        )
        self.publish(
            ctx,
            "s3.MultipartUploadCreated",
            object_arn(bucket, key),
            bucket=bucket,
            key=key,
            upload_id=upload_id,
        )
        out: dict[str, Any] = {"Bucket": bucket, "Key": key, "UploadId": upload_id}
        if algorithm:
            out["ChecksumAlgorithm"] = algorithm
            out["ChecksumType"] = kind
        out.update(attributes.encryption())
        return out

    async def upload_part(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        number = check_part_number(params["PartNumber"])
        upload = self.upload_record(params)
        body: RequestBody = params["Body"]
        if body.content_length is None:
            raise MissingContentLength()
        if body.content_length > MAX_OBJECT_SIZE:
            raise EntityTooLarge(body.content_length)
        integrity = Integrity.from_params(params, body, upload.checksum_algorithm)
        blob = await self.blobs.receive(body, integrity.algorithms)
        try:
            checksum = integrity.verify(blob, body.trailers)
            part = PartRecord(
                upload.upload_id,
                number,
                blob.id,
                blob.size,
                blob.md5_hex,
                now_seconds(),
                checksum if upload.checksum_algorithm else None,
            )
            replaced = await self.store.write(partial(store_part, part))
        except Exception:
            await self.blobs.remove_now([blob.id])
            raise
        self.blobs.release([replaced] if replaced else [])
        self._publish_part(ctx, upload, part)
        out: dict[str, Any] = {"ETag": quoted(part.etag)}
        if checksum and integrity.algorithm:
            out[checksums.member(integrity.algorithm)] = checksum
        out.update(upload.attributes.encryption())
        return out

    async def upload_part_copy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        number = check_part_number(params["PartNumber"])
        upload = self.upload_record(params)
        source_bucket, source_key = parse_copy_source(params["CopySource"])
        source = self.object_record(source_bucket, source_key)
        if source is None:
            self.missing_object(source_bucket, source_key)
        copy_source_conditions(source, params)
        offset, length = 0, source.size
        wanted = params.get("CopySourceRange")
        if wanted:
            found = _COPY_RANGE.fullmatch(wanted.strip())
            if found is None:
                raise InvalidArgument(
                    "The x-amz-copy-source-range value must be of the form bytes=first-last "
                    "where first and last are the zero-based offsets of the first and last "
                    "bytes to copy",
                    "x-amz-copy-source-range",
                    wanted,
                )
            first, last = int(found.group(1)), int(found.group(2))
            if last < first or last >= source.size:
                raise InvalidArgument(
                    f"Range specified is not valid for source object of size: {source.size}",
                    "x-amz-copy-source-range",
                    wanted,
                )
            offset, length = first, last - first + 1
        algorithm = upload.checksum_algorithm
        blob = await self.blobs.copy(source.blob, offset, length, (algorithm,) if algorithm else ())
        checksum = checksums.encode(blob.checksums[algorithm]) if algorithm else None
        part = PartRecord(
            upload.upload_id, number, blob.id, blob.size, blob.md5_hex, now_seconds(), checksum
        )
        try:
            replaced = await self.store.write(partial(store_part, part))
        except Exception:
            await self.blobs.remove_now([blob.id])
            raise
        self.blobs.release([replaced] if replaced else [])
        self._publish_part(ctx, upload, part)
        result: dict[str, Any] = {
            "ETag": quoted(part.etag),
            "LastModified": timestamp(part.modified),
        }
        if algorithm and checksum:
            result[checksums.member(algorithm)] = checksum
        return {"CopyPartResult": result, **upload.attributes.encryption()}

    def _publish_part(self, ctx: RequestContext, upload: UploadRecord, part: PartRecord) -> None:
        self.publish(
            ctx,
            "s3.MultipartPartUploaded",
            object_arn(upload.bucket, upload.key),
            bucket=upload.bucket,
            key=upload.key,
            upload_id=upload.upload_id,
            part_number=part.number,
            size=part.size,
        )

    async def complete_multipart_upload(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        upload = self.upload_record(params)
        requested = (params.get("MultipartUpload") or {}).get("Parts") or []
        if not requested:
            raise MalformedXML()
        rows = await self.store.query(PARTS_SQL, (upload.upload_id, 0, MAX_PART_NUMBER + 1))
        stored = {row["part_number"]: row for row in rows}
        algorithm = upload.checksum_algorithm
        chosen = self._chosen_parts(upload, requested, stored)
        sizes = [row["size"] for row in chosen]
        total = sum(sizes)
        expected_size = params.get("MpuObjectSize")
        if expected_size is not None and expected_size != total:
            raise InvalidRequest(
                "The provided 'x-amz-mp-object-size' header value does not match what was "
                f"computed: {total}"
            )
        checksum = self._combined_checksum(upload, chosen, params)
        if len(chosen) == 1:
            blob_id = await self.blobs.link(chosen[0]["blob"])
        else:
            blob_id = (await self.blobs.concat([row["blob"] for row in chosen], sizes)).id
        record = ObjectRecord(
            bucket=upload.bucket,
            key=upload.key,
            blob=blob_id,
            size=total,
            etag=multipart_etag([row["etag"] for row in chosen]),
            modified=now_seconds(),
            attributes=upload.attributes,
            checksum_algorithm=algorithm if checksum else None,
            checksum=checksum,
            checksum_type=upload.checksum_type if checksum else None,
            parts=sizes,
        )
        try:
            replaced, part_blobs = await self.store.write(
                partial(
                    complete_upload,
                    record,
                    upload.upload_id,
                    params.get("IfMatch"),
                    params.get("IfNoneMatch"),
                )
            )
        except Exception:
            await self.blobs.remove_now([blob_id])
            raise
        self.blobs.release([*part_blobs, *([replaced] if replaced else [])])
        self.publish_object(
            ctx,
            "s3.ObjectCreated",
            record,
            upload.bucket,
            upload.key,
            operation="CompleteMultipartUpload",
            parts=len(chosen),
        )
        location = f"/{upload.bucket}/{quote(upload.key)}"
        out: dict[str, Any] = {
            "Location": f"http://{ctx.host}{location}" if ctx.host else location,
            "Bucket": upload.bucket,
            "Key": upload.key,
            "ETag": quoted(record.etag),
            **record.checksum_output(),
        }
        out.update(upload.attributes.encryption())
        return out

    @staticmethod
    def _chosen_parts(
        upload: UploadRecord, requested: list[dict[str, Any]], stored: dict[int, sqlite3.Row]
    ) -> list[sqlite3.Row]:
        algorithm = upload.checksum_algorithm
        chosen: list[sqlite3.Row] = []
        previous = 0
        for item in requested:
            number = item.get("PartNumber") or 0
            if number <= previous:
                raise InvalidPartOrder(upload.upload_id)
            previous = number
            row = stored.get(number)
            given_etag = item.get("ETag") or ""
            if row is None or unquoted(given_etag) != row["etag"]:
                raise InvalidPart(upload.upload_id, number, given_etag)
            given_checksum = item.get(checksums.member(algorithm)) if algorithm else None
            if given_checksum and row["checksum"] and given_checksum != row["checksum"]:
                raise InvalidPart(upload.upload_id, number, given_etag)
            chosen.append(row)
        for row in chosen[:-1]:
            if row["size"] < MIN_PART_SIZE:
                raise EntityTooSmall(row["size"], row["part_number"], quoted(row["etag"]))
        return chosen

    @staticmethod
    def _combined_checksum(
        upload: UploadRecord, chosen: list[sqlite3.Row], params: dict[str, Any]
    ) -> str | None:
        algorithm = upload.checksum_algorithm
        if not algorithm or any(row["checksum"] is None for row in chosen):
            return None
        digests = [base64.b64decode(row["checksum"]) for row in chosen]
        if upload.checksum_type == "FULL_OBJECT":
            value = checksums.full_object(
                algorithm, [(d, row["size"]) for d, row in zip(digests, chosen, strict=True)]
            )
            expected = params.get(checksums.member(algorithm))
            if expected is not None and expected != value:
                raise BadDigest(
                    f"The {algorithm} you specified did not match the calculated checksum."
                )
            return value
        return checksums.composite(algorithm, digests)

    async def abort_multipart_upload(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        upload = self.upload_record(params)
        blobs = await self.store.write(partial(drop_upload, upload.upload_id))
        self.blobs.release(blobs)
        self.publish(
            ctx,
            "s3.MultipartUploadAborted",
            object_arn(upload.bucket, upload.key),
            bucket=upload.bucket,
            key=upload.key,
            upload_id=upload.upload_id,
        )
        return {}

    async def list_parts(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        upload = self.upload_record(params)
        max_parts = check_max(params.get("MaxParts"), "max-parts", MAX_PARTS_PAGE)
        marker = params.get("PartNumberMarker") or 0
        rows = await self.store.query(PARTS_SQL, (upload.upload_id, marker, max_parts + 1))
        page = rows[:max_parts]
        owner = {"ID": canonical_user_id(upload.account)}
        out: dict[str, Any] = {
            "Bucket": upload.bucket,
            "Key": upload.key,
            "UploadId": upload.upload_id,
            "PartNumberMarker": marker,
            "MaxParts": max_parts,
            "IsTruncated": len(rows) > max_parts,
            "Initiator": owner,
            "Owner": owner,
            "StorageClass": upload.attributes.storage_class,
        }
        if page:
            out["Parts"] = [part_entry(row, upload.checksum_algorithm) for row in page]
            out["NextPartNumberMarker"] = page[-1]["part_number"]
        if upload.checksum_algorithm:
            out["ChecksumAlgorithm"] = upload.checksum_algorithm
            out["ChecksumType"] = upload.checksum_type
        return out
