"""Getting one variant's instances running: the images on the engine, the model data
fetched once per deployment and extracted per instance, containers started and pinged
(one per model container: an instance of a multi-container model runs them all).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from irisops.engines.images import ImageUnavailable, ensure_local_image
from irisops.engines.sagemaker.endpoint_instances import (
    CONTAINER_LABEL,
    DEPLOYMENT_LABEL,
    INSTANCE_LABEL,
    PORT_LABEL,
    VARIANT_LABEL,
    Instance,
    InstanceFailed,
    container_config,
    discard,
    follow_log,
    new_instance_id,
    start_container,
    wait_healthy,
)
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
from irisops.services.sagemaker.endpoint_records import EndpointRecord

#: Failures that end a deployment with a FailureReason (anything else is a bug).
DEPLOY_FAILURES = (InstanceFailed, ImageUnavailable, ModelDataUnavailable, UnsafeModelData)
DEFAULT_HEALTH_TIMEOUT_S = 240.0


@dataclass
class PreparedContainer:
    """One model container of a variant, ready to start."""

    #: ContainerHostname in a multi-container model; None for one container.
    hostname: str | None
    image: str
    archive: Path | None
    model_data_url: str | None
    environment: dict[str, str]
    #: The container port to publish on 127.0.0.1 (``"8080/tcp"``).
    port: str


@dataclass
class PreparedVariant:
    containers: list[PreparedContainer]
    #: ``Serial`` or ``Direct`` for a multi-container model, None for one container.
    mode: str | None
    deployed_images: list[dict[str, Any]]


def variant_parts(variant: dict[str, Any]) -> list[dict[str, Any]]:
    """A deployment variant's model containers (a variant recorded before
    multi-container models, or of a one-container model, has only its primary)."""
    if variant.get("Containers"):
        return list(variant["Containers"])
    return [
        {
            "ContainerHostname": None,
            "Image": variant["Image"],
            "Environment": variant.get("Environment") or {},
            "ModelDataUrl": variant.get("ModelDataUrl"),
        }
    ]


def endpoint_dir(runtime: Any, rec: EndpointRecord) -> Path:
    return runtime.blob_dir("sagemaker", "endpoints", rec.account, rec.region, rec.name)


def deployment_dir(runtime: Any, rec: EndpointRecord, deployment: dict[str, Any]) -> Path:
    return runtime.blob_dir(
        "sagemaker", "endpoints", rec.account, rec.region, rec.name, deployment["id"]
    )


def resolved_image(image: str, info: dict[str, Any]) -> str:
    """``repo@sha256:...`` as DeployedImages shows it (the image id for a local build)."""
    if not info:
        return image
    digests = info.get("RepoDigests") or []
    if digests:
        return str(digests[0])
    repo = image.split("@", 1)[0]
    if ":" in repo.rsplit("/", 1)[-1]:
        repo = repo.rsplit(":", 1)[0]
    return f"{repo}@{info.get('Id', '')}"


async def prepare_variant(
    runtime: Any, rec: EndpointRecord, deployment: dict[str, Any], variant: dict[str, Any]
) -> PreparedVariant:
    """Every model container's image on the engine and its model data fetched."""
    name = variant["VariantName"]
    parts = variant_parts(variant)
    mode = variant.get("Mode") if variant.get("Containers") else None
    prepared: list[PreparedContainer] = []
    deployed: list[dict[str, Any]] = []
    for position, part in enumerate(parts):
        specified = part["Image"]
        try:
            image = await ensure_local_image(runtime, specified)
        except ImageUnavailable as exc:
            raise ImageUnavailable(
                f"Failed to resolve the image {specified} of production variant {name}: {exc}"
            ) from exc
        info = await image_info(runtime, image)
        deployed.append(
            {
                "SpecifiedImage": specified,
                "ResolvedImage": resolved_image(image, info),
                "ResolutionTime": datetime.now(UTC).isoformat(),
            }
        )
        hostname = part.get("ContainerHostname")
        port, bind_env = serving_port(position if mode else None, accepts_bind_to_port(info))
        archive = None
        if part.get("ModelDataUrl"):
            suffix = f"-{hostname}" if hostname else ""
            archive = deployment_dir(runtime, rec, deployment) / f"{name}{suffix}.tar.gz"
            if not archive.exists():
                partial = archive.with_name(archive.name + ".part")
                await fetch_model_data(
                    runtime.services, rec.account, rec.region, part["ModelDataUrl"], partial
                )
                partial.rename(archive)
        prepared.append(
            PreparedContainer(
                hostname=hostname,
                image=image,
                archive=archive,
                model_data_url=part.get("ModelDataUrl"),
                environment={**(part.get("Environment") or {}), **bind_env},
                port=port,
            )
        )
    return PreparedVariant(containers=prepared, mode=mode, deployed_images=deployed)


