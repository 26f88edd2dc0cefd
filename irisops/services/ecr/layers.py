"""Layer operations of the API: BatchCheckLayerAvailability and the layer upload
(InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload), on the same blob store and
uploads as the ``/v2/`` registry.

Texts marked *unconfirmed* are our best reading of ECR.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.engines.registry.blobs import BlobStore, Upload
from irisops.engines.registry.digests import is_digest
from irisops.engines.registry.errors import RegistryError
from irisops.services.base import Service
from irisops.services.ecr.lookups import repository_for

#: What ECR answers as ``partSize`` (10 MiB).
PART_SIZE = 10 * 1024 * 1024
LAYER_MEDIA_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"


class UploadNotFound(AwsError):
    code = "UploadNotFoundException"


class InvalidLayerPart(AwsError):
    code = "InvalidLayerPartException"


class InvalidLayer(AwsError):
    code = "InvalidLayerException"


class LayerAlreadyExists(AwsError):
    code = "LayerAlreadyExistsException"


class EmptyUpload(AwsError):
    code = "EmptyUploadException"


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


class LayerOperations(Service):
    blobs: BlobStore

    def _upload(self, ctx: RequestContext, params: dict[str, Any]) -> Upload:
        repo = repository_for(self.store, ctx, params)
        owner = (repo["account"], repo["region"], repo["name"])
        try:
            return self.blobs.upload(params["uploadId"], owner)
        except RegistryError as exc:
            raise UploadNotFound(  # unconfirmed text
                f"The upload with id '{params['uploadId']}' does not exist in the repository "
                f"with name '{repo['name']}' in the registry with id '{repo['account']}'"
            ) from exc

    async def batch_check_layer_availability(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        repository_for(self.store, ctx, params)
        digests = params["layerDigests"]
        valid = [d for d in digests if is_digest(d)]
        sizes = await self.blobs.sizes(valid)
        layers: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        for digest in digests:
            if digest not in sizes:
                failures.append(
                    {
                        "layerDigest": digest,
                        "failureCode": "InvalidLayerDigest",
                        "failureReason": "Invalid layer digest",  # unconfirmed
                    }
                )
            elif sizes[digest] is None:
                failures.append(
                    {
                        "layerDigest": digest,
                        "failureCode": "MissingLayerDigest",
                        "failureReason": "Could not find layer",  # unconfirmed
                    }
                )
            else:
                layers.append(
                    {
                        "layerDigest": digest,
                        "layerAvailability": "AVAILABLE",
                        "layerSize": sizes[digest],
                        "mediaType": LAYER_MEDIA_TYPE,
                    }
                )
        return {"layers": layers, "failures": failures}

    async def initiate_layer_upload(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        repo = repository_for(self.store, ctx, params)
        upload = self.blobs.start_upload((repo["account"], repo["region"], repo["name"]))
        return {"uploadId": upload.id, "partSize": PART_SIZE}

    async def upload_layer_part(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        upload = self._upload(ctx, params)
        data: bytes = params["layerPartBlob"]
        first, last = params["partFirstByte"], params["partLastByte"]
        async with upload.lock:
            if first != upload.size or last - first + 1 != len(data):
                raise InvalidLayerPart(  # unconfirmed text
                    f"The layer part from byte {first} to {last} does not continue the upload "
                    f"at byte {upload.size} with its {len(data)} bytes",
                    uploadId=upload.id,
                    lastValidByteReceived=upload.size - 1,
                )
            await self.blobs.append(upload, _one(data))
        return {
            "registryId": upload.owner[0],
            "repositoryName": upload.owner[2],
            "uploadId": upload.id,
            "lastByteReceived": upload.size - 1,
        }

    async def complete_layer_upload(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        upload = self._upload(ctx, params)
        digests = params["layerDigests"]
        async with upload.lock:
            if upload.size == 0:
                raise EmptyUpload(f"The upload with id '{upload.id}' has no layer parts")
            actual = "sha256:" + upload.hasher.hexdigest()
            if actual not in digests:
                await self.blobs.cancel(upload)
                raise InvalidLayer(  # unconfirmed text
                    f"The calculated digest {actual} does not match the layer digests given"
                )
            if await self.blobs.stat(actual) is not None:
                await self.blobs.cancel(upload)
                raise LayerAlreadyExists(  # unconfirmed text
                    f"The upload layer for layer digest {actual} already exists"
                )
            await self.blobs.complete(upload, actual)
        return {
            "registryId": upload.owner[0],
            "repositoryName": upload.owner[2],
            "uploadId": upload.id,
            "layerDigest": actual,
        }
