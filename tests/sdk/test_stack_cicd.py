"""build_image: the inference image through CodeCommit, CodePipeline, CodeBuild and
ECR, then served from ECR by an endpoint."""

from __future__ import annotations

import pytest

from irisops.sdk import Stack
from tests.docker_engine import DockerEngine
from tests.integration.sagemaker_endpoint_setup import VIRGINICA, model_tarball
from tests.sdk.readme import REPO

pytestmark = pytest.mark.docker


async def test_build_image_then_serve_it(
    irisops_clean_stack: Stack, docker_engine: DockerEngine
) -> None:
    stack = irisops_clean_stack
    progress: list[str] = []
    uri = await stack.build_image(
        REPO / "containers" / "inference",
        "iris-inference",
        base_image=docker_engine.base_image,
        on_progress=progress.append,
    )
    repository, commit = uri.rsplit(":", 1)
    assert repository == f"{stack.registry}/iris-inference"
    branch = await stack.call(
        "codecommit", "get_branch", repositoryName="iris-inference", branchName="main"
    )
    assert branch["branch"]["commitId"] == commit
    images = await stack.call("ecr", "describe_images", repositoryName="iris-inference")
    assert {commit, "latest"} <= {t for i in images["imageDetails"] for t in i["imageTags"]}
    assert "stage Build Succeeded" in progress

    data = await stack.upload(model_tarball(), "s3://models/iris/model.tar.gz")
    await stack.create_model("iris", uri, data)
    await stack.deploy("iris", "iris")
    assert (await stack.predict("iris", {"features": VIRGINICA}))["prediction"] == "virginica"