async def start_part(
    runtime: Any,
    rec: EndpointRecord,
    deployment: dict[str, Any],
    variant: dict[str, Any],
    instance_id: str,
    part: PreparedContainer,
) -> Instance:
    """One container of an instance, started (its model data extracted first)."""
    model_dir = None
    if part.archive is not None:
        folder = f"model-{part.hostname}" if part.hostname else "model"
        model_dir = deployment_dir(runtime, rec, deployment) / instance_id / folder
        try:
            await extract_model_data(part.archive, model_dir)
        except UnsafeModelData as exc:
            raise UnsafeModelData(
                f"Failed to extract model data archive from URL {part.model_data_url}: {exc}"
            ) from exc
    extra = {CONTAINER_LABEL: part.hostname, PORT_LABEL: part.port} if part.hostname else {}
    labels = runtime.docker.labels(
        rec.arn,
        **{
            VARIANT_LABEL: variant["VariantName"],
            INSTANCE_LABEL: instance_id,
            DEPLOYMENT_LABEL: deployment["id"],
            **extra,
        },
    )
    config = container_config(part.image, part.environment, model_dir, labels, part.port)
    name = f"irisops-endpoint-{rec.name[:40]}-{instance_id}"
    if part.hostname:
        name += f"-{part.hostname}"
    container, port = await start_container(runtime.docker, name, config, part.port)
    return Instance(
        variant["VariantName"], instance_id, container, port, model_dir, hostname=part.hostname
    )


async def start_instances(
    runtime: Any,
    http: aiohttp.ClientSession,
    rec: EndpointRecord,
    deployment: dict[str, Any],
    variant: dict[str, Any],
    prepared: PreparedVariant,
    count: int,
) -> list[Instance]:
    """Start ``count`` instances of ``variant`` and wait until each answers /ping; on any
    failure every one of them is removed and the failure raised."""
    started: list[Instance] = []

    async def one() -> None:
        instance_id = new_instance_id()
        head: Instance | None = None
        for part in prepared.containers:
            instance = await start_part(runtime, rec, deployment, variant, instance_id, part)
            instance.mode = prepared.mode
            if head is None:
                head = instance
                started.append(head)
            else:
                head.siblings.append(instance)
            follow_log(instance, runtime.services.get("logs"), rec.account, rec.region, rec.name)
        assert head is not None
        timeout = float(variant.get("HealthTimeout") or DEFAULT_HEALTH_TIMEOUT_S)
        until = asyncio.get_running_loop().time() + timeout
        for part in head.parts:  # they boot together, within one deadline
            await wait_healthy(part, http, timeout, until)
        for part in head.parts:
            if part.sink is not None:
                # As on SageMaker: once InService, the instance's log streams exist and
                # hold what the containers printed while starting.
                await part.sink.flush(create=True)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(count):
                group.create_task(one())
    except BaseException as exc:
        for instance in started:
            with contextlib.suppress(Exception):
                await discard(instance)
        if isinstance(exc, BaseExceptionGroup):
            raise exc.exceptions[0] from None
        raise
    return started
