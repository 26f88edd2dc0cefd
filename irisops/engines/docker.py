"""The Docker engine, reached through aiodocker (``DOCKER_HOST`` honoured)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiodocker

log = logging.getLogger("irisops.docker")


class DockerEngine:
    """One aiodocker client for the server's lifetime, opened on first use."""

    def __init__(self) -> None:
        self._client: aiodocker.Docker | None = None

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

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
