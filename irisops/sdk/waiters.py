"""Waiting for a status, driven by the event stream (no polling; see
:func:`irisops.sdk.watch.watch`). :data:`KINDS` says, for each kind of resource
:meth:`Stack.wait_for` knows, which events move it, how to describe it, which statuses
are final and where its container's log is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from irisops.sdk.errors import IrisopsError, ResourceFailed, WaitTimeout, aws_error_code
from irisops.sdk.events import Event, EventFilter
from irisops.sdk.log_tail import build_log_tail, settled_log_tail
from irisops.sdk.watch import watch

if TYPE_CHECKING:
    from irisops.sdk.stack import Stack


@dataclass(frozen=True)
class Kind:
    """One kind of resource :meth:`Stack.wait_for` can wait on."""

    name: str
    service: str
    event_type: str
    status_key: str
    arn_type: str
    failed: frozenset[str]
    describe: Callable[[Any, str], dict[str, Any]]
    log_group: Callable[[str, dict[str, Any]], tuple[str, str]]

    def status(self, description: dict[str, Any]) -> str:
        return str(description.get(self.status_key, ""))

    def reason(self, description: dict[str, Any]) -> str:
        return str(description.get("FailureReason") or description.get("ExitMessage") or "")


def _job_kind(name: str, noun: str, group: str) -> Kind:
    def describe(sm: Any, job: str) -> dict[str, Any]:
        return dict(getattr(sm, f"describe_{noun.lower()}_job")(**{f"{noun}JobName": job}))

    return Kind(
        name=name,
        service="sagemaker",
        event_type=f"sagemaker.{noun}JobStateChanged",
        status_key=f"{noun}JobStatus",
        arn_type=name,
        failed=frozenset({"Failed", "Stopped"}),
        describe=describe,
        log_group=lambda job, _desc: (group, f"{job}/"),
    )


def _describe_endpoint(sm: Any, name: str) -> dict[str, Any]:
    return dict(sm.describe_endpoint(EndpointName=name))


def _describe_build(codebuild: Any, build_id: str) -> dict[str, Any]:
    builds = codebuild.batch_get_builds(ids=[build_id])["builds"]
    if not builds:
        raise LookupError(build_id)
    return dict(builds[0])


def _build_log(_build_id: str, build: dict[str, Any]) -> tuple[str, str]:
    logs = build.get("logs") or {}
    return str(logs.get("groupName", "")), str(logs.get("streamName", ""))


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        _job_kind("training-job", "Training", "/aws/sagemaker/TrainingJobs"),
        _job_kind("processing-job", "Processing", "/aws/sagemaker/ProcessingJobs"),
        _job_kind("transform-job", "Transform", "/aws/sagemaker/TransformJobs"),
        Kind(
            name="endpoint",
            service="sagemaker",
            event_type="sagemaker.Endpoint",
            status_key="EndpointStatus",
            arn_type="endpoint",
            failed=frozenset({"Failed"}),
            describe=_describe_endpoint,
            log_group=lambda name, _desc: (f"/aws/sagemaker/Endpoints/{name}", ""),
        ),
        Kind(
            name="build",
            service="codebuild",
            event_type="codebuild.BuildStateChanged",
            status_key="buildStatus",
            arn_type="build",
            failed=frozenset({"FAILED", "FAULT", "STOPPED", "TIMED_OUT"}),
            describe=_describe_build,
            log_group=_build_log,
        ),
    )
}
#: The order in which a bare name is looked up.
NAME_LOOKUP = ("endpoint", "training-job", "processing-job", "transform-job")


def is_missing(exc: Exception) -> bool:
    code = aws_error_code(exc)
    return isinstance(exc, LookupError) or code in (
        "ValidationException",
        "ResourceNotFound",
        "ResourceNotFoundException",
    )


async def describe(stack: Stack, kind: Kind, name: str) -> dict[str, Any] | None:
    """The resource's description, None when it does not exist (yet)."""
    client = stack.client(kind.service)
    try:
        return await asyncio.to_thread(kind.describe, client, name)
    except Exception as exc:
        if is_missing(exc):
            return None
        raise


def split_target(arn_or_name: str) -> tuple[str | None, str]:
    """(kind, name) from an ARN; (None, name) for a bare name; builds by their id."""
    if arn_or_name.startswith("arn:"):
        resource = arn_or_name.split(":", 5)[-1]
        arn_type, _, name = resource.partition("/")
        if arn_type in KINDS:
            return arn_type, name
        raise IrisopsError(f"wait_for does not know resources like {arn_or_name}")
    if ":" in arn_or_name:
        return "build", arn_or_name
    return None, arn_or_name


async def resolve(stack: Stack, arn_or_name: str, kind: str | None) -> tuple[Kind, str]:
    found_kind, name = split_target(arn_or_name)
    kind = kind or found_kind
    if kind is not None:
        if kind not in KINDS:
            raise IrisopsError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
        return KINDS[kind], name
    for candidate in NAME_LOOKUP:
        if await describe(stack, KINDS[candidate], name) is not None:
            # SageMaker ARNs hold lowercased names; describes need the real one.
            return KINDS[candidate], name
    raise IrisopsError(
        f"no endpoint, training, processing or transform job is named {name!r} "
        "(pass kind= to wait for one that does not exist yet)"
    )


async def failure_log(
    stack: Stack, kind: Kind, name: str, description: dict[str, Any]
) -> list[str]:
    group, prefix = kind.log_group(name, description)
    if not group:
        return []
    if kind.name == "build":
        return await build_log_tail(stack, group, prefix)
    return await settled_log_tail(stack, group, prefix)


async def wait_for_status(
    stack: Stack,
    arn_or_name: str,
    status: str | Iterable[str],
    timeout: float,
    kind: str | None = None,
    on_status: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """See :meth:`Stack.wait_for`."""
    wanted = {status} if isinstance(status, str) else set(status)
    resolved, name = await resolve(stack, arn_or_name, kind)
    what = f"{resolved.name} {name}"
    last: dict[str, Any] = {}

    async def check(event: Event | None) -> dict[str, Any] | None:
        if event is not None:
            seen = str(event.detail.get(resolved.status_key, ""))
            if event.type == "sagemaker.EndpointDeleted":
                raise ResourceFailed(what, "Deleted", "it was deleted while waited for")
            if seen and on_status is not None:
                on_status(seen, event.detail)
            if seen and seen not in wanted and seen not in resolved.failed:
                last["status"] = seen
                return None
        description = await describe(stack, resolved, name)
        if description is None:
            return None
        current = resolved.status(description)
        last["status"] = current
        if current in wanted:
            return description
        if current in resolved.failed:
            tail = await failure_log(stack, resolved, name, description)
            raise ResourceFailed(what, current, resolved.reason(description), tail, description)
        return None

    event_filter = EventFilter(service=resolved.service, type=resolved.event_type, resource=name)
    try:
        async with asyncio.timeout(timeout):
            return await watch(stack, event_filter, check)
    except TimeoutError:
        description = await describe(stack, resolved, name) or {}
        tail = await failure_log(stack, resolved, name, description) if description else []
        raise WaitTimeout(
            what, last.get("status", "missing"), " or ".join(sorted(wanted)), timeout, tail
        ) from None
