"""``irisops demo`` end to end on the real stack (git, CodePipeline, CodeBuild with
docker, ECR, SageMaker containers), and a run whose image build fails: the step, the
reason and the build log's tail are printed and the exit status is 1."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from irisops.scenario.demo import run_demo
from tests.docker_engine import DockerEngine

pytestmark = pytest.mark.docker
REPO = Path(__file__).resolve().parents[2]
STEP_TITLES = (
    "start the irisops server",
    "create CodeCommit repositories and pipelines",
    "git push containers/training and containers/inference",
    "pipelines build both images and push them to ECR",
    "upload demo/iris.csv to S3",
    "train the model (SageMaker training job)",
    "create Model -> EndpointConfig -> Endpoint",
    "invoke the endpoint with a sample of each species",
    "UpdateEndpoint to a second config (2 instances)",
    "batch transform of the whole data set",
    "processing job: evaluate the model",
)


def test_irisops_demo_runs_the_scenario_end_to_end(docker_engine: DockerEngine) -> None:
    env = {**os.environ, "IRISOPS_BASE_IMAGE": docker_engine.base_image, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "irisops", "demo"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    for index, title in enumerate(STEP_TITLES, 1):
        assert f"ok [{index:>2}/{len(STEP_TITLES)}] {title}" in out, out
    assert "iris demo passed in" in out
    # The summary: resources with their final statuses, the predictions of both configs.
    for line in ("iris-endpoint", "InService", "iris-training-job", "Completed", "Succeeded"):
        assert line in out
    for species in ("setosa", "versicolor", "virginica"):
        assert out.count(f"{species} ") >= 4, out  # expected and predicted, two configs
    assert "150/150" not in out and "/150 rows right" in out
    assert "accuracy 0.9" in out


def test_a_failing_build_names_the_step_and_shows_the_build_log(
    docker_engine: DockerEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "checkout"
    shutil.copytree(REPO / "containers", root / "containers")
    shutil.copytree(REPO / "demo", root / "demo")
    dockerfile = root / "containers" / "training" / "Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text() + "RUN echo 'iris image broken on purpose' && exit 7\n"
    )

    status = run_demo(root=root, base_image=docker_engine.base_image)
    out = capsys.readouterr().out
    assert status == 1, out
    assert "FAILED [ 4/11] pipelines build both images and push them to ECR" in out
    assert "why: pipeline iris-training execution" in out
    assert "is Failed: stage Build, action Image:" in out
    assert "last log lines:" in out and "iris image broken on purpose" in out
    assert "iris demo FAILED at 'pipelines build both images and push them to ECR'" in out
