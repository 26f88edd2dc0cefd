"""The real docker CLI against irisops' registry: login, push and pull of a multi-layer
image with identical digests, what DescribeImages reports, wrong passwords, missing
repositories, immutable tags, a manifest list, and ensure_local_image for both reference
forms."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web

from irisops.config import Config
from irisops.core.context import RequestContext
from irisops.engines.images import ImageUnavailable, ensure_local_image
from irisops.gateway.app import RUNTIME, make_app
from irisops.sdk.server import ServerProcess

if TYPE_CHECKING:
    from tests.docker_engine import DockerEngine

pytestmark = pytest.mark.docker

TIMEOUT_S = 300
DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN python -c "import os; open('/layer-one.bin', 'wb').write(os.urandom(3_000_000))"
RUN python -c "import os; open('/layer-two.bin', 'wb').write(os.urandom(2_000_000))"
COPY marker.txt /marker.txt
"""


def docker(
    *args: str, config: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCKER_CONFIG": str(config)} if config is not None else None
    return subprocess.run(
        ["docker", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
        input=stdin,
        env=env,
    )


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def build_image(base_image: str, context: Path, tag: str) -> str:
    """A fresh image of three layers on the base; returns its image id."""
    context.mkdir(parents=True, exist_ok=True)
    (context / "Dockerfile").write_text(DOCKERFILE)
    (context / "marker.txt").write_text(f"{uuid.uuid4()}\n")
    ok(docker("build", "-q", "--build-arg", f"BASE_IMAGE={base_image}", "-t", tag, str(context)))
    return ok(docker("image", "inspect", "--format", "{{.Id}}", tag)).strip()


def password_of(token: str) -> str:
    return base64.b64decode(token).decode().partition(":")[2]


def aws_cli_password(server: ServerProcess) -> str:
    """``aws ecr get-login-password`` (the real awscli) against the server."""
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": server.url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("aws")), "ecr", "get-login-password"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture
def image_name() -> Iterator[str]:
    name = f"irisops-test/ecr-{uuid.uuid4().hex[:10]}"
    yield name
    ids = ok(docker("images", "-q", "--filter", f"reference=*/{name}*")).split()
    ids += ok(docker("images", "-q", "--filter", f"reference={name}*")).split()
    if ids:
        docker("rmi", "-f", *sorted(set(ids)))


def pushed_digest(output: str) -> str:
    match = re.search(r"digest: (sha256:[0-9a-f]{64})", output)
    assert match, output
    return match.group(1)


def test_login_push_pull_round_trip(
    docker_engine: DockerEngine, clean_server: ServerProcess, image_name: str, tmp_path: Path
) -> None:
    ecr = clean_server.client("ecr")
    uri = ecr.create_repository(repositoryName=image_name)["repository"]["repositoryUri"]
    host = uri.split("/", 1)[0]
    assert host == f"localhost:{clean_server.port}"
    config = tmp_path / "docker-config"
    wrong = docker("login", "-u", "AWS", "--password-stdin", host, config=config, stdin="nope")
    assert wrong.returncode != 0
    data = ecr.get_authorization_token()["authorizationData"][0]
    assert data["proxyEndpoint"] == f"http://{host}"
    assert password_of(data["authorizationToken"])
    password = aws_cli_password(clean_server)
    ok(docker("login", "-u", "AWS", "--password-stdin", host, config=config, stdin=password))

    image_id = build_image(docker_engine.base_image, tmp_path / "ctx", f"{uri}:v1")
    digest = pushed_digest(ok(docker("push", f"{uri}:v1", config=config)))
    repo_digest = ok(docker("inspect", "--format", "{{index .RepoDigests 0}}", f"{uri}:v1"))
    assert repo_digest.strip() == f"{uri}@{digest}"

    details = ecr.describe_images(repositoryName=image_name)["imageDetails"]
    assert [(d["imageDigest"], d["imageTags"]) for d in details] == [(digest, ["v1"])]
    assert details[0]["imageManifestMediaType"] == (
        "application/vnd.docker.distribution.manifest.v2+json"
    )
    assert details[0]["artifactMediaType"] == "application/vnd.docker.container.image.v1+json"
    assert details[0]["imageSizeInBytes"] > 5_000_000  # the two random layers, compressed
    manifest = ecr.batch_get_image(repositoryName=image_name, imageIds=[{"imageTag": "v1"}])
    layers = json.loads(manifest["images"][0]["imageManifest"])["layers"]
    assert len(layers) >= 4  # the base's layer(s) plus three of ours

    ok(docker("rmi", "-f", image_id))
    ok(docker("pull", f"{uri}:v1", config=config))
    assert ok(docker("image", "inspect", "--format", "{{.Id}}", f"{uri}:v1")).strip() == image_id
    repo_digest = ok(docker("inspect", "--format", "{{index .RepoDigests 0}}", f"{uri}:v1"))
    assert repo_digest.strip() == f"{uri}@{digest}"
    ok(docker("pull", f"{uri}@{digest}", config=config))

    # A manifest list over the pushed image (docker keeps it in the private config dir).
    ok(docker("manifest", "create", "--insecure", f"{uri}:multi", f"{uri}:v1", config=config))
    list_digest = ok(docker("manifest", "push", "--insecure", f"{uri}:multi", config=config))
    listed = ecr.describe_images(repositoryName=image_name, imageIds=[{"imageTag": "multi"}])
    detail = listed["imageDetails"][0]
    assert detail["imageDigest"] == list_digest.strip()
    assert detail["imageManifestMediaType"] == (
        "application/vnd.docker.distribution.manifest.list.v2+json"
    )
    assert detail["imageSizeInBytes"] == details[0]["imageSizeInBytes"]
    ok(docker("pull", f"{uri}:multi", config=config))

    missing = f"{host}/{image_name}-missing:v1"
    ok(docker("tag", f"{uri}:v1", missing))
    refused = docker("push", missing, config=config)
    assert refused.returncode != 0
    assert "does not exist in the registry" in refused.stdout + refused.stderr

    frozen = ecr.create_repository(
        repositoryName=f"{image_name}-frozen", imageTagMutability="IMMUTABLE"
    )["repository"]["repositoryUri"]
    ok(docker("tag", f"{uri}:v1", f"{frozen}:v1"))
    ok(docker("push", f"{frozen}:v1", config=config))
    rebuilt = build_image(docker_engine.base_image, tmp_path / "ctx2", f"{frozen}:v1")
    assert rebuilt != image_id
    again = docker("push", f"{frozen}:v1", config=config)
    assert again.returncode != 0
    assert "immutable" in again.stdout + again.stderr
    frozen_images = ecr.describe_images(repositoryName=f"{image_name}-frozen")["imageDetails"]
    assert [d["imageDigest"] for d in frozen_images] == [digest]


@pytest.fixture
async def app_server(tmp_path: Path) -> AsyncIterator[web.Application]:
    """The whole irisops app in this test's loop, so that ensure_local_image runs
    against the runtime of the server whose registry it pulls from."""
    config = Config(host="127.0.0.1", port=0, data_dir=tmp_path / "data", fsync=False)
    app = make_app(config)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, config.host, 0)
    await site.start()
    assert site._server is not None
    config.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield app
    finally:
        await runner.cleanup()


async def adocker(*args: str, config: Path | None = None, stdin: str | None = None) -> str:
    env = {**os.environ, "DOCKER_CONFIG": str(config)} if config is not None else None
    proc = await asyncio.create_subprocess_exec(
        "docker",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(
        proc.communicate(stdin.encode() if stdin else None), TIMEOUT_S
    )
    assert proc.returncode == 0, (out + err).decode()
    return out.decode()


async def test_ensure_local_image_both_reference_forms(
    docker_engine: DockerEngine, app_server: web.Application, image_name: str, tmp_path: Path
) -> None:
    runtime = app_server[RUNTIME]
    ecr: Any = runtime.services["ecr"]
    ctx = RequestContext(service="ecr", operation="Test")
    await ecr.create_repository(ctx, {"repositoryName": image_name})
    host = f"localhost:{runtime.config.port}"
    config = tmp_path / "docker-config"
    auth = ecr.registry_auth(ctx.account, ctx.region)
    await adocker(
        "login", "-u", "AWS", "--password-stdin", host, config=config, stdin=auth["password"]
    )
    reference = f"{host}/{image_name}:v1"
    image_id = await asyncio.to_thread(
        build_image, docker_engine.base_image, tmp_path / "ctx", reference
    )
    digest = pushed_digest(await adocker("push", reference, config=config))
    await adocker("rmi", "-f", image_id)

    assert await ensure_local_image(runtime, reference) == reference
    assert (await adocker("image", "inspect", "--format", "{{.Id}}", reference)).strip() == image_id
    await adocker("rmi", "-f", image_id)

    aws_style = f"{ctx.account}.dkr.ecr.{ctx.region}.amazonaws.com/{image_name}@{digest}"
    local = await ensure_local_image(runtime, aws_style)
    assert local == f"{host}/{image_name}@{digest}"
    assert (await adocker("image", "inspect", "--format", "{{.Id}}", local)).strip() == image_id
    tagged = f"{ctx.account}.dkr.ecr.{ctx.region}.amazonaws.com/{image_name}:v1"
    assert await ensure_local_image(runtime, tagged) == reference

    assert await ensure_local_image(runtime, docker_engine.base_image) == docker_engine.base_image
    with pytest.raises(ImageUnavailable):
        await ensure_local_image(runtime, f"{host}/{image_name}:no-such-tag")
    with pytest.raises(ImageUnavailable):
        await ensure_local_image(runtime, f"{image_name}-not-local:latest")
    with pytest.raises(ImageUnavailable):
        await ensure_local_image(runtime, f"{host}/no/such/repository:v1")
