"""One build from PROVISIONING to COMPLETED.

The runner walks CodeBuild's phases (:mod:`irisops.engines.buildspec.phases`), persists
the build document at every phase change through ``save`` (which also publishes), and
writes the build log as CodeBuild's agent does. A StopBuild or the timeout kills the
build's whole process group; the phase that was running ends STOPPED or TIMED_OUT and
the build goes through FINALIZING to COMPLETED.

Builds run in an isolated work dir under the data dir, with the environment of
:mod:`irisops.engines.codebuild.environment`: in a container from the project's image
when the local engine has it (:mod:`.container`), else as processes on the host.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from irisops.engines.buildspec import phases as ph
from irisops.engines.buildspec.shell import BuildShell, kill_group, start_anchor
from irisops.engines.buildspec.spec import Buildspec, BuildspecError, parse_buildspec
from irisops.engines.codebuild.container import BuildContainer, image_env_path
from irisops.engines.codebuild.environment import build_environment
from irisops.engines.codebuild.logsink import LogSink
from irisops.engines.codebuild.plan import BuildPlan
from irisops.engines.codebuild.sources import SourceError, download_source
from irisops.engines.codebuild.upload import UploadError, upload_artifacts

log = logging.getLogger("irisops.codebuild")

#: ``save(build document, anchor pid)``: persist, then publish.
Save = Callable[[dict[str, Any], int | None], Awaitable[None]]
STOP_CONTEXT = {
    "TIMED_OUT": ("BUILD_TIMED_OUT", "Build has timed out. "),
    "STOPPED": ("BUILD_STOPPED", "Build was stopped by StopBuild"),  # unconfirmed text
}


@dataclass
class Outcome:
    status: str = "SUCCEEDED"
    code: str = ""
    message: str = ""
    on_failure: str = "ABORT"


class BuildRunner:
    def __init__(
        self,
        plan: BuildPlan,
        build: dict[str, Any],
        *,
        save: Save,
        s3: Any,
        logs: Any,
        endpoint_url: str,
        docker: Any = None,
    ) -> None:
        self.plan = plan
        self.build = build
        self._save = save
        self.s3 = s3
        self.endpoint_url = endpoint_url
        self.docker = docker
        self.container: BuildContainer | None = None
        #: The image's PATH when the build runs in a container from it.
        self.container_path: str | None = None
        self.sink = LogSink(logs, plan.account, plan.region, plan.log_group, plan.log_stream)
        self.stop_reason: str | None = None
        self.anchor: asyncio.subprocess.Process | None = None
        self.shell: BuildShell | None = None
        self.spec: Buildspec | None = None
        self.env: dict[str, str] = {}
        self.failed = False
        self.done = asyncio.Event()

    # -- control ----------------------------------------------------------------------

    def request_stop(self, reason: str = "STOPPED") -> None:
        if self.done.is_set() or self.stop_reason is not None:
            return
        self.stop_reason = reason
        self.sink.agent("Build stopped" if reason == "STOPPED" else "Build timed out")
        self._kill()

    def _kill(self) -> None:
        if self.anchor is not None:
            kill_group(self.anchor.pid)

    async def save(self) -> None:
        await self._save(self.build, self.anchor.pid if self.anchor else None)

    # -- the phases -------------------------------------------------------------------

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self.sink.start()
        timer = loop.call_later(self.plan.timeout_seconds, self.request_stop, "TIMED_OUT")
        try:
            await self._walk()
        except asyncio.CancelledError:
            self._kill()
            await self._abort("FAILED", "irisops stopped while the build was running")
            raise
        except Exception as exc:
            log.exception("build %s failed unexpectedly", self.plan.build_id)
            self._kill()
            await self._abort("FAULT", f"irisops failed running the build: {exc}")
        finally:
            timer.cancel()
            self._kill()
            if self.anchor is not None:
                await self.anchor.wait()
            if self.container is not None:
                await self.container.remove()
            await self.sink.close()
            self.done.set()

    async def _walk(self) -> None:
        self._end(Outcome())
        ph.enter_phase(self.build, "QUEUED", time.time())
        await self.save()
        self._end(Outcome())
        phase = "PROVISIONING"
        self._enter(phase)
        await self.save()
        while True:
            outcome = await self._execute(phase)
            if self.stop_reason and phase != "FINALIZING":
                code, message = STOP_CONTEXT[self.stop_reason]
                outcome = Outcome(self.stop_reason, code, message)
            self._end(outcome)
            if outcome.status != "SUCCEEDED":
                self.failed = True
            if self.stop_reason:
                following = "FINALIZING" if phase != "FINALIZING" else "COMPLETED"
            else:
                following = ph.next_phase(phase, outcome.status == "SUCCEEDED", outcome.on_failure)
            if following == "COMPLETED":
                status = self.stop_reason or ("FAILED" if self.failed else "SUCCEEDED")
                ph.complete(self.build, status, time.time())
                self.sink.agent(f"Build completed: {status}")
                await self.sink.flush()  # the whole log is stored before the build completes
                await self.save()
                return
            self._enter(following)
            await self.save()
            phase = following

    def _enter(self, phase: str) -> None:
        ph.enter_phase(self.build, phase, time.time())
        self.sink.agent(f"Entering phase {phase}")

    def _end(self, outcome: Outcome) -> None:
        record = ph.end_phase(
            self.build, outcome.status, time.time(), outcome.code, outcome.message
        )
        if record["phaseType"] not in ("SUBMITTED", "QUEUED"):
            self.sink.agent(f"Phase complete: {record['phaseType']} State: {outcome.status}")
            self.sink.agent(f"Phase context status code: {outcome.code} Message: {outcome.message}")

    async def _abort(self, status: str, message: str) -> None:
        """End the build outside the normal walk (server stopping, internal failure)."""
        if ph.open_phase(self.build) is not None:
            ph.end_phase(self.build, status, time.time(), "INTERNAL_ERROR", message)
        if not self.build.get("buildComplete"):
            ph.complete(self.build, status, time.time())
        self.sink.agent(message)
        try:
            await self.sink.flush()
            await self.save()
        except Exception:
            log.exception("could not record the end of build %s", self.plan.build_id)

    async def _execute(self, phase: str) -> Outcome:
        if self.stop_reason and phase != "FINALIZING":
            return Outcome()
        if phase == "PROVISIONING":
            return await self._provision()
        if phase == "DOWNLOAD_SOURCE":
            return await self._download()
        if phase in ph.BUILDSPEC_PHASE:
            return await self._commands(phase)
        if phase == "UPLOAD_ARTIFACTS":
            return await self._upload()
        if phase == "FINALIZING":
            self._kill()
            if self.container is not None:
                await self.container.remove()
                self.container = None
        return Outcome()

    async def _provision(self) -> Outcome:
        plan = self.plan
        await asyncio.to_thread(shutil.rmtree, plan.work_dir, True)
        await asyncio.to_thread(plan.work_dir.mkdir, parents=True)
        self.anchor = await start_anchor(plan.build_id)
        await self.save()  # the process group is known before anything runs in it
        self.container_path = await image_env_path(self.docker, plan.image)
        if self.container_path is None:
            self.sink.agent(
                f"Running on irisops: on the host, as local processes in {plan.work_dir} "
                f"(image {plan.image or '-'} is not in the local Docker engine)"
            )
        else:
            self.container = BuildContainer(self.docker, plan.build_id, plan.uuid, plan.image)
            try:
                await self.container.start(plan.work_dir, plan.privileged)
            except Exception as exc:
                return Outcome("FAILED", "CLIENT_ERROR", f"cannot start build container: {exc}")
            self.sink.agent(
                f"Running on irisops: in container {self.container.name} from image "
                f"{plan.image}, host network, {plan.work_dir} mounted"
            )
        docker = "available (privilegedMode)" if plan.privileged else "not available"
        self.sink.agent(f"Docker daemon: {docker}; AWS endpoint: {self.endpoint_url}")
        return Outcome()

    async def _download(self) -> Outcome:
        plan = self.plan
        self.sink.agent(f"CODEBUILD_SRC_DIR={plan.src_dir}")
        base_env = build_environment(plan, self.endpoint_url, {}, self._start_ms())
        try:
            resolved = await download_source(
                plan, self.s3, base_env, self.anchor.pid if self.anchor else None, self.sink.agent
            )
        except SourceError as exc:
            return Outcome("FAILED", "CLIENT_ERROR", str(exc))
        resolved = resolved or plan.resolved_source_version
        if resolved:
            self.build["resolvedSourceVersion"] = resolved
        try:
            self.spec = self._load_buildspec()
        except BuildspecError as exc:
            return Outcome("FAILED", "YAML_FILE_ERROR", str(exc))
        self.env = build_environment(
            plan, self.endpoint_url, self.spec.variables, self._start_ms(), self.container_path
        )
        self.env["CODEBUILD_RESOLVED_SOURCE_VERSION"] = resolved or ""
        assert self.anchor is not None
        state_dir = plan.work_dir / "state"
        self.shell = BuildShell(
            state_dir,
            self.spec.shell,
            self.env,
            plan.src_dir,
            self.anchor.pid,
            self.sink.line,
            self.container.exec_prefix(state_dir) if self.container else None,
        )
        self.sink.agent(f"Phases found in YAML: {len(self.spec.phases)}")
        for name, body in self.spec.phases.items():
            self.sink.agent(f" {name.upper()}: {len(body.commands)} commands")
        return Outcome()

    def _start_ms(self) -> int:
        return int(self.build["startTime"] * 1000)

    def _load_buildspec(self) -> Buildspec:
        text = self.plan.buildspec
        if text is None or ("\n" not in text and ":" not in text):
            path = self.plan.src_dir / (text or "buildspec.yml")
            self.sink.agent(f"YAML location is {path}")
            try:
                text = path.read_text()
            except FileNotFoundError:
                raise BuildspecError(f"stat {path}: no such file or directory") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise BuildspecError(f"cannot read {path}: {exc}") from None
        return parse_buildspec(text)

    async def _commands(self, phase: str) -> Outcome:
        assert self.spec is not None and self.shell is not None
        body = self.spec.phases.get(ph.BUILDSPEC_PHASE[phase])
        if body is None:
            return Outcome()
        failure: tuple[str, int] | None = None
        for command in body.commands:
            failure = await self._run(command)
            if failure or self.stop_reason:
                break
        for command in body.finally_commands:
            if self.stop_reason:
                break
            failed = await self._run(command)
            failure = failure or failed
        self._capture_exports()
        if failure is None:
            return Outcome()
        command, code = failure
        return Outcome(
            "FAILED",
            "COMMAND_EXECUTION_ERROR",
            f"Error while executing command: {command}. Reason: exit status {code}",
            body.on_failure,
        )

    async def _run(self, command: str) -> tuple[str, int] | None:
        assert self.shell is not None
        self.sink.agent(f"Running command {command}")
        succeeding = (
            "0" if self.failed or self.env.get("CODEBUILD_BUILD_SUCCEEDING") == "0" else "1"
        )
        code = await self.shell.run(command, {"CODEBUILD_BUILD_SUCCEEDING": succeeding})
        if code == 0:
            return None
        self.env["CODEBUILD_BUILD_SUCCEEDING"] = "0"
        self.sink.agent(f"Command did not exit successfully {command} exit status {code}")
        return command, code

    def _capture_exports(self) -> None:
        if not self.spec or not self.spec.exported_variables or self.shell is None:
            return
        values = self.shell.variables()
        self.build["exportedEnvironmentVariables"] = [
            {"name": name, "value": values.get(name, "")} for name in self.spec.exported_variables
        ]

    async def _upload(self) -> Outcome:
        spec = self.spec.artifacts if self.spec else None
        try:
            location = await upload_artifacts(self.plan, spec, self.s3)
        except UploadError as exc:
            self.sink.agent(f"Artifact upload failed: {exc}")
            return Outcome("FAILED", "CLIENT_ERROR", str(exc))
        if location:
            self.build["artifacts"] = {**self.build.get("artifacts", {}), "location": location}
            self.sink.agent(f"Uploaded artifacts to {location}")
        return Outcome()
