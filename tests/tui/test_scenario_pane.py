"""The Scenario pane (what ``irisops demo --tui`` shows), with small scenarios built
from irisops.scenario's progress data and shaped as ``irisops.tui.scenario`` documents
(an ``observer`` the app replaces, ``async run()``, a ``stack`` whose server the
scenario starts): the steps are
drawn as they are reported, the app attaches to the scenario's server once it is up
(the other panes then fill), a failed step shows its reason and log tail, and the
summary's resources and predictions are drawn at the end."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from irisops.scenario.progress import Prediction as Predicted
from irisops.scenario.progress import Resource, Summary
from irisops.scenario.progress import StepFailure as Failure
from irisops.scenario.progress import StepInfo as Step
from irisops.scenario.progress import StepResult as Result
from irisops.sdk.server import ServerProcess
from irisops.tui.app import IrisOpsApp
from irisops.tui.screens.scenario import ScenarioPane
from tests.tui.scene import until, wait_text

IRIS_CSV = Path(__file__).resolve().parents[2] / "demo" / "iris.csv"


class ServerStack:
    """A stack whose server the scenario starts in its first step."""

    def __init__(self) -> None:
        self.server: ServerProcess | None = None
        self.owns_server = True
        self.stopped = False

    @property
    def endpoint_url(self) -> str:
        if self.server is None:
            raise RuntimeError("not started")
        return self.server.url

    def start(self) -> None:
        self.server = ServerProcess().start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.stopped = True


class UploadScenario:
    """Start the server, upload the iris CSV in parts, create an ECR repository."""

    title = "upload the iris data"

    def __init__(self, fail_upload: bool = False) -> None:
        self.stack = ServerStack()
        self.observer: Any = None
        self.fail_upload = fail_upload

    async def run(self) -> Summary:
        summary = Summary()
        steps = [("server", "start the server"), ("upload", "upload iris.csv"),
                 ("registry", "create the ECR repository")]  # fmt: skip
        for index, (key, title) in enumerate(steps, 1):
            step = Step(key, title, index, len(steps))
            self.observer.step_started(step)
            try:
                line = await asyncio.to_thread(getattr(self, key), step, summary)
            except Exception as exc:
                summary.failure = Failure(key, title, 0.1, str(exc), ("last line", "the end"))
                self.observer.step_failed(step, summary.failure)
                break
            self.observer.step_finished(step, Result(key, title, 0.1, line))
        self.observer.scenario_finished(summary)
        return summary

    def server(self, step: Step, summary: Summary) -> str:
        self.stack.start()
        return f"irisops serve on {self.stack.endpoint_url}"

    def upload(self, step: Step, summary: Summary) -> str:
        s3 = self.stack.server.client("s3")  # type: ignore[union-attr]
        s3.create_bucket(Bucket="scenario-data")
        lines = IRIS_CSV.read_text().splitlines(keepends=True)
        for n in range(0, len(lines), 50):
            if self.fail_upload and n:
                raise RuntimeError("the disk is full")
            s3.put_object(Bucket="scenario-data", Key=f"parts/{n:03d}.csv",
                          Body="".join(lines[n : n + 50]))  # fmt: skip
            self.observer.step_progress(step, f"part {n // 50 + 1}", min(1.0, (n + 50) / 151))
        summary.resources.append(Resource("S3 bucket", "scenario-data", "Completed", "4 parts"))
        return f"{len(lines)} lines"

    def registry(self, step: Step, summary: Summary) -> str:
        self.stack.server.client("ecr").create_repository(repositoryName="scenario")  # type: ignore[union-attr]
        summary.resources.append(Resource("ECR repository", "scenario", "Completed"))
        summary.predictions.append(Predicted("iris", (5.1, 3.5, 1.4, 0.2), "setosa", "setosa", 3.2))
        return "scenario"


async def test_a_scenario_run_is_drawn_and_its_server_attached() -> None:
    scenario = UploadScenario()
    app = IrisOpsApp(None, scenario=scenario)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            pane = app.query_one(ScenarioPane)
            assert app.active_tab == "scenario"
            await until(pilot, lambda: pane.outcome != "running", "the scenario to end", 60)
            assert pane.outcome == "done" and app.scenario_outcome == "done"
            assert [s.status for s in pane.steps.values()] == ["done", "done", "done"]
            await wait_text(pilot, "upload the iris data", "start the server", "151 lines")
            await wait_text(pilot, "S3 bucket", "scenario-data", "ECR repository", "setosa")
            # Attached to the scenario's server after its first step: Registry shows it.
            assert app.live and app.endpoint_url == scenario.stack.endpoint_url
            await pilot.press("2")
            await wait_text(pilot, "scenario", "(no images)")
    finally:
        scenario.stack.stop()


async def test_a_failing_step_is_shown_with_its_reason_and_log_tail() -> None:
    scenario = UploadScenario(fail_upload=True)
    app = IrisOpsApp(None, scenario=scenario)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            pane = app.query_one(ScenarioPane)
            await until(pilot, lambda: pane.outcome != "running", "the scenario to end", 60)
            assert pane.outcome == "failed" and app.scenario_outcome == "failed"
            assert pane.steps["upload"].status == "failed"
            assert "registry" not in pane.steps
            await wait_text(pilot, "upload iris.csv failed: the disk is full", "last line")
    finally:
        scenario.stack.stop()


class BrokenScenario:
    """A run that raises instead of reporting a failed step."""

    observer: Any = None

    async def run(self) -> None:
        raise ValueError("no such layout")


async def test_a_run_that_raises_is_shown(clean_server: ServerProcess) -> None:
    app = IrisOpsApp(clean_server.url, scenario=BrokenScenario())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(ScenarioPane)
        await until(pilot, lambda: pane.outcome != "running", "the scenario to end")
        assert app.scenario_outcome == "failed"
        await wait_text(pilot, "the scenario stopped: ValueError: no such layout")
        assert app.live  # attached to the given server from the start
