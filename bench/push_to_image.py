"""``git push`` to image-in-ECR through a pipeline vs the same ``docker build`` and
``docker push`` run by hand, in the same run.

One irisops server runs CodeCommit, CodePipeline, CodeBuild and ECR. A pipeline Source
(CodeCommit) -> Build (CodeBuild, privileged, ``containers/training/buildspec.yml``)
pushes ``localhost:PORT/iris-training:<commit>``. A first, untimed push puts the base
image's layers into the registry (both ways then push only the new layer). Each round
changes one line of the training sources twice (with a per-run nonce), so that neither
run finds its layer in the build cache:

- pipeline: the clock starts before ``git push`` and stops when DescribeImages shows
  the commit's tag (polled every 20 ms);
- by hand: ``docker build --build-arg BASE_IMAGE=... -t REPO:manual-N`` of the same tree
  and ``docker push`` to the same repository, logged in beforehand (untimed);
- by hand with login: the same, preceded by the buildspec's own
  ``aws ecr get-login-password | docker login`` (a build starts with no docker login,
  so the pipeline pays for it every time: context for the ratio, not its baseline).

The median of the rounds is reported, and the ratio pipeline / by hand (lower is better;
target <= 1.5x). Built images are removed at the end.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import servers
from bench.console import error_text, log
from bench.signing import client
from irisops.sdk.cicd import image_pipeline

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "containers" / "training"
NAME = "iris-training"
ROLE = "arn:aws:iam::123456789012:role/bench"
SERVICES = ["s3", "logs", "codecommit", "ecr", "codebuild", "codepipeline"]
POLL_S = 0.02
ROUND_TIMEOUT_S = 300.0


@dataclass
class Settings:
    repeats: int
    work_dir: Path


def base_image() -> str:
    if name := os.environ.get("IRISOPS_BASE_IMAGE", "").strip():
        return name
    recorded = ROOT / ".irisops" / "base-image"
    if recorded.is_file() and (words := recorded.read_text().split()):
        return words[0]
    return "python:3.12-slim"


def run_cmd(args: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: str = "") -> str:
    proc = subprocess.run(
        args, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])}: {proc.stderr.strip()[-500:]}")
    return proc.stdout.strip()


def git_env(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }


def pipeline_declaration() -> dict[str, Any]:
    return image_pipeline(NAME, NAME, role=ROLE, artifact_bucket="bench-artifacts")


def set_up(url: str, base: str) -> str:
    """Repository, project and pipeline; returns the clone URL."""
    client("ecr", url).create_repository(repositoryName=NAME)
    repo = client("codecommit", url).create_repository(repositoryName=NAME)
    client("codebuild", url).create_project(
        name=NAME,
        source={"type": "CODEPIPELINE", "buildspec": "buildspec.yml"},
        artifacts={"type": "CODEPIPELINE"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "privilegedMode": True,
            "environmentVariables": [{"name": "BASE_IMAGE", "value": base}],
        },
        serviceRole=ROLE,
    )
    codepipeline = client("codepipeline", url)
    codepipeline.create_pipeline(pipeline=pipeline_declaration())
    # Creating a pipeline runs it once (its source fails on the empty repository).
    deadline = time.monotonic() + ROUND_TIMEOUT_S
    while time.monotonic() < deadline:
        runs = codepipeline.list_pipeline_executions(pipelineName=NAME)
        if all(r["status"] != "InProgress" for r in runs["pipelineExecutionSummaries"]):
            break
        time.sleep(POLL_S)
    return str(repo["repositoryMetadata"]["cloneUrlHttp"]).replace("localhost", servers.HOST)


def docker_login(url: str, registry: str, cwd: Path) -> None:
    token = client("ecr", url).get_authorization_token()["authorizationData"][0]
    password = base64.b64decode(token["authorizationToken"]).decode().split(":", 1)[1]
    run_cmd(["docker", "login", "-u", "AWS", "--password-stdin", registry], cwd, stdin=password)


def login_with_cli(url: str, registry: str, cwd: Path) -> None:
    """``aws ecr get-login-password | docker login``, as the buildspec does it."""
    aws = Path(sys.executable).with_name("aws")
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    password = run_cmd([str(aws) if aws.exists() else "aws", "ecr", "get-login-password"], cwd, env)
    run_cmd(["docker", "login", "-u", "AWS", "--password-stdin", registry], cwd, stdin=password)


def build_and_push(tree: Path, base: str, image: str) -> None:
    run_cmd(["docker", "build", "-q", "--build-arg", f"BASE_IMAGE={base}", "-t", image, "."], tree)
    run_cmd(["docker", "push", "-q", image], tree)


def touch(tree: Path, text: str) -> None:
    """Change the image's content (a comment in ``train``) so no build cache applies."""
    train = tree / "train"
    lines = train.read_text().splitlines()
    train.write_text("\n".join([*[x for x in lines if not x.startswith("# bench:")], text]) + "\n")


