"""Listing what a bucket holds: ListObjectsV2, ListObjects and ListMultipartUploads.

The walk itself (prefix, delimiter, markers) is in :mod:`irisops.services.s3.listing`;
object pages are read on the loop as bounded indexed range reads.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from irisops.core.context import RequestContext
from irisops.services.s3.base import S3Base
from irisops.services.s3.listing import (
    Fetch,
    check_max,
    common_prefix,
    decode_token,
    encode_token,
    list_page,
    prefix_upper_bound,
    url_encode,
)
from irisops.services.s3.names import canonical_user_id
from irisops.services.s3.records import quoted, timestamp

_LIST_COLUMNS = "key, etag, size, modified, storage_class, checksum_algorithm, checksum_type"
_LIST_SQL = {
    (inclusive, bounded): (
        f"SELECT {_LIST_COLUMNS} FROM s3_objects WHERE bucket = ? "
        f"AND key {'>=' if inclusive else '>'} ? {'AND key < ? ' if bounded else ''}"
        "ORDER BY key LIMIT ?"
    )
    for inclusive in (True, False)
    for bounded in (True, False)
}


def listed_object(row: sqlite3.Row, encode: Any, owner: dict[str, str] | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Key": encode(row["key"]),
        "LastModified": timestamp(row["modified"]),
        "ETag": quoted(row["etag"]),
        "Size": row["size"],
        "StorageClass": row["storage_class"],
    }
    if row["checksum_algorithm"]:
        entry["ChecksumAlgorithm"] = [row["checksum_algorithm"]]
        entry["ChecksumType"] = row["checksum_type"]
    if owner is not None:
        entry["Owner"] = owner
    return entry


def _as_is(value: str) -> str:
    return value


class BucketListings(S3Base):
    def _fetch_keys(self, bucket: str) -> Fetch:
        def fetch(lower: str, inclusive: bool, upper: str | None, limit: int) -> list[Any]:
            sql = _LIST_SQL[(inclusive, upper is not None)]
            args = (bucket, lower, upper, limit) if upper is not None else (bucket, lower, limit)
            return self.store.read(sql, args)

        return fetch

    async def list_objects_v2(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = params["Bucket"]
        owner_row = self.require_bucket(bucket, params)
        max_keys = check_max(params.get("MaxKeys"), "max-keys")
        prefix = params.get("Prefix") or ""
        delimiter = params.get("Delimiter") or None
        token = params.get("ContinuationToken")
        start_after = params.get("StartAfter")
        marker = decode_token(token) if token else start_after
        page = list_page(
            self._fetch_keys(bucket),
            prefix=prefix,
            delimiter=delimiter,
            marker=marker,
            max_keys=max_keys,
        )
        url = params.get("EncodingType") == "url"
        encode = url_encode if url else _as_is
        owner = (
            {"ID": canonical_user_id(owner_row["account"])} if params.get("FetchOwner") else None
        )
        out: dict[str, Any] = {
            "Name": bucket,
            "Prefix": encode(prefix),
            "MaxKeys": max_keys,
            "KeyCount": len(page.rows) + len(page.prefixes),
            "IsTruncated": page.truncated,
        }
        if page.rows:
            out["Contents"] = [listed_object(row, encode, owner) for row in page.rows]
        if page.prefixes:
            out["CommonPrefixes"] = [{"Prefix": encode(p)} for p in page.prefixes]
        if delimiter:
            out["Delimiter"] = encode(delimiter)
        if url:
            out["EncodingType"] = "url"
        if token:
            out["ContinuationToken"] = token
        if start_after is not None:
            out["StartAfter"] = encode(start_after)
        if page.truncated and page.last is not None:
            out["NextContinuationToken"] = encode_token(page.last)
        return out

    async def list_objects(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = params["Bucket"]
        owner_row = self.require_bucket(bucket, params)
        max_keys = check_max(params.get("MaxKeys"), "max-keys")
        prefix = params.get("Prefix") or ""
        delimiter = params.get("Delimiter") or None
        marker = params.get("Marker") or ""
        page = list_page(
            self._fetch_keys(bucket),
            prefix=prefix,
            delimiter=delimiter,
            marker=marker or None,
            max_keys=max_keys,
        )
        url = params.get("EncodingType") == "url"
        encode = url_encode if url else _as_is
        owner = {"ID": canonical_user_id(owner_row["account"])}
        out: dict[str, Any] = {
            "Name": bucket,
            "Prefix": encode(prefix),
            "Marker": encode(marker),
            "MaxKeys": max_keys,
            "IsTruncated": page.truncated,
        }
        if page.rows:
            out["Contents"] = [listed_object(row, encode, owner) for row in page.rows]
        if page.prefixes:
            out["CommonPrefixes"] = [{"Prefix": encode(p)} for p in page.prefixes]
        if delimiter:
            out["Delimiter"] = encode(delimiter)
            if page.truncated and page.last is not None:
                out["NextMarker"] = encode(page.last)
        if url:
            out["EncodingType"] = "url"
        return out

    async def list_multipart_uploads(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        bucket = params["Bucket"]
        self.require_bucket(bucket, params)
        max_uploads = check_max(params.get("MaxUploads"), "max-uploads")
        prefix = params.get("Prefix") or ""
        delimiter = params.get("Delimiter") or None
        key_marker = params.get("KeyMarker") or ""
        upload_id_marker = params.get("UploadIdMarker") or ""
        rows = await self._uploads_from(bucket, prefix, key_marker)
        rows = self._after_markers(rows, prefix, delimiter, key_marker, upload_id_marker)
        url = params.get("EncodingType") == "url"

        def encode(value: str) -> str:
            return url_encode(value) if url else value

        uploads: list[dict[str, Any]] = []
        prefixes: list[str] = []
        truncated = False
        last_key = last_upload = None
        for row in rows:
            rolled = common_prefix(row["key"], prefix, delimiter)
            if rolled is not None and prefixes and prefixes[-1] == rolled:
                continue
            if len(uploads) + len(prefixes) == max_uploads:
                truncated = True
                break
            if rolled is not None:
                prefixes.append(rolled)
                last_key, last_upload = rolled, None
                continue
            owner = {"ID": canonical_user_id(row["account"])}
            entry: dict[str, Any] = {
                "UploadId": row["upload_id"],
                "Key": encode(row["key"]),
                "Initiated": timestamp(row["initiated"]),
                "StorageClass": row["storage_class"],
                "Owner": owner,
                "Initiator": owner,
            }
            if row["checksum_algorithm"]:
                entry["ChecksumAlgorithm"] = row["checksum_algorithm"]
                entry["ChecksumType"] = row["checksum_type"]
            uploads.append(entry)
            last_key, last_upload = row["key"], row["upload_id"]
        out: dict[str, Any] = {
            "Bucket": bucket,
            "KeyMarker": encode(key_marker),
            "UploadIdMarker": upload_id_marker,
            "Prefix": encode(prefix),
            "MaxUploads": max_uploads,
            "IsTruncated": truncated,
        }
        if last_key is not None:
            out["NextKeyMarker"] = encode(last_key)
            out["NextUploadIdMarker"] = last_upload or ""
        if uploads:
            out["Uploads"] = uploads
        if prefixes:
            out["CommonPrefixes"] = [{"Prefix": encode(p)} for p in prefixes]
        if delimiter:
            out["Delimiter"] = encode(delimiter)
        if url:
            out["EncodingType"] = "url"
        return out

    async def _uploads_from(self, bucket: str, prefix: str, key_marker: str) -> list[sqlite3.Row]:
        sql = (
            "SELECT upload_id, key, account, initiated, storage_class, checksum_algorithm, "
            "checksum_type FROM s3_uploads WHERE bucket = ? AND key >= ?"
        )
        args: list[Any] = [bucket, max(prefix, key_marker)]
        upper = prefix_upper_bound(prefix) if prefix else None
        if upper is not None:
            sql += " AND key < ?"
            args.append(upper)
        sql += " ORDER BY key, initiated, upload_id"
        return await self.store.query(sql, args)

    @staticmethod
    def _after_markers(
        rows: list[sqlite3.Row],
        prefix: str,
        delimiter: str | None,
        key_marker: str,
        upload_id_marker: str,
    ) -> list[sqlite3.Row]:
        """Rows past (key-marker, upload-id-marker), as S3 pages multipart uploads."""
        if not key_marker:
            return rows
        marker_prefix = common_prefix(key_marker, prefix, delimiter)
        if marker_prefix is not None and marker_prefix == key_marker:
            return [row for row in rows if not row["key"].startswith(key_marker)]
        if upload_id_marker:
            same_key = [row["upload_id"] for row in rows if row["key"] == key_marker]
            if upload_id_marker in same_key:
                position = same_key.index(upload_id_marker)
                keep = set(same_key[position + 1 :])
                return [row for row in rows if row["key"] > key_marker or row["upload_id"] in keep]
        return [row for row in rows if row["key"] > key_marker]
