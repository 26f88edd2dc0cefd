"""Objects and multipart uploads as the service handles them, to and from their rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from irisops.services.s3 import tagging
from irisops.services.s3.errors import MetadataTooLarge

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
STANDARD = "STANDARD"
DEFAULT_SSE = "AES256"
MAX_METADATA_BYTES = 2048

#: Request/response members S3 stores with an object and returns as headers.
HEADER_MEMBERS = (
    "CacheControl",
    "ContentDisposition",
    "ContentEncoding",
    "ContentLanguage",
    "Expires",
    "WebsiteRedirectLocation",
)
SSE_MEMBERS = ("ServerSideEncryption", "SSEKMSKeyId", "BucketKeyEnabled")

OBJECT_COLUMNS = (
    "bucket, key, blob, size, etag, modified, content_type, storage_class, "
    "checksum_algorithm, checksum, checksum_type, parts, tag_count, attrs"
)


def quoted(etag: str) -> str:
    return f'"{etag}"'


def unquoted(etag: str) -> str:
    etag = etag.strip()
    if etag.startswith("W/"):
        etag = etag[2:]
    return etag.strip('"')


def timestamp(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def strip_aws_chunked(encoding: str | None) -> str | None:
    """The Content-Encoding to store: ``aws-chunked`` is transport framing, not the object's."""
    if not encoding:
        return encoding
    kept = [e.strip() for e in encoding.split(",") if e.strip().lower() != "aws-chunked"]
    return ",".join(kept) or None


@dataclass
class Attributes:
    """What describes an object besides its bytes: the headers S3 stores and returns,
    user metadata, tags, storage class and encryption."""

    content_type: str = DEFAULT_CONTENT_TYPE
    storage_class: str = STANDARD
    headers: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    tags: tagging.Tags = field(default_factory=list)
    sse: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Attributes:
        headers: dict[str, str] = {}
        for name in HEADER_MEMBERS:
            value = params.get(name)
            if name == "ContentEncoding":
                value = strip_aws_chunked(value)
            if value is None:
                continue
            headers[name] = value.isoformat() if isinstance(value, datetime) else str(value)
        metadata = dict(params.get("Metadata") or {})
        size = sum(len(k.encode()) + len(v.encode()) for k, v in metadata.items())
        if size > MAX_METADATA_BYTES:
            raise MetadataTooLarge(size)
        tags: tagging.Tags = []
        if params.get("Tagging"):
            tags = tagging.check_object_tags(tagging.from_header(params["Tagging"]))
        sse = {name: params[name] for name in SSE_MEMBERS if params.get(name) is not None}
        return cls(
            content_type=params.get("ContentType") or DEFAULT_CONTENT_TYPE,
            storage_class=params.get("StorageClass") or STANDARD,
            headers=headers,
            metadata=metadata,
            tags=tags,
            sse=sse,
        )

    @classmethod
    def from_row(
        cls, content_type: str | None, storage_class: str, attrs: str | None
    ) -> Attributes:
        data = json.loads(attrs) if attrs else {}
        return cls(
            content_type=content_type or DEFAULT_CONTENT_TYPE,
            storage_class=storage_class,
            headers=data.get("h", {}),
            metadata=data.get("m", {}),
            tags=[(k, v) for k, v in data.get("t", [])],
            sse=data.get("sse", {}),
        )

    def to_json(self) -> str | None:
        data: dict[str, Any] = {}
        if self.headers:
            data["h"] = self.headers
        if self.metadata:
            data["m"] = self.metadata
        if self.tags:
            data["t"] = self.tags
        if self.sse:
            data["sse"] = self.sse
        return json.dumps(data, separators=(",", ":")) if data else None

    def with_tags(self, tags: tagging.Tags) -> Attributes:
        return replace(self, tags=tags)

    def output(self) -> dict[str, Any]:
        """Header members of HEAD/GET for these attributes."""
        out: dict[str, Any] = {"ContentType": self.content_type}
        for name, value in self.headers.items():
            out[name] = datetime.fromisoformat(value) if name == "Expires" else value
        if self.metadata:
            out["Metadata"] = self.metadata
        if self.storage_class != STANDARD:
            out["StorageClass"] = self.storage_class
        out.update(self.encryption())
        return out

    def encryption(self) -> dict[str, Any]:
        return self.sse or {"ServerSideEncryption": DEFAULT_SSE}


@dataclass
class ObjectRecord:
    bucket: str
    key: str
    blob: str
    size: int
    etag: str
    modified: int
    attributes: Attributes
    checksum_algorithm: str | None = None
    checksum: str | None = None
    checksum_type: str | None = None
    parts: list[int] | None = None

    @classmethod
    def from_row(cls, row: Any) -> ObjectRecord:
        return cls(
            bucket=row["bucket"],
            key=row["key"],
            blob=row["blob"],
            size=row["size"],
            etag=row["etag"],
            modified=row["modified"],
            attributes=Attributes.from_row(row["content_type"], row["storage_class"], row["attrs"]),
            checksum_algorithm=row["checksum_algorithm"],
            checksum=row["checksum"],
            checksum_type=row["checksum_type"],
            parts=json.loads(row["parts"]) if row["parts"] else None,
        )

    def row(self) -> tuple[Any, ...]:
        """Values in :data:`OBJECT_COLUMNS` order."""
        return (
            self.bucket,
            self.key,
            self.blob,
            self.size,
            self.etag,
            self.modified,
            self.attributes.content_type,
            self.attributes.storage_class,
            self.checksum_algorithm,
            self.checksum,
            self.checksum_type,
            json.dumps(self.parts) if self.parts else None,
            len(self.attributes.tags),
            self.attributes.to_json(),
        )

    def checksum_output(self) -> dict[str, str]:
        if not self.checksum_algorithm or not self.checksum:
            return {}
        out = {f"Checksum{self.checksum_algorithm}": self.checksum}
        if self.checksum_type:
            out["ChecksumType"] = self.checksum_type
        return out


@dataclass
class UploadRecord:
    upload_id: str
    bucket: str
    key: str
    account: str
    initiated: int
    attributes: Attributes
    checksum_algorithm: str | None = None
    checksum_type: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> UploadRecord:
        return cls(
            upload_id=row["upload_id"],
            bucket=row["bucket"],
            key=row["key"],
            account=row["account"],
            initiated=row["initiated"],
            attributes=Attributes.from_row(row["content_type"], row["storage_class"], row["attrs"]),
            checksum_algorithm=row["checksum_algorithm"],
            checksum_type=row["checksum_type"],
        )
