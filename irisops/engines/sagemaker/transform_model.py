"""What a batch transform job runs: its model's containers (one, or a Serial inference
pipeline), each image on the engine, each container's model data extracted, its
environment and the port it listens on (``SAGEMAKER_BIND_TO_PORT`` where its image
accepts it), and the instances' ids.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from irisops.core.context import RequestContext
from irisops.engines.images import ImageUnavailable, ensure_local_image
from irisops.engines.sagemaker.endpoint_http import InstanceClient
from irisops.engines.sagemaker.model_data import (
    ModelDataUnavailable,
    UnsafeModelData,
    extract_model_data,
    fetch_model_data,
)
from irisops.engines.sagemaker.serving_ports import (
    accepts_bind_to_port,
    image_info,
    serving_port,
)
from irisops.services.sagemaker.models import DIRECT, model_pipeline, model_row
from irisops.services.sagemaker.resources import resource_arn


class TransformFailed(Exception):
    """The job fails with this message as its FailureReason."""


@dataclass
class TransformPart:
    """One model container, ready to run on every instance of the job."""

    #: ContainerHostname in a multi-container model; None for one container.
    hostname: str | None
    image: str
    model_dir: Path
    environment: dict[str, str]
    #: The container port published on 127.0.0.1 (``"8080/tcp"``).
    port: str


@dataclass
class TransformInstance:
    """One instance of the job: a running container per model container, in order."""

    instance_id: str
    #: (ContainerHostname or "primary", the container's connection pool)
    chain: list[tuple[str, InstanceClient]] = field(default_factory=list)
    #: The S3 objects (staged files) this instance transforms.
    files: list[Path] = field(default_factory=list)

    def close(self) -> None:
        for _, client in self.chain:
            client.close()


def instance_id(arn: str, index: int) -> str:
    """Instance ``index`` (0-based) of a job: stable for the job's life."""
    seed = arn if index == 0 else f"{arn}/{index}"
    return "i-" + hashlib.sha1(seed.encode()).hexdigest()[:17]


def model_of(runtime: Any, account: str, region: str, name: str) -> list[dict[str, Any]]:
    """The model's containers (a Serial pipeline's in order), each with its
    ContainerHostname when there are several; TransformFailed when it cannot run."""
    ctx = RequestContext(service="sagemaker", operation="Transform", account=account, region=region)
    row = model_row(runtime.store, ctx, name)
    if row is None:
        raise TransformFailed(
            f'ClientError: Could not find model "{resource_arn(ctx, "model", name)}".'
        )
    containers, mode = model_pipeline(json.loads(row["doc"]))
    if not containers:
        raise TransformFailed(f"ClientError: model {name} has no container")
    if mode == DIRECT:
        raise TransformFailed(  # unconfirmed text
            f"ClientError: model {name} uses direct invocation, which batch transform "
            "does not support"
        )
    if mode is None:
        return [{**containers[0], "ContainerHostname": None}]
    return containers


async def prepare_parts(
    job: Any, containers: list[dict[str, Any]], job_env: dict[str, str]
) -> list[TransformPart]:
    """Every container's image on the engine and model data under the job's dir."""
    pipeline = len(containers) > 1 or containers[0].get("ContainerHostname") is not None
    parts = []
    for position, container in enumerate(containers):
        hostname = container.get("ContainerHostname")
        try:
            image = await ensure_local_image(job.runtime, container["Image"])
        except ImageUnavailable as exc:
            raise TransformFailed(f"ClientError: {exc}") from exc
        model_dir = job.job_dir / (f"model-{hostname}" if hostname else "model")
        await asyncio.to_thread(shutil.rmtree, model_dir, True)
        await asyncio.to_thread(model_dir.mkdir, parents=True, exist_ok=True)
        url = container.get("ModelDataUrl")
        if url:
            archive = job.job_dir / f"{model_dir.name}.tar.gz"
            try:
                await fetch_model_data(job.runtime.services, job.account, job.region, url, archive)
                await extract_model_data(archive, model_dir)
            except (ModelDataUnavailable, UnsafeModelData) as exc:
                raise TransformFailed(f"ClientError: {exc}") from exc
            finally:
                archive.unlink(missing_ok=True)
        info = await image_info(job.runtime, image)
        port, bind_env = serving_port(position if pipeline else None, accepts_bind_to_port(info))
        env = {**(container.get("Environment") or {}), **job_env, **bind_env}
        parts.append(TransformPart(hostname, image, model_dir, env, port))
    return parts
