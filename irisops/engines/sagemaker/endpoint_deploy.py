"""Getting one variant's instances running: the image on the engine, the model data
fetched once per deployment and extracted per instance, containers started and pinged.
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
    DEPLOYMENT_LABEL,
    INSTANCE_LABEL,
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
from irisops.services.sagemaker.endpoint_records import EndpointRecord

#: Failures that end a deployment with a FailureReason (anything else is a bug).
DEPLOY_FAILURES = (InstanceFailed, ImageUnavailable, ModelDataUnavailable, UnsafeModelData)
DEFAULT_HEALTH_TIMEOUT_S = 240.0


@dataclass
class PreparedVariant:
    image: str
    archive: Path | None
    deployed_images: list[dict[str, Any]]


def endpoint_dir(runtime: Any, rec: EndpointRecord) -> Path:
    return runtime.blob_dir("sagemaker", "endpoints", rec.account, rec.region, rec.name)


def deployment_dir(runtime: Any, rec: EndpointRecord, deployment: dict[str, Any]) -> Path:
    return runtime.blob_dir(
        "sagemaker", "endpoints", rec.account, rec.region, rec.name, deployment["id"]
    )


async def resolved_image(runtime: Any, image: str) -> str:
    """``repo@sha256:...`` as DeployedImages shows it (the image id for a local build)."""
    try:
        info = await runtime.docker.client.images.inspect(image)
    except Exception:
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
    specified = variant["Image"]
    try:
        image = await ensure_local_image(runtime, specified)
    except ImageUnavailable as exc:
        raise ImageUnavailable(
            f"Failed to resolve the image {specified} of production variant "
            f"{variant['VariantName']}: {exc}"
        ) from exc
    deployed = [
        {
            "SpecifiedImage": specified,
            "ResolvedImage": await resolved_image(runtime, image),
            "ResolutionTime": datetime.now(UTC).isoformat(),
        }
    ]
    archive = None
    if variant.get("ModelDataUrl"):
        archive = deployment_dir(runtime, rec, deployment) / f"{variant['VariantName']}.tar.gz"
        if not archive.exists():
            partial = archive.with_name(archive.name + ".part")
            await fetch_model_data(
                runtime.services, rec.account, rec.region, variant["ModelDataUrl"], partial
            )
            partial.rename(archive)
    return PreparedVariant(image=image, archive=archive, deployed_images=deployed)


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
        model_dir = None
        if prepared.archive is not None:
            model_dir = deployment_dir(runtime, rec, deployment) / instance_id / "model"
            try:
                await extract_model_data(prepared.archive, model_dir)
            except UnsafeModelData as exc:
                raise UnsafeModelData(
                    f"Failed to extract model data archive from URL "
                    f"{variant['ModelDataUrl']}: {exc}"
                ) from exc
        labels = runtime.docker.labels(
            rec.arn,
            **{
                VARIANT_LABEL: variant["VariantName"],
                INSTANCE_LABEL: instance_id,
                DEPLOYMENT_LABEL: deployment["id"],
            },
        )
        config = container_config(
            prepared.image, variant.get("Environment") or {}, model_dir, labels
        )
        name = f"irisops-endpoint-{rec.name[:40]}-{instance_id}"
        container, port = await start_container(runtime.docker, name, config)
        instance = Instance(variant["VariantName"], instance_id, container, port, model_dir)
        started.append(instance)
        follow_log(instance, runtime.services.get("logs"), rec.account, rec.region, rec.name)
        await wait_healthy(
            instance, http, float(variant.get("HealthTimeout") or DEFAULT_HEALTH_TIMEOUT_S)
        )
        if instance.sink is not None:
            # As on SageMaker: once InService, the instance's log stream exists and holds
            # what the container printed while starting.
            await instance.sink.flush(create=True)

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
