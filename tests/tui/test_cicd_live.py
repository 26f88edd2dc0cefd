"""The dashboard against a real server, no Docker: a pipeline Source → Build →
Approval runs and is drawn live (stages, build log), the approval is taken from the
Approvals pane, the execution's new status appears without a restart; ECR images
pushed meanwhile appear in the Registry pane."""

from __future__ import annotations

from irisops.sdk.server import ServerProcess
from irisops.tui.app import IrisOpsApp
from irisops.tui.screens.help import HelpScreen
from irisops.tui.widgets.log_tail import LogTail
from tests.codepipeline_waits import only_execution, wait_status
from tests.tui.scene import (
    BUILD_LINE,
    PIPELINE,
    create_pipeline,
    in_thread,
    push_images,
    screen_text,
    until,
    wait_text,
)


async def test_pipeline_build_log_and_approval_live(clean_server: ServerProcess) -> None:
    app = IrisOpsApp(clean_server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_text(pilot, "no pipeline has run yet")
        assert app.feed.connected.wait(10)

        cp = await in_thread(create_pipeline, clean_server.client)
        execution = await in_thread(only_execution, cp, PIPELINE)
        # Drawn as it runs: the build passed, the approval waits (● running).
        await wait_text(pilot, PIPELINE, execution[:8], "✔ Build → ● Approval")
        tail = app.query_one("#build-log", LogTail)
        await until(pilot, lambda: any(BUILD_LINE in line for line in tail.text), "the build log")

        digests = await in_thread(push_images, clean_server)
        await pilot.press("2")
        text = await wait_text(pilot, "iris-inference", "v1", "v2")
        assert digests[0].removeprefix("sha256:")[:12] in text
        assert "1 repositories, 2 images" in text

        await pilot.press("6")
        await wait_text(pilot, PIPELINE, "Approval", execution[:8], "a Approve")
        await pilot.press("a")
        await wait_text(pilot, f"approved: {PIPELINE} / Approval")
        done = await in_thread(wait_status, cp, PIPELINE, execution, "Succeeded", "Failed")
        assert done["status"] == "Succeeded"
        await wait_text(pilot, "no approval waiting")

        await pilot.press("1")
        await wait_text(pilot, "Succeeded", "✔ Approval", absent="InProgress")
        assert app.inbox.total > 0

        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "approve / reject the selected approval" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_rejecting_an_approval_fails_the_execution(clean_server: ServerProcess) -> None:
    app = IrisOpsApp(clean_server.url)
    async with app.run_test(size=(100, 30)) as pilot:
        cp = await in_thread(create_pipeline, clean_server.client, "to-reject")
        execution = await in_thread(only_execution, cp, "to-reject")
        await pilot.press("6")
        await wait_text(pilot, "to-reject", execution[:8])
        await pilot.click("#approval-summary")
        await pilot.press(*"not today")
        await pilot.click("#reject")
        await wait_text(pilot, "rejected: to-reject / Approval")
        done = await in_thread(wait_status, cp, "to-reject", execution, "Succeeded", "Failed")
        assert done["status"] == "Failed"
        details = await in_thread(
            cp.list_action_executions,
            pipelineName="to-reject",
            filter={"pipelineExecutionId": execution},
        )
        (decided,) = [d for d in details["actionExecutionDetails"] if d["stageName"] == "Approval"]
        assert decided["output"]["executionResult"]["externalExecutionSummary"] == "not today"
        await pilot.press("1")
        await wait_text(pilot, "Failed", "✘ Approval")
