"""``irisops demo --tui``'s pairing for real: the iris scenario (irisops.scenario, real
git, CodePipeline, CodeBuild, ECR, SageMaker containers) run inside the dashboard, its
steps drawn in the Scenario pane, the other panes attached to the scenario's server."""

from __future__ import annotations

import pytest

from irisops.scenario.demo import make_scenario, not_ready
from irisops.tui.app import IrisOpsApp
from irisops.tui.screens.scenario import ScenarioPane
from tests.docker_engine import DockerEngine
from tests.tui.scene import until, wait_text

STEPS = [
    "server",
    "repositories",
    "push",
    "pipelines",
    "data",
    "training",
    "endpoint",
    "predict",
    "update",
    "transform",
    "processing",
]


@pytest.mark.docker
async def test_the_iris_scenario_runs_inside_the_dashboard(docker_engine: DockerEngine) -> None:
    scenario = make_scenario(base_image=docker_engine.base_image, keep_server=True)
    assert not_ready(scenario) is None
    app = IrisOpsApp(None, scenario=scenario)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            pane = app.query_one(ScenarioPane)
            await until(pilot, lambda: pane.outcome != "running", "the scenario to end", 300)
            assert pane.outcome == "done", [(key, step.status) for key, step in pane.steps.items()]
            assert list(pane.steps) == STEPS
            assert all(step.status == "done" for step in pane.steps.values())
            predictions = pane.summary.predictions
            assert {p.expected for p in predictions} == {"setosa", "versicolor", "virginica"}
            assert all(p.predicted == p.expected for p in predictions)
            # The dashboard attached to the scenario's server: its panes show the run.
            assert app.live and app.endpoint_url == scenario.stack.endpoint_url
            await pilot.press("4")
            await wait_text(pilot, "InService")
    finally:
        scenario.stack.stop()
