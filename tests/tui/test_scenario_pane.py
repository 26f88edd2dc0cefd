"""The Scenario pane (what ``irisops demo --tui`` shows): a scenario run given to the
app is run in a worker thread, its steps, progress and summary drawn as it reports
them; a failing step and the run's exception are shown. The scenarios here are small
real ones (boto3 against a real server), shaped as ``irisops.tui.scenario`` documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from irisops.sdk.server import ServerProcess
from irisops.tui.app import IrisOpsApp
from irisops.tui.scenario import ScenarioProgress
from irisops.tui.screens.scenario import ScenarioPane
from tests.tui.scene import until, wait_text

IRIS_CSV = Path(__file__).resolve().parents[2] / "demo" / "iris.csv"


class UploadScenario:
    """Create a bucket, upload the iris CSV in parts, list it: three steps."""

    title = "upload the iris data"

    def __init__(self, server: ServerProcess, fail_listing: bool = False) -> None:
        self.server = server
        self.fail_listing = fail_listing

    def run(self, progress: ScenarioProgress) -> list[dict[str, Any]]:
        s3 = self.server.client("s3")
        progress.step_started("create bucket")
        s3.create_bucket(Bucket="scenario-data")
        progress.step_finished("create bucket", "scenario-data")

        lines = IRIS_CSV.read_text().splitlines(keepends=True)
        progress.step_started("upload iris.csv", total=len(lines))
        for n in range(0, len(lines), 50):
            s3.put_object(
                Bucket="scenario-data", Key=f"parts/{n:03d}.csv", Body="".join(lines[n : n + 50])
            )
            progress.step_progress("upload iris.csv", min(n + 50, len(lines)), len(lines))
        progress.step_finished("upload iris.csv", f"{len(lines)} lines")

        progress.step_started("list objects")
        bucket = "no-such-bucket" if self.fail_listing else "scenario-data"
        try:
            found = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        except s3.exceptions.NoSuchBucket as exc:
            progress.step_failed("list objects", str(exc), log_tail="(no container: an S3 call)")
            raise
        progress.step_finished("list objects", f"{len(found)} objects")
        return [{"Resource": o["Key"], "Bytes": o["Size"]} for o in found]


class AsyncScenario:
    """A coroutine ``run``: the app runs it on the worker thread's own loop."""

    title = "async"

    async def run(self, progress: ScenarioProgress) -> str:
        progress.step_started("wait")
        progress.step_finished("wait")
        return "nothing to summarise"


async def test_a_scenario_run_is_drawn_step_by_step(clean_server: ServerProcess) -> None:
    app = IrisOpsApp(clean_server.url, scenario=UploadScenario(clean_server))
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(ScenarioPane)
        assert app.active_tab == "scenario"
        await until(pilot, lambda: pane.outcome != "running", "the scenario to end")
        assert pane.outcome == "done" and app.scenario_outcome == "done"
        assert len(app.scenario_summary) == 4
        text = await wait_text(pilot, "upload the iris data", "create bucket", "list objects")
        assert "151 lines" in text and "4 objects" in text
        assert [s.status for s in pane.steps.values()] == ["done", "done", "done"]
        assert pane.steps["upload iris.csv"].done == 151
        summary = app.query_one("#summary")
        assert summary.display and summary.row_count == 4
        await wait_text(pilot, "parts/150.csv", "Resource", "Bytes")
        # The other panes still work beside it.
        await pilot.press("1")
        await wait_text(pilot, "no pipeline has run yet")


async def test_a_failing_step_is_shown_with_its_error(clean_server: ServerProcess) -> None:
    app = IrisOpsApp(clean_server.url, scenario=UploadScenario(clean_server, fail_listing=True))
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(ScenarioPane)
        await until(pilot, lambda: pane.outcome != "running", "the scenario to end")
        assert pane.outcome == "failed" and app.scenario_outcome == "failed"
        assert pane.steps["list objects"].status == "failed"
        assert "(no container: an S3 call)" in pane.steps["list objects"].detail
        await wait_text(pilot, "failed: NoSuchBucket", "The specified bucket does not exist")


async def test_a_coroutine_scenario_runs_on_its_own_loop(clean_server: ServerProcess) -> None:
    app = IrisOpsApp(clean_server.url, scenario=AsyncScenario())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(ScenarioPane)
        await until(pilot, lambda: pane.outcome != "running", "the scenario to end")
        assert pane.outcome == "done"
        await wait_text(pilot, "nothing to summarise")
