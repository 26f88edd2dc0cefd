"""The one path every image push and delete takes, from ``docker push`` (a manifest PUT
on ``/v2/``) and from the API (PutImage, BatchDeleteImage) alike.

A push checks the manifest, that every blob (or child manifest) it references is
stored, and the repository's tag mutability, records image and tag in one transaction
and then publishes ``ecr.ImagePushed``; a delete publishes ``ecr.ImageDeleted`` per
image id once committed. Failures are registry errors; the API maps them to its own.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.engines.registry.blobs import BlobStore
from irisops.engines.registry.digests import is_digest
from irisops.engines.registry.errors import RegistryError
from irisops.engines.registry.manifests import Manifest, parse_manifest
from irisops.services.base import Service
from irisops.services.ecr import records
from irisops.services.ecr.errors import (
    ImageAlreadyExists,
    immutable_tag_message,
    repository_not_found_message,
)

TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,299}$")
IMAGE_NOT_FOUND = ("ImageNotFound", "Requested image not found")


@dataclass(frozen=True)
class ImageDeleted:
    digest: str
    tag: str | None


def check_tag(tag: str) -> None:
    if not TAG.match(tag):
        raise RegistryError("TAG_INVALID", f"invalid tag: {tag}", detail={"tag": tag})


def _repository(conn: sqlite3.Connection, account: str, region: str, name: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT id, tag_mutability, tag_mutability_filters FROM ecr_repositories "
        "WHERE account = ? AND region = ? AND name = ?",
        (account, region, name),
    ).fetchone()
    if row is None:
        raise RegistryError("NAME_UNKNOWN", repository_not_found_message(name, account))
    return row


class ImageStore(Service):
    blobs: BlobStore

    def _context(self, account: str, region: str, operation: str) -> RequestContext:
        return RequestContext(service="ecr", operation=operation, account=account, region=region)

    async def _layer_size(self, manifest: Manifest) -> int:
        """Check every referenced blob is stored; the size of the image's layers."""
        wanted = manifest.blobs
        sizes = await self.blobs.sizes([d.digest for d in wanted])
        for descriptor in wanted:
            stored = sizes[descriptor.digest]
            if stored is None:
                raise RegistryError(
                    "MANIFEST_BLOB_UNKNOWN",
                    f"blob unknown to registry: {descriptor.digest}",
                    detail={"digest": descriptor.digest, "kind": "blob"},
                )
            if stored != descriptor.size:
                raise RegistryError(
                    "MANIFEST_INVALID",
                    f"manifest invalid: blob {descriptor.digest} is {stored} bytes, "
                    f"the manifest says {descriptor.size}",
                )
        return sum(sizes[d.digest] or 0 for d in manifest.layers)

    async def push_image(
        self,
        account: str,
        region: str,
        name: str,
        body: bytes,
        content_type: str | None,
        *,
        tag: str | None,
        digest: str | None = None,
        via: str,
        reject_unchanged: bool = False,
    ) -> Manifest:
        """Record a manifest (and its tag); raises RegistryError, or ImageAlreadyExists
        when ``reject_unchanged`` (PutImage) and neither manifest nor tag is new."""
        manifest = parse_manifest(body, content_type)
        if digest is not None and digest != manifest.digest:
            raise RegistryError(
                "DIGEST_INVALID",
                f"manifest digest {manifest.digest} does not match {digest}",
                detail={"expected": digest, "actual": manifest.digest},
            )
        if tag is not None:
            check_tag(tag)
        layer_size = 0 if manifest.is_index else await self._layer_size(manifest)
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> bool:
            repo = _repository(conn, account, region, name)
            size = layer_size
            if manifest.is_index:
                size = 0
                for child in manifest.children:
                    row = conn.execute(
                        "SELECT size FROM ecr_images WHERE repository_id = ? AND digest = ?",
                        (repo["id"], child.digest),
                    ).fetchone()
                    if row is None:
                        raise RegistryError(
                            "MANIFEST_BLOB_UNKNOWN",
                            f"manifest unknown to repository: {child.digest}",
                            detail={"digest": child.digest, "kind": "manifest"},
                        )
                    size = max(size, row["size"])
            exists = conn.execute(
                "SELECT 1 FROM ecr_images WHERE repository_id = ? AND digest = ?",
                (repo["id"], manifest.digest),
            ).fetchone()
            tagged = None
            if tag is not None:
                tagged = conn.execute(
                    "SELECT digest FROM ecr_image_tags WHERE repository_id = ? AND tag = ?",
                    (repo["id"], tag),
                ).fetchone()
            unchanged = exists and (tag is None or (tagged and tagged["digest"] == manifest.digest))
            if unchanged and reject_unchanged:
                shown = f"'{tag}'" if tag else "'null'"
                raise ImageAlreadyExists(
                    f"Image with digest '{manifest.digest}' and tag {shown} already exists in "
                    f"the repository with name '{name}' in registry with id '{account}'"
                )
            filters = json.loads(repo["tag_mutability_filters"])
            if tagged is not None and records.tag_is_immutable(
                repo["tag_mutability"], filters, tag or ""
            ):
                raise RegistryError("TAG_INVALID", immutable_tag_message(tag or "", name))
            if not exists:
                conn.execute(
                    "INSERT INTO ecr_images (repository_id, digest, media_type, "
                    "artifact_media_type, size, pushed_at, manifest) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        repo["id"],
                        manifest.digest,
                        manifest.media_type,
                        manifest.artifact_media_type,
                        size,
                        now,
                        body,
                    ),
                )
            if tag is not None:
                conn.execute(
                    "INSERT INTO ecr_image_tags (repository_id, tag, digest) VALUES (?, ?, ?) "
                    "ON CONFLICT (repository_id, tag) DO UPDATE SET digest = excluded.digest",
                    (repo["id"], tag, manifest.digest),
                )
            return not unchanged

        changed = await self.store.write(write)
        if changed:
            self.publish(
                self._context(account, region, via),
                "ecr.ImagePushed",
                records.repository_arn(region, account, name),
                repositoryName=name,
                imageDigest=manifest.digest,
                imageTag=tag,
                via=via,
            )
        return manifest

    async def delete_images(
        self, account: str, region: str, name: str, image_ids: list[dict[str, Any]], *, via: str
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Delete images by digest (with their tags) or tags (the image goes with its last
        tag); returns ``(imageIds deleted, failures)`` shaped as BatchDeleteImage's."""

        def write(
            conn: sqlite3.Connection,
        ) -> tuple[list[ImageDeleted], list[dict[str, Any]]]:
            repo = _repository(conn, account, region, name)
            deleted: list[ImageDeleted] = []
            failures: list[dict[str, Any]] = []
            for image_id in image_ids:
                failure = _delete_one(conn, repo["id"], image_id, deleted)
                if failure is not None:
                    failures.append(
                        {
                            "imageId": image_id,
                            "failureCode": failure[0],
                            "failureReason": failure[1],
                        }
                    )
            return deleted, failures

        deleted, failures = await self.store.write(write)
        ctx = self._context(account, region, via)
        resource = records.repository_arn(region, account, name)
        for item in deleted:
            self.publish(
                ctx,
                "ecr.ImageDeleted",
                resource,
                repositoryName=name,
                imageDigest=item.digest,
                imageTag=item.tag,
                via=via,
            )
        ids = [
            {"imageDigest": item.digest, **({"imageTag": item.tag} if item.tag else {})}
            for item in deleted
        ]
        return ids, failures


def _delete_one(
    conn: sqlite3.Connection, repo_id: int, image_id: dict[str, Any], deleted: list[ImageDeleted]
) -> tuple[str, str] | None:
    digest = image_id.get("imageDigest")
    tag = image_id.get("imageTag")
    if not digest and not tag:
        return (
            "MissingDigestAndTag",
            "Invalid request parameters: both tag and digest cannot be null",
        )
    if digest and not is_digest(digest):
        return (
            "InvalidImageDigest",
            "Invalid request parameters: image digest should satisfy the regex "
            "'[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
        )
    if tag:
        row = conn.execute(
            "SELECT digest FROM ecr_image_tags WHERE repository_id = ? AND tag = ?",
            (repo_id, tag),
        ).fetchone()
        if row is None:
            return IMAGE_NOT_FOUND
        if digest and row["digest"] != digest:
            return (
                "ImageTagDoesNotMatchDigest",
                "Invalid request parameters: given tag does not map to the given digest",
            )
        conn.execute(
            "DELETE FROM ecr_image_tags WHERE repository_id = ? AND tag = ?", (repo_id, tag)
        )
        left = conn.execute(
            "SELECT 1 FROM ecr_image_tags WHERE repository_id = ? AND digest = ? LIMIT 1",
            (repo_id, row["digest"]),
        ).fetchone()
        if left is None:
            conn.execute(
                "DELETE FROM ecr_images WHERE repository_id = ? AND digest = ?",
                (repo_id, row["digest"]),
            )
        deleted.append(ImageDeleted(row["digest"], tag))
        return None
    tags = [
        r["tag"]
        for r in conn.execute(
            "SELECT tag FROM ecr_image_tags WHERE repository_id = ? AND digest = ? ORDER BY tag",
            (repo_id, digest),
        )
    ]
    removed = conn.execute(
        "DELETE FROM ecr_images WHERE repository_id = ? AND digest = ?", (repo_id, digest)
    ).rowcount
    if not removed:
        return IMAGE_NOT_FOUND
    deleted.extend(ImageDeleted(digest, t) for t in tags or [None])
    return None