def wait_for_tag(ecr: Any, tag: str) -> None:
    deadline = time.monotonic() + ROUND_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            ecr.describe_images(repositoryName=NAME, imageIds=[{"imageTag": tag}])
            return
        except ecr.exceptions.ImageNotFoundException:
            time.sleep(POLL_S)
    raise RuntimeError(f"no image tagged {tag} after {ROUND_TIMEOUT_S:.0f}s")


def run(settings: Settings) -> dict[str, Any]:
    work = settings.work_dir
    work.mkdir(parents=True, exist_ok=True)
    env = git_env(work / "home")
    out: dict[str, Any] = {
        "repeats": settings.repeats,
        "seconds": {"pipeline": [], "manual": [], "manual_login": []},
    }
    built: list[str] = []
    base = base_image()
    try:
        with servers.irisops(work / "irisops-data", SERVICES) as running:
            registry = f"localhost:{running.url.rsplit(':', 1)[1]}"
            clone_url = set_up(running.url, base)
            ecr = client("ecr", running.url)
            docker_login(running.url, registry, work)
            tree = work / "source"
            shutil.copytree(SOURCE, tree)
            run_cmd(["git", "init", "-q", "-b", "main"], tree, env)
            run_cmd(["git", "add", "."], tree, env)
            run_cmd(["git", "commit", "-q", "-m", "iris training"], tree, env)
            nonce = secrets.token_hex(4)
            for index in range(-1, settings.repeats):
                touch(tree, f"# bench: pipeline round {index} {nonce}")
                run_cmd(["git", "commit", "-q", "-a", "-m", f"round {index}"], tree, env)
                commit = run_cmd(["git", "rev-parse", "HEAD"], tree, env)
                built += [f"{registry}/{NAME}:{commit}", f"{registry}/{NAME}:latest"]
                os.sync()
                started = time.perf_counter()
                run_cmd(["git", "push", "-q", clone_url, "main"], tree, env)
                wait_for_tag(ecr, commit)
                if index < 0:
                    log("push-to-image: warm-up push done (base layers in the registry)")
                    continue
                out["seconds"]["pipeline"].append(time.perf_counter() - started)

                for series, login in (("manual", False), ("manual_login", True)):
                    touch(tree, f"# bench: {series} round {index} {nonce}")
                    image = f"{registry}/{NAME}:{series.replace('_', '-')}-{index}"
                    built.append(image)
                    os.sync()
                    started = time.perf_counter()
                    if login:
                        login_with_cli(running.url, registry, tree)
                    build_and_push(tree, base, image)
                    out["seconds"][series].append(time.perf_counter() - started)
                run_cmd(["git", "checkout", "-q", "--", "train"], tree, env)
                log(
                    f"push-to-image round {index + 1}/{settings.repeats}: "
                    f"pipeline {out['seconds']['pipeline'][-1]:.2f} s, "
                    f"by hand {out['seconds']['manual'][-1]:.2f} s, "
                    f"with login {out['seconds']['manual_login'][-1]:.2f} s"
                )
    except Exception as exc:  # a failed bench is reported, not raised
        out["error"] = error_text(exc)
    finally:
        if built:
            subprocess.run(["docker", "rmi", "-f", *built], capture_output=True, timeout=300)
    return out
