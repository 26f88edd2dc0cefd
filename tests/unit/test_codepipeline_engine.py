"""The execution state machine on a real store: S3 source, manual approval, stops,
superseding, variables, restart, and a missing CodeBuild."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from irisops.config import Config
from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.core.events import EventBus
from irisops.core.runtime import Runtime
from irisops.core.store import Store
from irisops.services.codepipeline import CodePipelineService
from irisops.services.s3 import S3Service
from irisops.services.s3.local_files import ensure_bucket, service_context
from tests.codepipeline_declarations import (
    approval,
    approval_pipeline,
    codebuild,
    pipeline,
    s3_source,
)

ACCOUNT, REGION = "123456789012", "us-east-1"
TIMEOUT_S = 20


@dataclass
class Services:
    s3: S3Service
    codepipeline: CodePipelineService
    bus: EventBus

    async def call(self, operation: str, **params: Any) -> dict[str, Any]:
        from irisops.services.base import handler_name

        ctx = RequestContext(service="codepipeline", operation=operation)
        return await getattr(self.codepipeline, handler_name(operation))(ctx, params)

    async def put_source(self, bucket: str, key: str, text: str) -> None:
        await ensure_bucket(self.s3, ACCOUNT, REGION, bucket)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as archive:
            archive.writestr("app.txt", text)
        from tests.unit.test_s3_service import body

        await self.s3.put_object(
            service_context(ACCOUNT, REGION, "PutObject"),
            {"Bucket": bucket, "Key": key, "Body": body(buf.getvalue())},
        )

    async def executions(self, name: str) -> list[dict[str, Any]]:
        out = await self.call("ListPipelineExecutions", pipelineName=name)
        return list(out["pipelineExecutionSummaries"])

    async def status(self, name: str, execution_id: str) -> str:
        out = await self.call(
            "GetPipelineExecution", pipelineName=name, pipelineExecutionId=execution_id
        )
        return str(out["pipelineExecution"]["status"])

    async def wait_status(self, name: str, execution_id: str, *wanted: str) -> str:
        async with asyncio.timeout(TIMEOUT_S):
            while True:
                status = await self.status(name, execution_id)
                if status in wanted:
                    return status
                await asyncio.sleep(0.02)

    async def action_state(self, name: str, stage: str) -> dict[str, Any]:
        state = await self.call("GetPipelineState", name=name)
        stage_state = next(s for s in state["stageStates"] if s["stageName"] == stage)
        return dict(stage_state["actionStates"][0])

    async def waiting_token(self, name: str, stage: str, execution_id: str) -> str:
        async with asyncio.timeout(TIMEOUT_S):
            while True:
                latest = (await self.action_state(name, stage)).get("latestExecution") or {}
                if latest.get("token") and await self._of(name, latest, execution_id):
                    return str(latest["token"])
                await asyncio.sleep(0.02)

    async def _of(self, name: str, latest: dict[str, Any], execution_id: str) -> bool:
        out = await self.call(
            "ListActionExecutions", pipelineName=name, filter={"pipelineExecutionId": execution_id}
        )
        ids = {d["actionExecutionId"] for d in out["actionExecutionDetails"]}
        return latest["actionExecutionId"] in ids


async def open_services(data_dir: Path, with_s3: bool = True) -> Services:
    store = Store(data_dir / "state.db", fsync=False)
    runtime = Runtime(
        config=Config(data_dir=data_dir, fsync=False),
        store=store,
        bus=EventBus(),
        data_dir=data_dir,
    )
    s3 = S3Service(runtime)
    codepipeline = CodePipelineService(runtime)
    runtime.services = {"s3": s3, "codepipeline": codepipeline}
    for service in (s3, codepipeline):
        store.add_schema(service.schema)
    await store.open()
    await s3.start()
    await codepipeline.start()
    return Services(s3, codepipeline, runtime.bus)


async def close_services(services: Services) -> None:
    await services.codepipeline.stop()
    await services.s3.stop()
    await services.s3.store.close()


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    opened = await open_services(tmp_path / "data")
    yield opened
    await close_services(opened)


async def first_execution(services: Services, name: str) -> str:
    executions = await services.executions(name)
    assert len(executions) == 1
    return str(executions[0]["pipelineExecutionId"])


async def test_created_pipeline_runs_and_waits_for_approval(services: Services) -> None:
    await services.put_source("src", "app.zip", "v1")
    created = await services.call(
        "CreatePipeline", pipeline=approval_pipeline("p", "src", "app.zip")
    )
    assert created["pipeline"]["version"] == 1
    execution_id = await first_execution(services, "p")
    token = await services.waiting_token("p", "Approval", execution_id)
    assert await services.status("p", execution_id) == "InProgress"
    source = await services.action_state("p", "Source")
    assert source["latestExecution"]["status"] == "Succeeded"
    assert source["currentRevision"]["revisionId"]
    await services.call(
        "PutApprovalResult", pipelineName="p", stageName="Approval", actionName="Approve",
        result={"status": "Approved", "summary": "looks good"}, token=token,
    )  # fmt: skip
    assert await services.wait_status("p", execution_id, "Succeeded", "Failed") == "Succeeded"
    approved = await services.action_state("p", "Approval")
    assert approved["latestExecution"]["summary"] == "looks good"
    assert "token" not in approved["latestExecution"]
    with pytest.raises(AwsError) as caught:
        await services.call(
            "PutApprovalResult", pipelineName="p", stageName="Approval", actionName="Approve",
            result={"status": "Approved", "summary": "again"}, token=token,
        )  # fmt: skip
    assert caught.value.code == "ApprovalAlreadyCompletedException"


async def test_rejection_fails_the_execution(services: Services) -> None:
    await services.put_source("src", "app.zip", "v1")
    await services.call("CreatePipeline", pipeline=approval_pipeline("p", "src", "app.zip"))
    execution_id = await first_execution(services, "p")
    token = await services.waiting_token("p", "Approval", execution_id)
    await services.call(
        "PutApprovalResult", pipelineName="p", stageName="Approval", actionName="Approve",
        result={"status": "Rejected", "summary": "no"}, token=token,
    )  # fmt: skip
    assert await services.wait_status("p", execution_id, "Succeeded", "Failed") == "Failed"
    state = await services.call("GetPipelineState", name="p")
    assert [s["latestExecution"]["status"] for s in state["stageStates"]] == [
        "Succeeded",
        "Failed",
    ]
    latest = state["stageStates"][1]["actionStates"][0]["latestExecution"]
    assert latest["status"] == "Failed" and latest["summary"] == "no"


async def test_missing_source_object_fails_the_source_action(services: Services) -> None:
    await ensure_bucket(services.s3, ACCOUNT, REGION, "src")
    await services.call("CreatePipeline", pipeline=approval_pipeline("p", "src", "none.zip"))
    execution_id = await first_execution(services, "p")
    assert await services.wait_status("p", execution_id, "Failed", "Succeeded") == "Failed"
    source = await services.action_state("p", "Source")
    assert source["latestExecution"]["errorDetails"]["code"] == "RevisionUnavailable"
    assert "NoSuchKey" in source["latestExecution"]["summary"]


async def test_stop_and_abandon(services: Services) -> None:
    await services.put_source("src", "app.zip", "v1")
    await services.call("CreatePipeline", pipeline=approval_pipeline("p", "src", "app.zip"))
    execution_id = await first_execution(services, "p")
    await services.waiting_token("p", "Approval", execution_id)
    await services.call(
        "StopPipelineExecution", pipelineName="p", pipelineExecutionId=execution_id,
        abandon=True, reason="enough",
    )  # fmt: skip
    assert await services.wait_status("p", execution_id, "Stopped") == "Stopped"
    latest = (await services.action_state("p", "Approval"))["latestExecution"]
    assert latest["status"] == "Abandoned"
    summary = (await services.executions("p"))[0]
    assert summary["stopTrigger"] == {"reason": "enough"}
    with pytest.raises(AwsError) as caught:
        await services.call(
            "StopPipelineExecution", pipelineName="p", pipelineExecutionId=execution_id
        )
    assert caught.value.code == "PipelineExecutionNotStoppableException"


async def test_stop_and_wait_does_not_wait_for_an_approval(services: Services) -> None:
    await services.put_source("src", "app.zip", "v1")
    await services.call("CreatePipeline", pipeline=approval_pipeline("p", "src", "app.zip"))
    execution_id = await first_execution(services, "p")
    await services.waiting_token("p", "Approval", execution_id)
    await services.call("StopPipelineExecution", pipelineName="p", pipelineExecutionId=execution_id)
    assert await services.wait_status("p", execution_id, "Stopped") == "Stopped"
    state = await services.call("GetPipelineState", name="p")
    assert state["stageStates"][1]["latestExecution"]["status"] == "Stopped"


async def test_newer_execution_supersedes_the_one_waiting(services: Services) -> None:
    await services.put_source("src", "app.zip", "v1")
    await services.call("CreatePipeline", pipeline=approval_pipeline("p", "src", "app.zip"))
    first = await first_execution(services, "p")
    token = await services.waiting_token("p", "Approval", first)
    second = (await services.call("StartPipelineExecution", name="p"))["pipelineExecutionId"]
    third = (await services.call("StartPipelineExecution", name="p"))["pipelineExecutionId"]
    assert await services.wait_status("p", second, "Superseded") == "Superseded"
    assert await services.status("p", third) == "InProgress"
    state = await services.call("GetPipelineState", name="p")
    assert state["stageStates"][1]["inboundExecutions"] == [
        {"pipelineExecutionId": third, "status": "InProgress", "type": "STANDARD"}
    ]
    await services.call(
        "PutApprovalResult", pipelineName="p", stageName="Approval", actionName="Approve",
        result={"status": "Approved", "summary": "ok"}, token=token,
    )  # fmt: skip
    assert await services.wait_status("p", first, "Succeeded") == "Succeeded"
    third_token = await services.waiting_token("p", "Approval", third)
    assert third_token != token


async def test_variables_resolve_into_later_configuration(services: Services) -> None:
    await services.put_source("src", "app.zip", "v1")
    source = s3_source("src", "app.zip", namespace="SourceVariables")
    gate = approval(configuration={"CustomData": "key #{SourceVariables.ObjectKey}"})
    await services.call(
        "CreatePipeline", pipeline=pipeline("p", [("Source", [source]), ("Approval", [gate])])
    )
    execution_id = await first_execution(services, "p")
    await services.waiting_token("p", "Approval", execution_id)
    out = await services.call(
        "ListActionExecutions", pipelineName="p", filter={"pipelineExecutionId": execution_id}
    )
    details = {d["actionName"]: d for d in out["actionExecutionDetails"]}
    assert details["Source"]["output"]["outputVariables"]["ObjectKey"] == "app.zip"
    resolved = details["Approve"]["input"]["resolvedConfiguration"]
    assert resolved["CustomData"] == "key app.zip"


async def test_codebuild_action_without_codebuild_fails_clearly(services: Services) -> None:
    await services.put_source("src", "app.zip", "v1")
    build = codebuild("proj", ["SourceArtifact"], ["Built"])
    await services.call(
        "CreatePipeline",
        pipeline=pipeline("p", [("Source", [s3_source("src", "app.zip")]), ("Build", [build])]),
    )
    execution_id = await first_execution(services, "p")
    assert await services.wait_status("p", execution_id, "Failed", "Succeeded") == "Failed"
    latest = (await services.action_state("p", "Build"))["latestExecution"]
    assert latest["errorDetails"]["code"] == "ConfigurationError"
    assert "codebuild service" in latest["summary"]


async def test_waiting_approval_resumes_after_a_restart(tmp_path: Path) -> None:
    services = await open_services(tmp_path / "data")
    try:
        await services.put_source("src", "app.zip", "v1")
        await services.call("CreatePipeline", pipeline=approval_pipeline("p", "src", "app.zip"))
        execution_id = await first_execution(services, "p")
        token = await services.waiting_token("p", "Approval", execution_id)
    finally:
        await close_services(services)
    services = await open_services(tmp_path / "data")
    try:
        assert await services.status("p", execution_id) == "InProgress"
        assert await services.waiting_token("p", "Approval", execution_id) == token
        await services.call(
            "PutApprovalResult", pipelineName="p", stageName="Approval", actionName="Approve",
            result={"status": "Approved", "summary": "after restart"}, token=token,
        )  # fmt: skip
        assert await services.wait_status("p", execution_id, "Succeeded") == "Succeeded"
    finally:
        await close_services(services)


async def test_events_follow_every_change(services: Services) -> None:
    await services.put_source("src", "app.zip", "v1")
    with services.bus.subscribe(predicate=lambda e: e.type.startswith("codepipeline.")) as sub:
        await services.call("CreatePipeline", pipeline=approval_pipeline("p", "src", "app.zip"))
        execution_id = await first_execution(services, "p")
        token = await services.waiting_token("p", "Approval", execution_id)
        await services.call(
            "PutApprovalResult", pipelineName="p", stageName="Approval", actionName="Approve",
            result={"status": "Approved", "summary": "ok"}, token=token,
        )  # fmt: skip
        await services.wait_status("p", execution_id, "Succeeded")
        seen = []
        while not sub._queue.empty():
            event = await sub.get()
            assert event is not None
            detail = event.detail
            seen.append(
                (event.type.removeprefix("codepipeline."), detail.get("stage"), detail.get("state"))
            )
    assert seen[0] == ("PipelineCreated", None, None)
    assert seen[1:] == [
        ("PipelineExecutionStateChanged", None, "InProgress"),
        ("StageExecutionStateChanged", "Source", "InProgress"),
        ("ActionExecutionStateChanged", "Source", "InProgress"),
        ("ActionExecutionStateChanged", "Source", "Succeeded"),
        ("StageExecutionStateChanged", "Source", "Succeeded"),
        ("StageExecutionStateChanged", "Approval", "InProgress"),
        ("ActionExecutionStateChanged", "Approval", "InProgress"),
        ("ActionExecutionStateChanged", "Approval", "Succeeded"),
        ("StageExecutionStateChanged", "Approval", "Succeeded"),
        ("PipelineExecutionStateChanged", None, "Succeeded"),
    ]


async def test_deleting_a_pipeline_ends_its_executions(services: Services) -> None:
    await services.put_source("src", "app.zip", "v1")
    await services.call("CreatePipeline", pipeline=approval_pipeline("p", "src", "app.zip"))
    execution_id = await first_execution(services, "p")
    await services.waiting_token("p", "Approval", execution_id)
    await services.call("DeletePipeline", name="p")
    assert services.codepipeline.supervisor.runner(execution_id) is None
    with pytest.raises(AwsError) as caught:
        await services.call("GetPipelineState", name="p")
    assert caught.value.code == "PipelineNotFoundException"
    # The same name starts afresh.
    await services.call("CreatePipeline", pipeline=approval_pipeline("p", "src", "app.zip"))
    fresh = await first_execution(services, "p")
    assert fresh != execution_id
    await services.waiting_token("p", "Approval", fresh)
    await services.codepipeline.reset()
    assert services.codepipeline.supervisor.runner(fresh) is None
    assert (await services.call("ListPipelines"))["pipelines"] == []


async def test_a_new_source_object_starts_an_execution(services: Services) -> None:
    await services.put_source("src", "app.zip", "v1")
    await services.call("CreatePipeline", pipeline=approval_pipeline("p", "src", "app.zip"))
    first = await first_execution(services, "p")
    await services.waiting_token("p", "Approval", first)
    await services.put_source("src", "other.zip", "not the source")
    await services.put_source("src", "app.zip", "v2")
    async with asyncio.timeout(TIMEOUT_S):
        while True:
            executions = await services.executions("p")
            if len(executions) >= 2:
                break
            await asyncio.sleep(0.02)
    assert len(executions) == 2
    assert executions[0]["trigger"] == {
        "triggerType": "CloudWatchEvent",
        "triggerDetail": "arn:aws:events:us-east-1:123456789012:rule/codepipeline-p",
    }
