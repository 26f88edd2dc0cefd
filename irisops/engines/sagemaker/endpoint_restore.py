"""Bringing endpoints back after the server was killed: InService ones re-attach to
their containers that still run (found by label; an instance of a multi-container
model only when all of its containers do) and start new instances for the rest;
Creating ones are deployed again; Updating ones get their old fleet back and the update
is run again; Deleting ones finish deleting.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from irisops.engines.sagemaker.endpoint_deploy import (
    DEPLOY_FAILURES,
    deployment_dir,
    prepare_variant,
    start_instances,
    variant_parts,
)
from irisops.engines.sagemaker.endpoint_instances import (
    CONTAINER_LABEL,
    DEPLOYMENT_LABEL,
    INSTANCE_LABEL,
    PORT,
    PORT_LABEL,
    VARIANT_LABEL,
    Instance,
    follow_log,
    published_port,
    remove_container,
    wait_healthy,
)
from irisops.services.sagemaker import endpoint_records as records
from irisops.services.sagemaker.endpoint_records import EndpointRecord

if TYPE_CHECKING:
    from irisops.engines.sagemaker.endpoints import EndpointSupervisor

ATTACH_PING_S = 5.0


async def reconcile(sup: EndpointSupervisor, rec: EndpointRecord) -> None:
    if rec.status == records.DELETING:
        await sup._delete(rec.arn, None)
    elif rec.status == records.CREATING:
        await sup.runtime.docker.remove_owned(rec.arn)
        await sup._create(rec.arn)
    elif rec.status == records.FAILED:
        await sup.runtime.docker.remove_owned(rec.arn)
    elif rec.deployment is not None:
        served = await restore(sup, rec, rec.deployment)
        if not served:
            return
        if rec.status == records.UPDATING and rec.pending is not None:
            await sup._update(rec.arn)
        elif rec.status == records.UPDATING:
            await sup._change_capacity(rec.arn)


async def attach(
    sup: EndpointSupervisor, rec: EndpointRecord, container: Any, deployment: dict[str, Any]
) -> Instance | None:
    """An Instance for a still-running container of ours, None if it does not serve."""
    try:
        info = await container.show()
    except Exception:
        return None
    labels = (info.get("Config") or {}).get("Labels") or {}
    port = published_port(info, labels.get(PORT_LABEL) or PORT)
    if not (info.get("State") or {}).get("Running") or port is None:
        return None
    instance_id = labels.get(INSTANCE_LABEL, "")
    hostname = labels.get(CONTAINER_LABEL) or None
    folder = f"model-{hostname}" if hostname else "model"
    model_dir = deployment_dir(sup.runtime, rec, deployment) / instance_id / folder
    instance = Instance(
        labels.get(VARIANT_LABEL, ""),
        instance_id,
        container,
        port,
        model_dir if model_dir.exists() else None,
        hostname=hostname,
    )
    try:
        await wait_healthy(instance, sup.http, ATTACH_PING_S)
    except DEPLOY_FAILURES:
        return None
    follow_log(
        instance,
        sup.runtime.services.get("logs"),
        rec.account,
        rec.region,
        rec.name,
        since=sup.since_now(),
    )
    return instance


async def attach_instance(
    sup: EndpointSupervisor, rec: EndpointRecord, containers: list[Any], deployment: dict[str, Any]
) -> Instance | None:
    """An instance whose every container still serves (the model's first one, the
    others its siblings in the model's order), None if any does not."""
    parts = await asyncio.gather(*(attach(sup, rec, c, deployment) for c in containers))
    found = [part for part in parts if part is not None]
    variants = {v["VariantName"]: v for v in deployment["variants"]}
    variant = variants.get(found[0].variant) if found else None
    by_name = {part.hostname: part for part in found}
    names = [c.get("ContainerHostname") for c in variant_parts(variant)] if variant else []
    whole = len(parts) == len(found) == len(names) and set(by_name) == set(names)
    if variant is None or not whole:
        for part in found:
            await part.close()
        return None
    head, *rest = (by_name[name] for name in names)
    head.siblings = rest
    mode = variant.get("Mode") if variant.get("Containers") else None
    for part in head.parts:
        part.mode = mode
    return head


async def restore(sup: EndpointSupervisor, rec: EndpointRecord, deployment: dict[str, Any]) -> bool:
    """Serve ``deployment`` again; False (and the endpoint Failed) when it cannot."""
    found = await sup.runtime.docker.owned_containers(rec.arn)
    keep, drop = [], []
    for container in found:
        labels = container["Labels"] or {}
        (keep if labels.get(DEPLOYMENT_LABEL) == deployment["id"] else drop).append(container)
    await asyncio.gather(*(remove_container(c) for c in drop))
    groups: dict[str, list[Any]] = {}
    for container in keep:
        groups.setdefault((container["Labels"] or {}).get(INSTANCE_LABEL, ""), []).append(container)
    attached = [
        i
        for i in await asyncio.gather(
            *(attach_instance(sup, rec, group, deployment) for group in groups.values())
        )
        if i is not None
    ]
    attached_ids = {part.container.id for i in attached for part in i.parts}
    await asyncio.gather(*(remove_container(c) for c in keep if c.id not in attached_ids))
    instances = list(attached)
    try:
        for variant in deployment["variants"]:
            have = [i for i in attached if i.variant == variant["VariantName"]]
            want = int(variant.get("CurrentInstanceCount") or variant["DesiredInstanceCount"])
            if want > len(have):
                prepared = await prepare_variant(sup.runtime, rec, deployment, variant)
                instances += await start_instances(
                    sup.runtime, sup.http, rec, deployment, variant, prepared, want - len(have)
                )
    except DEPLOY_FAILURES as exc:
        for instance in instances:
            for part in instance.parts:
                await remove_container(part.container)
                await part.close()
        await sup.record(
            rec.arn,
            status=records.FAILED,
            failure_reason=f"The endpoint could not be restored: {exc}",
        )
        return False
    sup.adopt(rec.arn, deployment, instances)
    return True
