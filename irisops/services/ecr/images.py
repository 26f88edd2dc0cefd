"""Image operations of the API: DescribeImages, ListImages, BatchGetImage,
BatchDeleteImage and PutImage (the same push path as ``docker push``)."""

from __future__ import annotations

from typing import Any

from irisops.core.context import RequestContext
from irisops.engines.registry.errors import RegistryError
from irisops.engines.registry.manifests import MEDIA_TYPES
from irisops.services.ecr import records
from irisops.services.ecr.errors import InvalidParameter, api_error, image_not_found
from irisops.services.ecr.image_store import IMAGE_NOT_FOUND, ImageStore
from irisops.services.ecr.lookups import repository_for, tags_by_digest
from irisops.services.ecr.paging import page


def _tag_filter(params: dict[str, Any]) -> str:
    return ((params.get("filter") or {}).get("tagStatus")) or "ANY"


class ImageOperations(ImageStore):
    async def describe_images(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        repo = repository_for(self.store, ctx, params)
        tags = tags_by_digest(self.store, repo["id"])
        rows = await self.store.query(
            "SELECT digest, media_type, artifact_media_type, size, pushed_at FROM ecr_images "
            "WHERE repository_id = ? ORDER BY digest",
            (repo["id"],),
        )
        image_ids = params.get("imageIds")
        if image_ids:
            by_digest = {row["digest"]: row for row in rows}
            tag_digest = {tag: digest for digest, names in tags.items() for tag in names}
            chosen = {}
            for image_id in image_ids:
                digest = image_id.get("imageDigest")
                tag = image_id.get("imageTag")
                resolved = digest or tag_digest.get(tag or "")
                if tag and digest and tag_digest.get(tag) != digest:
                    resolved = None
                if resolved not in by_digest:
                    raise image_not_found(digest, tag, repo["name"], repo["account"])
                chosen[resolved] = by_digest[resolved]
            rows = list(chosen.values())
        status = _tag_filter(params)
        if status == "TAGGED":
            rows = [row for row in rows if tags.get(row["digest"])]
        elif status == "UNTAGGED":
            rows = [row for row in rows if not tags.get(row["digest"])]
        chunk, token = page(rows, "DescribeImages", params, lambda row: row["digest"])
        out: dict[str, Any] = {
            "imageDetails": [
                records.describe_image(
                    row, repo["account"], repo["name"], tags.get(row["digest"], [])
                )
                for row in chunk
            ]
        }
        if token:
            out["nextToken"] = token
        return out

    async def list_images(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        repo = repository_for(self.store, ctx, params)
        tags = tags_by_digest(self.store, repo["id"])
        rows = await self.store.query(
            "SELECT digest FROM ecr_images WHERE repository_id = ? ORDER BY digest", (repo["id"],)
        )
        status = _tag_filter(params)
        ids: list[dict[str, str]] = []
        for row in rows:
            digest = row["digest"]
            names = tags.get(digest, [])
            if names and status != "UNTAGGED":
                ids.extend({"imageDigest": digest, "imageTag": name} for name in names)
            elif not names and status != "TAGGED":
                ids.append({"imageDigest": digest})
        chunk, token = page(
            ids, "ListImages", params, lambda i: [i["imageDigest"], i.get("imageTag", "")], 1000
        )
        out: dict[str, Any] = {"imageIds": chunk}
        if token:
            out["nextToken"] = token
        return out

    async def batch_get_image(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        repo = repository_for(self.store, ctx, params)
        accepted = params.get("acceptedMediaTypes")
        images: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        for image_id in params["imageIds"]:
            digest = image_id.get("imageDigest")
            tag = image_id.get("imageTag")
            if not digest and not tag:
                failures.append(
                    {
                        "imageId": image_id,
                        "failureCode": "MissingDigestAndTag",
                        "failureReason": "Invalid request parameters: both tag and digest "
                        "cannot be null",
                    }
                )
                continue
            if tag:
                row = self.store.read_one(
                    "SELECT i.* FROM ecr_image_tags t JOIN ecr_images i ON "
                    "i.repository_id = t.repository_id AND i.digest = t.digest "
                    "WHERE t.repository_id = ? AND t.tag = ?",
                    (repo["id"], tag),
                )
                if row is not None and digest and row["digest"] != digest:
                    row = None
            else:
                row = self.store.read_one(
                    "SELECT * FROM ecr_images WHERE repository_id = ? AND digest = ?",
                    (repo["id"], digest),
                )
            if row is None:
                code, reason = IMAGE_NOT_FOUND
                failures.append({"imageId": image_id, "failureCode": code, "failureReason": reason})
                continue
            if accepted and row["media_type"] not in accepted:
                failures.append(
                    {
                        "imageId": image_id,
                        "failureCode": "UnsupportedImageType",  # unconfirmed
                        "failureReason": "The image manifest is not of an accepted media type",
                    }
                )
                continue
            found_id = {"imageDigest": row["digest"], **({"imageTag": tag} if tag else {})}
            images.append(
                {
                    "registryId": repo["account"],
                    "repositoryName": repo["name"],
                    "imageId": found_id,
                    "imageManifest": bytes(row["manifest"]).decode(),
                    "imageManifestMediaType": row["media_type"],
                }
            )
        return {"images": images, "failures": failures}

    async def batch_delete_image(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        repo = repository_for(self.store, ctx, params)
        ids, failures = await self.delete_images(
            repo["account"], repo["region"], repo["name"], params["imageIds"], via="api"
        )
        return {"imageIds": ids, "failures": failures}

    async def put_image(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        repo = repository_for(self.store, ctx, params)
        body = params["imageManifest"].encode()
        media_type = params.get("imageManifestMediaType")
        if media_type and media_type not in MEDIA_TYPES:
            raise InvalidParameter(
                f"Invalid parameter at 'imageManifestMediaType': unsupported {media_type}"
            )
        tag = params.get("imageTag")
        try:
            manifest = await self.push_image(
                repo["account"],
                repo["region"],
                repo["name"],
                body,
                media_type,
                tag=tag,
                digest=params.get("imageDigest"),
                via="api",
                reject_unchanged=True,
            )
        except RegistryError as error:
            raise api_error(error) from error
        image_id = {"imageDigest": manifest.digest, **({"imageTag": tag} if tag else {})}
        return {
            "image": {
                "registryId": repo["account"],
                "repositoryName": repo["name"],
                "imageId": image_id,
                "imageManifest": params["imageManifest"],
                "imageManifestMediaType": manifest.media_type,
            }
        }
