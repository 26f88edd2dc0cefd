"""The Docker engine, reached through aiodocker (``DOCKER_HOST`` honoured).

Every container irisops starts carries :data:`OWNER_LABEL` (the server's data dir, so
several servers can share one engine) and :data:`RESOURCE_LABEL` (the ARN of the job,
endpoint or build it belongs to): reset and shutdown remove exactly this server's
containers, and a restarted server finds the ones that are still there.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiodocker
from aiodocker.containers import DockerContainer

log = logging.getLogger("irisops.docker")

OWNER_LABEL = "irisops.owner"
RESOURCE_LABEL = "irisops.resource"
REMOVE_TIMEOUT_S = 60


class DockerEngine:
    """One aiodocker client for the server's lifetime, opened on first use."""

    def __init__(self, owner: str = "") -> None:
        self._client: aiodocker.Docker | None = None
        #: What :data:`OWNER_LABEL` says on this server's containers.
        self.owner = owner

    @property
    def client(self) -> aiodocker.Docker:
        if self._client is None:
            self._client = aiodocker.Docker()
        return self._client

    async def status(self, wait_seconds: float = 2.0) -> dict[str, Any]:
        """``{"available": bool, "version": ..., "error": ...}`` without ever hanging."""
        try:
            version = await asyncio.wait_for(self.client.version(), wait_seconds)
        except Exception as exc:  # any failure means: no engine answers
            return {"available": False, "error": f"{type(exc).__name__}: {exc}"}
        return {
            "available": True,
            "version": version.get("Version"),
            "api_version": version.get("ApiVersion"),
        }

    def labels(self, resource_arn: str, **extra: str) -> dict[str, str]:
        """The labels of a container started for ``resource_arn``."""
        return {OWNER_LABEL: self.owner, RESOURCE_LABEL: resource_arn, **extra}

    async def owned_containers(self, resource_arn: str | None = None) -> list[DockerContainer]:
        """This server's containers (running or not), optionally only one resource's."""
        labels = [f"{OWNER_LABEL}={self.owner}"]
        if resource_arn is not None:
            labels.append(f"{RESOURCE_LABEL}={resource_arn}")
        return await self.client.containers.list(all=True, filters=json.dumps({"label": labels}))

    async def remove_owned(self, resource_arn: str | None = None) -> int:
        """Force-remove this server's containers (one resource's, or all); how many.

        Never raises: with no engine answering there is nothing of ours to remove.
        """
        if not self.owner:
            return 0
        try:
            found = await asyncio.wait_for(self.owned_containers(resource_arn), REMOVE_TIMEOUT_S)
        except Exception as exc:
            log.debug("listing owned containers failed: %r", exc)
            return 0
        removed = 0
        for container in found:
            try:
                await asyncio.wait_for(container.delete(force=True), REMOVE_TIMEOUT_S)
                removed += 1
            except Exception as exc:
                log.warning("removing container %s failed: %r", container.id[:12], exc)
        return removed

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
