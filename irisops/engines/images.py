"""Getting the image a SageMaker resource names onto the local Docker engine.

A reference is one of:

* ``localhost:PORT/NAME[:TAG|@sha256:...]`` -- our own registry (also ``127.0.0.1``);
* ``ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME[:TAG|@sha256:...]`` -- what AWS users
  write; it names the same repository of that account and region in our registry;
* anything else -- an image the local engine already has (``python:3.12-slim``).

Registry images are pulled through aiodocker from ``localhost:PORT`` with a token the
ECR service issues itself; by-digest references already present are not pulled again.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiodocker.exceptions import DockerError

if TYPE_CHECKING:
    from irisops.core.runtime import Runtime

ECR_HOST = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com$")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
PULL_TIMEOUT_S = 600.0
INSPECT_TIMEOUT_S = 30.0


class ImageUnavailable(Exception):
    """The reference names no image the engine has or our registry can give it."""


@dataclass(frozen=True)
class RegistryReference:
    account: str | None
    region: str | None
    name: str
    tag: str | None
    digest: str | None


def parse_reference(reference: str, port: int) -> RegistryReference | None:
    """The registry image a reference names, None for a plain local image name."""
    host, slash, rest = reference.partition("/")
    if not slash:
        return None
    ecr = ECR_HOST.match(host)
    local_host, _, local_port = host.partition(":")
    if ecr is None and not (local_host in LOCAL_HOSTS and local_port == str(port)):
        return None
    name, at, digest = rest.partition("@")
    tag = None
    if not at:
        base, colon, maybe_tag = name.rpartition(":")
        if colon and "/" not in maybe_tag:
            name, tag = base, maybe_tag
        tag = tag or "latest"
    return RegistryReference(
        account=ecr.group("account") if ecr else None,
        region=ecr.group("region") if ecr else None,
        name=name,
        tag=tag,
        digest=digest or None,
    )


async def _has_image(runtime: Runtime, reference: str) -> bool:
    assert runtime.docker is not None
    try:
        await asyncio.wait_for(runtime.docker.client.images.inspect(reference), INSPECT_TIMEOUT_S)
    except DockerError as exc:
        if exc.status == 404:
            return False
        raise
    return True


async def _pull(runtime: Runtime, reference: str, auth: dict[str, Any]) -> None:
    assert runtime.docker is not None
    stream = runtime.docker.client.images.pull(
        reference, auth=auth, stream=True, timeout=PULL_TIMEOUT_S
    )
    try:
        async for item in stream:
            if isinstance(item, dict) and item.get("error"):
                detail = item.get("errorDetail") or {}
                raise ImageUnavailable(
                    f"pulling {reference} failed: {detail.get('message') or item['error']}"
                )
    except DockerError as exc:
        raise ImageUnavailable(f"pulling {reference} failed: {exc.message}") from exc


async def ensure_local_image(runtime: Runtime, reference: str) -> str:
    """Make ``reference`` available to the local engine; returns the reference to run it
    by. Raises :class:`ImageUnavailable` when there is no such image."""
    if runtime.docker is None:
        raise ImageUnavailable("no Docker engine is configured")
    parsed = parse_reference(reference, runtime.config.port)
    if parsed is None:
        if await _has_image(runtime, reference):
            return reference
        raise ImageUnavailable(f"image {reference} is not present on the Docker engine")
    ecr = runtime.services.get("ecr")
    if ecr is None:
        raise ImageUnavailable(f"{reference} names an ECR image but ECR is not running")
    located = ecr.locate_repository(parsed.name, parsed.account, parsed.region)
    if located is None:
        raise ImageUnavailable(f"repository {parsed.name} does not exist in the registry")
    account, region = located
    host = f"{runtime.config.public_host}:{runtime.config.port}"
    local = f"{host}/{parsed.name}" + (f"@{parsed.digest}" if parsed.digest else f":{parsed.tag}")
    if parsed.digest and await _has_image(runtime, local):
        return local
    await _pull(runtime, local, ecr.registry_auth(account, region))
    return local
