"""Which port a serving container listens on.

One container listens on 8080. In a multi-container model SageMaker runs every container
on the same host, so it tells each one its port in ``SAGEMAKER_BIND_TO_PORT`` and a range
for any further ports in ``SAGEMAKER_SAFE_PORT_RANGE`` ("XXXX-YYYY", inclusive), when the
image says it accepts them with the label
``com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true``
(SM:inference-pipeline-real-time). An image without the label keeps 8080: each of our
containers has a network of its own, so their 8080s do not collide.
"""

from __future__ import annotations

import asyncio
from typing import Any

ACCEPT_BIND_TO_PORT = "com.amazonaws.sagemaker.capabilities.accept-bind-to-port"
DEFAULT_PORT = 8080
# unconfirmed: which ports SageMaker hands out is not documented; these are ours.
#: Container ``n`` (0-based) of a pipeline binds ``FIRST_BIND_PORT + n``.
FIRST_BIND_PORT = 8080
#: ... and may use ``SAFE_RANGE_START + n * SAFE_RANGE_SIZE`` and the ports after it.
SAFE_RANGE_START = 9000
SAFE_RANGE_SIZE = 100
DOCKER_TIMEOUT_S = 60


async def image_info(runtime: Any, image: str) -> dict[str, Any]:
    """The engine's description of a local image ({} when it does not answer)."""
    try:
        info: dict[str, Any] = await asyncio.wait_for(
            runtime.docker.client.images.inspect(image), DOCKER_TIMEOUT_S
        )
    except Exception:
        return {}
    return info


def accepts_bind_to_port(info: dict[str, Any]) -> bool:
    labels = (info.get("Config") or {}).get("Labels") or {}
    return str(labels.get(ACCEPT_BIND_TO_PORT, "")).lower() == "true"


def serving_port(position: int | None, accepts: bool) -> tuple[str, dict[str, str]]:
    """The container port to publish (``"8080/tcp"``) and the variables telling the
    container which it is; ``position`` is the container's place in a multi-container
    model (None for a model of one container)."""
    if position is None or not accepts:
        return f"{DEFAULT_PORT}/tcp", {}
    port = FIRST_BIND_PORT + position
    low = SAFE_RANGE_START + position * SAFE_RANGE_SIZE
    env = {
        "SAGEMAKER_BIND_TO_PORT": str(port),
        "SAGEMAKER_SAFE_PORT_RANGE": f"{low}-{low + SAFE_RANGE_SIZE - 1}",
    }
    return f"{port}/tcp", env
