"""Amazon ECR: repositories and images in SQLite, blobs in a content-addressed store,
and an OCI distribution registry on ``/v2/`` of the same port so that ``docker login``,
``docker push`` and ``docker pull`` work against ``localhost:PORT/NAME``.

The operations live in one mixin per area; this class adds the lifecycle and the
registry routes.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any, ClassVar

from aiohttp import web

from irisops.core.runtime import Runtime
from irisops.engines.registry.blobs import BlobStore
from irisops.engines.registry.protocol import RegistryProtocol
from irisops.services.ecr.auth import AuthOperations, TokenIssuer
from irisops.services.ecr.images import ImageOperations
from irisops.services.ecr.layers import LayerOperations
from irisops.services.ecr.lifecycle import LifecycleOperations
from irisops.services.ecr.registry_backend import RegistryBackendOperations
from irisops.services.ecr.repositories import RepositoryOperations
from irisops.services.ecr.schema import SCHEMA
from irisops.services.ecr.tags import TagOperations


class EcrService(
    RepositoryOperations,
    ImageOperations,
    LayerOperations,
    RegistryBackendOperations,
    AuthOperations,
    LifecycleOperations,
    TagOperations,
):
    name = "ecr"
    schema = SCHEMA
    #: ECR reports constraint failures (a bad repository name) as InvalidParameterException.
    validation_error_code: ClassVar[str] = "InvalidParameterException"

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        root = runtime.blob_dir("ecr")
        self.blobs = BlobStore(root, fsync=runtime.config.fsync)
        self.tokens = TokenIssuer(root / "auth-secret")

    def add_routes(self, app: web.Application) -> None:
        RegistryProtocol(self, self.blobs).add_routes(app)

    async def start(self) -> None:
        await asyncio.to_thread(self.blobs.sweep)
        await asyncio.to_thread(self.tokens.load)

    async def stop(self) -> None:
        self.blobs.close()

    async def reset(self) -> None:
        def wipe(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM ecr_image_tags")
            conn.execute("DELETE FROM ecr_images")
            conn.execute("DELETE FROM ecr_repositories")

        await self.store.write(wipe)
        await asyncio.to_thread(self.blobs.wipe)

    def snapshot(self) -> dict[str, Any]:
        rows = self.store.read(
            "SELECT r.account, r.region, r.name, "
            "(SELECT count(*) FROM ecr_images i WHERE i.repository_id = r.id) AS images "
            "FROM ecr_repositories r ORDER BY r.account, r.region, r.name"
        )
        return {
            "repositories": [
                {
                    "account": row["account"],
                    "region": row["region"],
                    "repositoryName": row["name"],
                    "images": row["images"],
                }
                for row in rows
            ]
        }
