"""Object operations: put, get, head, delete, copy, tagging and listing."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from functools import partial
from typing import Any
from urllib.parse import parse_qs, unquote

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.gateway.body import FileBody, RequestBody
from irisops.services.s3 import checksums, tagging
from irisops.services.s3.base import (
    OBJECT_SQL,
    S3Base,
    now_seconds,
    store_object,
)
from irisops.services.s3.conditions import NOT_MODIFIED, byte_range, evaluate
from irisops.services.s3.errors import (
    MAX_OBJECT_SIZE,
    EntityTooLarge,
    InvalidArgument,
    InvalidRequest,
    MalformedXML,
    NoSuchKey,
    NotImplementedHeader,
    PreconditionFailed,
)
from irisops.services.s3.integrity import Integrity
from irisops.services.s3.names import check_key
from irisops.services.s3.records import (
    STANDARD,
    Attributes,
    ObjectRecord,
    quoted,
    timestamp,
    unquoted,
)

MAX_DELETE_KEYS = 1000
MAX_PART_NUMBER = 10_000
#: GetObject query parameters that override a response header, by output member.
RESPONSE_OVERRIDES = (
    "CacheControl",
    "ContentDisposition",
    "ContentEncoding",
    "ContentLanguage",
    "ContentType",
    "Expires",
)


class MissingContentLength(AwsError):
    code = "MissingContentLength"
    status = 411

    def __init__(self) -> None:
        super().__init__("You must provide the Content-Length HTTP header.")


def check_version(params: dict[str, Any]) -> None:
    """Buckets are unversioned: the only version an object has is ``null``."""
    version = params.get("VersionId")
    if version is not None and version != "null":
        raise InvalidArgument("Invalid version id specified", "versionId", version)


def parse_copy_source(value: str) -> tuple[str, str]:
    """``x-amz-copy-source``: ``[/]bucket/key[?versionId=...]``, URL-encoded."""
    path, _, query = value.partition("?")
    version = parse_qs(query).get("versionId", [None])[0]
    if version is not None and version != "null":
        raise InvalidArgument("Invalid version id specified", "x-amz-copy-source", value)
    path = unquote(path)
    if path.startswith("/"):
        path = path[1:]
    bucket, sep, key = path.partition("/")
    if not sep or not bucket or not key:
        raise InvalidArgument("Invalid copy source object key", "x-amz-copy-source", value)
    return bucket, key


def copy_source_conditions(record: ObjectRecord, params: dict[str, Any]) -> None:
    evaluate(
        record.etag,
        record.modified,
        if_match=params.get("CopySourceIfMatch"),
        if_none_match=params.get("CopySourceIfNoneMatch"),
        if_modified_since=params.get("CopySourceIfModifiedSince"),
        if_unmodified_since=params.get("CopySourceIfUnmodifiedSince"),
        copy_source=True,
    )


class ObjectOperations(S3Base):
    # -- write -----------------------------------------------------------------------------

    async def put_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket, key = params["Bucket"], params["Key"]
        check_key(key)
        self.require_bucket(bucket, params)
        if_none_match = params.get("IfNoneMatch")
        if if_none_match is not None and if_none_match != "*":
            raise NotImplementedHeader("If-None-Match")
        attributes = Attributes.from_params(params)
        body: RequestBody = params["Body"]
        if body.content_length is None:
            raise MissingContentLength()
        if body.content_length > MAX_OBJECT_SIZE:
            raise EntityTooLarge(body.content_length)
        integrity = Integrity.from_params(params, body)
        blob = await self.blobs.receive(body, integrity.algorithms)
        try:
            checksum = integrity.verify(blob, body.trailers)
            record = ObjectRecord(
                bucket=bucket,
                key=key,
                blob=blob.id,
                size=blob.size,
                etag=blob.md5_hex,
                modified=now_seconds(),
                attributes=attributes,
                checksum_algorithm=integrity.algorithm,
                checksum=checksum,
                checksum_type="FULL_OBJECT" if checksum else None,
            )
            replaced = await self.store.write(
                partial(store_object, record, params.get("IfMatch"), if_none_match)
            )
        except Exception:
            await self.blobs.remove_now([blob.id])
            raise
        self.blobs.release([replaced] if replaced else [])
        self.publish_object(ctx, "s3.ObjectCreated", record, bucket, key, operation="PutObject")
        return {
            "ETag": quoted(record.etag),
            **record.checksum_output(),
            **attributes.encryption(),
        }

    async def copy_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket, key = params["Bucket"], params["Key"]
        check_key(key)
        source_bucket, source_key = parse_copy_source(params["CopySource"])
        source = self.object_record(source_bucket, source_key)
        if source is None:
            self.missing_object(source_bucket, source_key)
        self.require_bucket(bucket, params)
        copy_source_conditions(source, params)
        if source.size > MAX_OBJECT_SIZE:
            raise InvalidRequest(
                "The specified copy source is larger than the maximum allowable size for a "
                f"copy source: {MAX_OBJECT_SIZE}"
            )
        metadata_directive = params.get("MetadataDirective") or "COPY"
        changes = ("StorageClass", "WebsiteRedirectLocation", "ServerSideEncryption", "SSEKMSKeyId")
        if (
            (source_bucket, source_key) == (bucket, key)
            and metadata_directive == "COPY"
            and not any(params.get(name) for name in changes)
        ):
            raise InvalidRequest(
                "This copy request is illegal because it is trying to copy an object to itself "
                "without changing the object's metadata, storage class, website redirect "
                "location or encryption attributes."
            )
        attributes = self._copied_attributes(source, params, metadata_directive)
        algorithm = params.get("ChecksumAlgorithm")
        if algorithm and algorithm != source.checksum_algorithm:
            blob = await self.blobs.copy(source.blob, 0, source.size, (algorithm,))
            record = ObjectRecord(
                bucket=bucket,
                key=key,
                blob=blob.id,
                size=blob.size,
                etag=blob.md5_hex,
                modified=now_seconds(),
                attributes=attributes,
                checksum_algorithm=algorithm,
                checksum=checksums.encode(blob.checksums[algorithm]),
                checksum_type="FULL_OBJECT",
            )
        else:
            record = replace(
                source,
                bucket=bucket,
                key=key,
                blob=await self.blobs.link(source.blob),
                modified=now_seconds(),
                attributes=attributes,
            )
        try:
            replaced = await self.store.write(
                partial(store_object, record, params.get("IfMatch"), params.get("IfNoneMatch"))
            )
        except Exception:
            await self.blobs.remove_now([record.blob])
            raise
        self.blobs.release([replaced] if replaced else [])
        self.publish_object(
            ctx,
            "s3.ObjectCreated",
            record,
            bucket,
            key,
            operation="CopyObject",
            source=f"{source_bucket}/{source_key}",
        )
        result = {"ETag": quoted(record.etag), "LastModified": timestamp(record.modified)}
        result.update(record.checksum_output())
        return {"CopyObjectResult": result, **attributes.encryption()}

    @staticmethod
    def _copied_attributes(
        source: ObjectRecord, params: dict[str, Any], metadata_directive: str
    ) -> Attributes:
        if metadata_directive == "REPLACE":
            attributes = Attributes.from_params({**params, "Tagging": None})
        else:
            requested = Attributes.from_params(
                {
                    name: params.get(name)
                    for name in (
                        "StorageClass",
                        "ServerSideEncryption",
                        "SSEKMSKeyId",
                        "BucketKeyEnabled",
                    )
                }
            )
            attributes = replace(
                source.attributes,
                storage_class=params.get("StorageClass") or STANDARD,
                sse=requested.sse or source.attributes.sse,
            )
            if params.get("WebsiteRedirectLocation"):
                attributes.headers = {
                    **attributes.headers,
                    "WebsiteRedirectLocation": params["WebsiteRedirectLocation"],
                }
        if (params.get("TaggingDirective") or "COPY") == "REPLACE":
            tags = tagging.check_object_tags(tagging.from_header(params.get("Tagging") or ""))
        else:
            tags = source.attributes.tags
        return attributes.with_tags(tags)

    # -- read ------------------------------------------------------------------------------

    async def get_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._serve(ctx, params, body=True)

    async def head_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._serve(ctx, params, body=False)

    def _serve(self, ctx: RequestContext, params: dict[str, Any], *, body: bool) -> dict[str, Any]:
        """GetObject and HeadObject: one indexed read, then headers (and the file range)."""
        bucket, key = params["Bucket"], params["Key"]
        record = self.object_record(bucket, key)
        if record is None:
            self.missing_object(bucket, key)
        if params.get("ExpectedBucketOwner"):
            self.require_bucket(bucket, params)
        if params.get("VersionId") is not None:
            check_version(params)
        etag = quoted(record.etag)
        modified = timestamp(record.modified)
        if (
            evaluate(
                record.etag,
                record.modified,
                if_match=params.get("IfMatch"),
                if_none_match=params.get("IfNoneMatch"),
                if_modified_since=params.get("IfModifiedSince"),
                if_unmodified_since=params.get("IfUnmodifiedSince"),
            )
            == NOT_MODIFIED
        ):
            ctx.status = NOT_MODIFIED
            return {"ETag": etag, "LastModified": modified}
        out = record.attributes.output()
        out["ETag"] = etag
        out["LastModified"] = modified
        out["AcceptRanges"] = "bytes"
        if record.attributes.tags:
            out["TagCount"] = len(record.attributes.tags)
        for name in RESPONSE_OVERRIDES:
            value = params.get(f"Response{name}")
            if value is not None:
                out[name] = value
        selected = self._selected_range(record, params, out)
        if selected is None:
            first, length = 0, record.size
            if params.get("ChecksumMode") == "ENABLED":
                out.update(record.checksum_output())
        else:
            first, last = selected
            length = last - first + 1
            ctx.status = 206
            out["ContentRange"] = f"bytes {first}-{last}/{record.size}"
        out["ContentLength"] = length
        if body:
            out["Body"] = FileBody(self.blobs.path(record.blob), first, length)
        return out

    @staticmethod
    def _selected_range(
        record: ObjectRecord, params: dict[str, Any], out: dict[str, Any]
    ) -> tuple[int, int] | None:
        part = params.get("PartNumber")
        if part is None:
            return byte_range(params.get("Range"), record.size)
        if params.get("Range"):
            raise InvalidRequest("Cannot specify both Range header and partNumber query parameter")
        if not 1 <= part <= MAX_PART_NUMBER:
            raise InvalidArgument(
                "Part number must be an integer between 1 and 10000, inclusive",
                "partNumber",
                part,
            )
        sizes = record.parts or [record.size]
        if part > len(sizes):
            raise AwsError(
                "The requested partnumber is not satisfiable",
                code="InvalidPartNumber",
                status=416,
                PartNumberRequested=part,
                ActualPartCount=len(sizes),
            )
        if record.parts:
            out["PartsCount"] = len(record.parts)
        if record.size == 0:
            return None
        first = sum(sizes[: part - 1])
        return first, first + sizes[part - 1] - 1

    # -- delete ----------------------------------------------------------------------------

    async def delete_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket, key = params["Bucket"], params["Key"]
        check_version(params)
        if self.object_record(bucket, key) is None:
            self.require_bucket(bucket, params)
            return {}
        if_match = params.get("IfMatch")

        def delete(conn: sqlite3.Connection) -> str | None:
            row = conn.execute(
                "SELECT blob, etag FROM s3_objects WHERE bucket = ? AND key = ?", (bucket, key)
            ).fetchone()
            if row is None:
                return None
            if if_match is not None and unquoted(if_match) not in ("*", row["etag"]):
                raise PreconditionFailed("If-Match")
            conn.execute("DELETE FROM s3_objects WHERE bucket = ? AND key = ?", (bucket, key))
            return row["blob"]

        removed = await self.store.write(delete)
        if removed is not None:
            self.blobs.release([removed])
            self.publish_object(ctx, "s3.ObjectDeleted", None, bucket, key)
        return {}

    async def delete_objects(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = params["Bucket"]
        self.require_bucket(bucket, params)
        request = params.get("Delete") or {}
        objects = request.get("Objects") or []
        if not objects or len(objects) > MAX_DELETE_KEYS:
            raise MalformedXML()
        quiet = bool(request.get("Quiet"))

        def delete(conn: sqlite3.Connection) -> tuple[list[dict[str, Any]], list[str], list[str]]:
            results: list[dict[str, Any]] = []
            blobs: list[str] = []
            deleted_keys: list[str] = []
            for item in objects:
                key = item.get("Key", "")
                version = item.get("VersionId")
                if version is not None and version != "null":
                    results.append(
                        {
                            "Key": key,
                            "VersionId": version,
                            "Code": "NoSuchVersion",
                            "Message": "The specified version does not exist.",
                        }
                    )
                    continue
                row = conn.execute(
                    "SELECT blob, etag FROM s3_objects WHERE bucket = ? AND key = ?",
                    (bucket, key),
                ).fetchone()
                expected = item.get("ETag")
                if row is not None and expected and unquoted(expected) != row["etag"]:
                    results.append(
                        {
                            "Key": key,
                            "Code": "PreconditionFailed",
                            "Message": PreconditionFailed.MESSAGE,
                        }
                    )
                    continue
                if row is not None:
                    conn.execute(
                        "DELETE FROM s3_objects WHERE bucket = ? AND key = ?", (bucket, key)
                    )
                    blobs.append(row["blob"])
                    deleted_keys.append(key)
                results.append({"Key": key, **({"VersionId": version} if version else {})})
            return results, blobs, deleted_keys

        results, blobs, deleted_keys = await self.store.write(delete)
        self.blobs.release(blobs)
        for key in deleted_keys:
            self.publish_object(ctx, "s3.ObjectDeleted", None, bucket, key)
        errors = [r for r in results if "Code" in r]
        out: dict[str, Any] = {}
        if not quiet:
            out["Deleted"] = [r for r in results if "Code" not in r]
        if errors:
            out["Errors"] = errors
        return out

    # -- tagging ---------------------------------------------------------------------------

    async def put_object_tagging(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        bucket, key = params["Bucket"], params["Key"]
        check_version(params)
        if self.object_record(bucket, key) is None:
            self.missing_object(bucket, key)
        tags = tagging.check_object_tags(
            tagging.from_tag_set((params.get("Tagging") or {}).get("TagSet"))
        )
        await self._set_object_tags(bucket, key, tags)
        self.publish_object(ctx, "s3.ObjectTaggingUpdated", None, bucket, key, tags=dict(tags))
        return {}

    async def get_object_tagging(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        bucket, key = params["Bucket"], params["Key"]
        check_version(params)
        record = self.object_record(bucket, key)
        if record is None:
            self.missing_object(bucket, key)
        return {"TagSet": tagging.to_tag_set(record.attributes.tags)}

    async def delete_object_tagging(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        bucket, key = params["Bucket"], params["Key"]
        check_version(params)
        record = self.object_record(bucket, key)
        if record is None:
            self.missing_object(bucket, key)
        if record.attributes.tags:
            await self._set_object_tags(bucket, key, [])
            self.publish_object(ctx, "s3.ObjectTaggingUpdated", None, bucket, key, tags={})
        return {}

    async def _set_object_tags(self, bucket: str, key: str, tags: tagging.Tags) -> None:
        def update(conn: sqlite3.Connection) -> None:
            row = conn.execute(OBJECT_SQL, (bucket, key)).fetchone()
            if row is None:
                raise NoSuchKey(key)
            attributes = ObjectRecord.from_row(row).attributes.with_tags(tags)
            conn.execute(
                "UPDATE s3_objects SET attrs = ?, tag_count = ? WHERE bucket = ? AND key = ?",
                (attributes.to_json(), len(tags), bucket, key),
            )

        await self.store.write(update)
