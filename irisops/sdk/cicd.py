"""CI/CD helpers of :class:`~irisops.sdk.stack.Stack`: push a directory to CodeCommit,
set up an image pipeline (CodeCommit -> CodePipeline -> CodeBuild -> ECR), wait for a
pipeline execution, build and push an image through all of it."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from irisops.sdk.errors import CommandFailed, ResourceFailed, WaitTimeout, aws_error_code
from irisops.sdk.events import Event, EventFilter
from irisops.sdk.log_tail import build_log_tail
from irisops.sdk.watch import watch

if TYPE_CHECKING:
    from irisops.sdk.stack import Stack

ROLE = "arn:aws:iam::123456789012:role/irisops-pipeline"
BUILD_IMAGE = "aws/codebuild/standard:7.0"
FINAL = ("Succeeded", "Failed", "Stopped", "Cancelled", "Superseded")
GIT_TIMEOUT_S = 120

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ImagePipeline:
    """What :meth:`CiCdHelpers.create_image_pipeline` set up, all named ``name``
    (the CodeBuild project ``<name>-image``)."""

    name: str
    clone_url: str
    repository_uri: str
    project: str


async def git(cwd: Path, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        "git", "-c", "user.name=irisops", "-c", "user.email=sdk@irisops.test",
        "-c", "init.defaultBranch=main", *args,
        cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), GIT_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise CommandFailed(f"git {' '.join(args)} did not finish in {GIT_TIMEOUT_S}s") from None
    if proc.returncode != 0:
        raise CommandFailed(f"git {' '.join(args)} failed ({proc.returncode}): {err.decode()}")
    return out.decode().strip()


def failed_action(state: dict[str, Any], execution_id: str) -> tuple[str, dict[str, Any]] | None:
    """(stage name, action state) of the action that failed in ``execution_id``."""
    for stage in state.get("stageStates", []):
        if (stage.get("latestExecution") or {}).get("pipelineExecutionId") != execution_id:
            continue
        for action in stage.get("actionStates", []):
            if (action.get("latestExecution") or {}).get("status") == "Failed":
                return str(stage["stageName"]), action
    return None


class CiCdHelpers:
    client: Callable[..., Any]

    async def push_directory(
        self: Stack,
        directory: str | Path,
        repository: str,
        *,
        branch: str = "main",
        message: str | None = None,
        create: bool = True,
    ) -> str:
        """Commit the files of ``directory`` (one commit, no history) and ``git push``
        it to CodeCommit repository ``repository`` (created when missing, unless
        ``create`` is False); the commit id."""
        codecommit = self.client("codecommit")
        try:
            repo = await asyncio.to_thread(codecommit.get_repository, repositoryName=repository)
        except ClientError as exc:
            if not create or aws_error_code(exc) != "RepositoryDoesNotExistException":
                raise
            repo = await asyncio.to_thread(codecommit.create_repository, repositoryName=repository)
        clone_url = repo["repositoryMetadata"]["cloneUrlHttp"]
        source = Path(directory)
        with tempfile.TemporaryDirectory(prefix="irisops-push-") as tmp:
            work = Path(tmp) / source.name
            await asyncio.to_thread(
                shutil.copytree, source, work, ignore=shutil.ignore_patterns(".git")
            )
            await git(work, "init", "-q", "-b", branch)
            await git(work, "add", "-A")
            await git(work, "commit", "-q", "-m", message or f"{source.name}: pushed by irisops")
            commit = await git(work, "rev-parse", "HEAD")
            await git(work, "push", "-q", clone_url, f"HEAD:refs/heads/{branch}")
        return commit

    async def create_image_pipeline(
        self: Stack,
        name: str,
        *,
        base_image: str,
        environment: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> ImagePipeline:
        """ECR repository, CodeCommit repository, privileged CodeBuild project
        ``<name>-image`` (the pushed ``buildspec.yml``; ``BASE_IMAGE`` and
        ``IMAGE_REPO_NAME`` in its environment, plus ``environment``) and a pipeline
        Source (CodeCommit, branch main) -> Build, all named ``name``. Creating a
        pipeline runs it once; this returns when that first run is over (on an empty
        repository its Source fails), so the next push starts a fresh execution."""
        ecr, codecommit = self.client("ecr"), self.client("codecommit")
        codebuild, codepipeline = self.client("codebuild"), self.client("codepipeline")
        try:
            found = await asyncio.to_thread(ecr.describe_repositories, repositoryNames=[name])
            uri = found["repositories"][0]["repositoryUri"]
        except ClientError as exc:
            if aws_error_code(exc) != "RepositoryNotFoundException":
                raise
            created = await asyncio.to_thread(ecr.create_repository, repositoryName=name)
            uri = created["repository"]["repositoryUri"]
        try:
            repo = await asyncio.to_thread(codecommit.get_repository, repositoryName=name)
        except ClientError as exc:
            if aws_error_code(exc) != "RepositoryDoesNotExistException":
                raise
            repo = await asyncio.to_thread(codecommit.create_repository, repositoryName=name)
        variables = {"BASE_IMAGE": base_image, "IMAGE_REPO_NAME": name, **(environment or {})}
        project = f"{name}-image"
        await asyncio.to_thread(
            codebuild.create_project,
            name=project,
            source={"type": "CODEPIPELINE", "buildspec": "buildspec.yml"},
            artifacts={"type": "CODEPIPELINE"},
            environment={
                "type": "LINUX_CONTAINER",
                "image": BUILD_IMAGE,
                "computeType": "BUILD_GENERAL1_SMALL",
                "privilegedMode": True,
                "environmentVariables": [
                    {"name": key, "value": value} for key, value in variables.items()
                ],
            },
            serviceRole=ROLE,
        )
        await asyncio.to_thread(
            codepipeline.create_pipeline, pipeline=image_pipeline(name, project)
        )
        await self._wait_first_run(name, timeout)
        return ImagePipeline(name, repo["repositoryMetadata"]["cloneUrlHttp"], uri, project)

    async def _wait_first_run(self: Stack, pipeline: str, timeout: float) -> None:
        """Until the run that creating ``pipeline`` started is over, whatever its end."""
        codepipeline = self.client("codepipeline")

        async def over(event: Event | None) -> bool | None:
            listed = await asyncio.to_thread(
                codepipeline.list_pipeline_executions, pipelineName=pipeline
            )
            summaries = listed["pipelineExecutionSummaries"]
            if summaries and all(s["status"] in FINAL for s in summaries):
                return True
            return None

        event_filter = EventFilter(
            service="codepipeline", where=lambda e: e.detail.get("pipeline") == pipeline
        )
        try:
            async with asyncio.timeout(timeout):
                await watch(self, event_filter, over)
        except TimeoutError:
            raise WaitTimeout(
                f"pipeline {pipeline}'s first run", "InProgress", "over", timeout
            ) from None

    async def wait_pipeline(
        self: Stack,
        pipeline: str,
        *,
        execution_id: str | None = None,
        commit: str | None = None,
        timeout: float = 600,
        on_progress: Progress | None = None,
        check: bool = True,
    ) -> dict[str, Any]:
        """The execution (``GetPipelineExecution``'s ``pipelineExecution``) of
        ``pipeline`` given by ``execution_id``, or the one that runs on ``commit``, once
        it is over. With ``check``, an execution that did not succeed raises
        :class:`ResourceFailed` naming the failed stage and action, with the build's
        last log lines. ``on_progress`` gets a line per stage and build phase change."""
        if execution_id is None and commit is None:
            raise ValueError("wait_pipeline needs execution_id or commit")
        codepipeline = self.client("codepipeline")
        declared = await asyncio.to_thread(codepipeline.get_pipeline, name=pipeline)
        projects = {
            action["configuration"].get("ProjectName")
            for stage in declared["pipeline"]["stages"]
            for action in stage["actions"]
            if action["actionTypeId"]["provider"] == "CodeBuild"
        }
        found: dict[str, str] = {"id": execution_id or ""}

        def ours(event: Event) -> bool:
            if event.service == "codebuild":
                return event.detail.get("projectName") in projects
            return event.detail.get("pipeline") == pipeline

        async def find_execution() -> str:
            listed = await asyncio.to_thread(
                codepipeline.list_pipeline_executions, pipelineName=pipeline
            )
            for summary in listed["pipelineExecutionSummaries"]:
                revisions = [r.get("revisionId") for r in summary.get("sourceRevisions", [])]
                if commit in revisions:
                    return str(summary["pipelineExecutionId"])
            return ""

        async def check_state(event: Event | None) -> dict[str, Any] | None:
            if event is not None and on_progress is not None:
                report_progress(event, found["id"], on_progress)
            if event is not None and event.type != "codepipeline.PipelineExecutionStateChanged":
                if found["id"] or event.service == "codebuild":
                    return None
            if not found["id"]:
                found["id"] = await find_execution()
                if not found["id"]:
                    return None
            execution = (
                await asyncio.to_thread(
                    codepipeline.get_pipeline_execution,
                    pipelineName=pipeline,
                    pipelineExecutionId=found["id"],
                )
            )["pipelineExecution"]
            return dict(execution) if execution["status"] in FINAL else None

        event_filter = EventFilter(service=["codepipeline", "codebuild"], where=ours)
        try:
            async with asyncio.timeout(timeout):
                execution = await watch(self, event_filter, check_state)
        except TimeoutError:
            raise WaitTimeout(
                f"pipeline {pipeline} execution {found['id'] or 'for ' + str(commit)}",
                "InProgress" if found["id"] else "not started",
                "Succeeded",
                timeout,
            ) from None
        if check and execution["status"] != "Succeeded":
            raise await self._pipeline_failure(pipeline, execution)
        return execution

    async def _pipeline_failure(
        self: Stack, pipeline: str, execution: dict[str, Any]
    ) -> ResourceFailed:
        execution_id = execution["pipelineExecutionId"]
        what = f"pipeline {pipeline} execution {execution_id}"
        state = await asyncio.to_thread(
            self.client("codepipeline").get_pipeline_state, name=pipeline
        )
        failed = failed_action(state, execution_id)
        if failed is None:
            reason = str(execution.get("statusSummary") or "") or "no action failed"
            return ResourceFailed(what, execution["status"], reason, description=execution)
        stage, action = failed
        latest = action["latestExecution"]
        reason = f"stage {stage}, action {action['actionName']}: " + str(
            (latest.get("errorDetails") or {}).get("message", "failed")
        )
        tail: list[str] = []
        build_id = latest.get("externalExecutionId", "")
        if build_id and ":" in build_id:
            builds = await asyncio.to_thread(
                self.client("codebuild").batch_get_builds, ids=[build_id]
            )
            for build in builds.get("builds", []):
                logs = build.get("logs") or {}
                if logs.get("groupName"):
                    tail = await build_log_tail(self, logs["groupName"], logs.get("streamName", ""))
        return ResourceFailed(what, execution["status"], reason, tail, execution)

    async def build_image(
        self: Stack,
        directory: str | Path,
        name: str,
        *,
        base_image: str,
        timeout: float = 600,
        on_progress: Progress | None = None,
    ) -> str:
        """Build the image of ``directory`` (a Dockerfile and a ``buildspec.yml`` that
        pushes to ECR, as ``containers/*`` have) the way CI does: an image pipeline
        ``name``, a ``git push`` of the directory, the pipeline's CodeBuild build; the
        image's URI in ECR, tagged with the pushed commit id."""
        made = await self.create_image_pipeline(name, base_image=base_image)
        commit = await self.push_directory(directory, name)
        await self.wait_pipeline(name, commit=commit, timeout=timeout, on_progress=on_progress)
        return f"{made.repository_uri}:{commit}"


def report_progress(event: Event, execution_id: str, on_progress: Progress) -> None:
    detail = event.detail
    if event.type == "codepipeline.StageExecutionStateChanged":
        if not execution_id or detail.get("executionId") == execution_id:
            on_progress(f"stage {detail.get('stage')} {detail.get('state')}")
    elif event.type == "codebuild.BuildStateChanged":
        on_progress(f"build {detail.get('currentPhase')} ({detail.get('buildStatus')})")


def image_pipeline(
    name: str,
    project: str,
    *,
    role: str = ROLE,
    artifact_bucket: str = "irisops-pipeline-artifacts",
) -> dict[str, Any]:
    """Source (CodeCommit ``name``, branch main) -> Build (CodeBuild ``project``)."""
    return {
        "name": name,
        "roleArn": role,
        "artifactStore": {"type": "S3", "location": artifact_bucket},
        "stages": [
            {
                "name": "Source",
                "actions": [
                    {
                        "name": "Source",
                        "actionTypeId": action_type("Source", "CodeCommit"),
                        "configuration": {
                            "RepositoryName": name,
                            "BranchName": "main",
                            "PollForSourceChanges": "false",
                        },
                        "outputArtifacts": [{"name": "SourceArtifact"}],
                        "namespace": "SourceVariables",
                    }
                ],
            },
            {
                "name": "Build",
                "actions": [
                    {
                        "name": "Image",
                        "actionTypeId": action_type("Build", "CodeBuild"),
                        "configuration": {"ProjectName": project},
                        "inputArtifacts": [{"name": "SourceArtifact"}],
                    }
                ],
            },
        ],
    }


def action_type(category: str, provider: str) -> dict[str, str]:
    return {"category": category, "owner": "AWS", "provider": provider, "version": "1"}
