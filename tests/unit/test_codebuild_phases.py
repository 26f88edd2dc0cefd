"""Phase transitions as CodeBuild reports them, from the transition table and from a
real runner executing buildspecs on the host (no server: the runner's save callback
collects each persisted document)."""

from __future__ import annotations

import copy
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from irisops.engines.buildspec.phases import next_phase
from irisops.engines.codebuild.plan import BuildPlan
from irisops.engines.codebuild.runner import BuildRunner


@pytest.mark.parametrize(
    ("phase", "ok", "on_failure", "expected"),
    [
        ("DOWNLOAD_SOURCE", True, "ABORT", "INSTALL"),
        ("DOWNLOAD_SOURCE", False, "ABORT", "FINALIZING"),
        ("INSTALL", False, "ABORT", "FINALIZING"),
        ("INSTALL", False, "CONTINUE", "PRE_BUILD"),
        ("PRE_BUILD", False, "ABORT", "FINALIZING"),
        ("BUILD", False, "ABORT", "POST_BUILD"),
        ("POST_BUILD", False, "ABORT", "UPLOAD_ARTIFACTS"),
        ("UPLOAD_ARTIFACTS", False, "ABORT", "FINALIZING"),
        ("FINALIZING", True, "ABORT", "COMPLETED"),
    ],
)
def test_transition_table(phase: str, ok: bool, on_failure: str, expected: str) -> None:
    assert next_phase(phase, ok, on_failure) == expected


async def run_build(
    tmp_path: Path, buildspec: str, **plan_fields: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    saved: list[dict[str, Any]] = []

    async def save(doc: dict[str, Any], anchor_pid: int | None) -> None:
        saved.append(copy.deepcopy(doc))

    now = time.time()
    fields: dict[str, Any] = {"source_type": "NO_SOURCE", "buildspec": buildspec}
    fields.update(plan_fields)
    plan = BuildPlan(
        build_id="proj:uuid-1",
        uuid="uuid-1",
        arn="arn:aws:codebuild:us-east-1:123456789012:build/proj:uuid-1",
        account="123456789012",
        region="us-east-1",
        project_name="proj",
        build_number=1,
        work_dir=tmp_path / "build",
        **fields,
    )
    doc = {
        "id": plan.build_id,
        "arn": plan.arn,
        "startTime": now,
        "projectName": "proj",
        "currentPhase": "SUBMITTED",
        "buildStatus": "IN_PROGRESS",
        "phases": [{"phaseType": "SUBMITTED", "startTime": now}],
    }
    runner = BuildRunner(
        plan, doc, save=save, s3=None, logs=None, endpoint_url="http://127.0.0.1:1"
    )
    await runner.run()
    return runner.build, saved


def statuses(build: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(p["phaseType"], p.get("phaseStatus")) for p in build["phases"]]


SUCCEEDED_PREFIX = [
    ("SUBMITTED", "SUCCEEDED"),
    ("QUEUED", "SUCCEEDED"),
    ("PROVISIONING", "SUCCEEDED"),
    ("DOWNLOAD_SOURCE", "SUCCEEDED"),
]


async def test_success_walks_every_phase(tmp_path: Path) -> None:
    build, saved = await run_build(
        tmp_path, "version: 0.2\nphases:\n  build:\n    commands:\n      - 'true'\n"
    )
    assert build["buildStatus"] == "SUCCEEDED"
    assert build["currentPhase"] == "COMPLETED"
    assert build["buildComplete"] is True
    assert statuses(build) == [
        *SUCCEEDED_PREFIX,
        ("INSTALL", "SUCCEEDED"),
        ("PRE_BUILD", "SUCCEEDED"),
        ("BUILD", "SUCCEEDED"),
        ("POST_BUILD", "SUCCEEDED"),
        ("UPLOAD_ARTIFACTS", "SUCCEEDED"),
        ("FINALIZING", "SUCCEEDED"),
        ("COMPLETED", None),
    ]
    # persisted at every phase change, the last save is the completed build
    persisted = [doc["currentPhase"] for doc in saved]
    assert list(dict.fromkeys(persisted)) == [p for p, _ in statuses(build)[1:]]
    assert saved[-1]["buildStatus"] == "SUCCEEDED"
    assert all(doc["buildStatus"] == "IN_PROGRESS" for doc in saved[:-1])


async def test_pre_build_failure_skips_to_finalizing(tmp_path: Path) -> None:
    spec = """version: 0.2
phases:
  pre_build:
    commands:
      - exit 4
      - echo never
    finally:
      - echo finally-ran > $CODEBUILD_SRC_DIR/../finally.txt
  build:
    commands:
      - touch $CODEBUILD_SRC_DIR/../build-ran
"""
    build, _ = await run_build(tmp_path, spec)
    assert build["buildStatus"] == "FAILED"
    assert statuses(build) == [
        *SUCCEEDED_PREFIX,
        ("INSTALL", "SUCCEEDED"),
        ("PRE_BUILD", "FAILED"),
        ("FINALIZING", "SUCCEEDED"),
        ("COMPLETED", None),
    ]
    context = build["phases"][5]["contexts"][0]
    assert context == {
        "statusCode": "COMMAND_EXECUTION_ERROR",
        "message": "Error while executing command: exit 4. Reason: exit status 4",
    }


async def test_build_failure_still_runs_post_build(tmp_path: Path) -> None:
    marker = tmp_path / "post.txt"
    spec = f"""version: 0.2
phases:
  build:
    commands:
      - echo building
      - exit 1
  post_build:
    commands:
      - echo "succeeding=$CODEBUILD_BUILD_SUCCEEDING" > {marker}
"""
    build, _ = await run_build(tmp_path, spec)
    assert build["buildStatus"] == "FAILED"
    assert ("BUILD", "FAILED") in statuses(build)
    assert ("POST_BUILD", "SUCCEEDED") in statuses(build)
    assert ("UPLOAD_ARTIFACTS", "SUCCEEDED") in statuses(build)
    assert marker.read_text() == "succeeding=0\n"


async def test_on_failure_continue_goes_on(tmp_path: Path) -> None:
    marker = tmp_path / "built"
    spec = f"""version: 0.2
phases:
  install:
    on-failure: CONTINUE
    commands:
      - 'false'
  build:
    commands:
      - touch {marker}
"""
    build, _ = await run_build(tmp_path, spec)
    assert build["buildStatus"] == "FAILED"
    assert ("INSTALL", "FAILED") in statuses(build)
    assert ("BUILD", "SUCCEEDED") in statuses(build)
    assert marker.exists()


async def test_invalid_buildspec_is_a_yaml_file_error(tmp_path: Path) -> None:
    build, _ = await run_build(tmp_path, "version: 0.2\nphases:\n  compile:\n    commands: [x]\n")
    assert build["buildStatus"] == "FAILED"
    assert statuses(build) == [
        *SUCCEEDED_PREFIX[:3],
        ("DOWNLOAD_SOURCE", "FAILED"),
        ("FINALIZING", "SUCCEEDED"),
        ("COMPLETED", None),
    ]
    context = build["phases"][3]["contexts"][0]
    assert context["statusCode"] == "YAML_FILE_ERROR"
    assert "unknown phase 'compile'" in context["message"]


async def test_missing_buildspec_file(tmp_path: Path) -> None:
    build, _ = await run_build(tmp_path, "ci/buildspec.yml")
    context = build["phases"][3]["contexts"][0]
    assert context["statusCode"] == "YAML_FILE_ERROR"
    assert "ci/buildspec.yml: no such file or directory" in context["message"]


@pytest.fixture
def git_server(tmp_path: Path) -> tuple[Path, str]:
    """A directory laid out as ``<base>/v1/repos/iris`` (bare) and the commit in it."""
    repos = tmp_path / "git" / "v1" / "repos"
    work = tmp_path / "work"
    work.mkdir()
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
        "PATH": "/usr/bin:/bin",
        "HOME": str(work),
    }
    (work / "buildspec.yml").write_text(
        "version: 0.2\nenv:\n  exported-variables: [COMMIT]\nphases:\n  build:\n"
        "    commands:\n      - export COMMIT=$CODEBUILD_RESOLVED_SOURCE_VERSION\n"
    )
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "one"]):
        subprocess.run(["git", *args], cwd=work, env=env, check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=work, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    repos.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(repos / "iris")], check=True)
    return tmp_path / "git", commit


async def test_codecommit_source_from_an_injected_clone_url(
    tmp_path: Path, git_server: tuple[Path, str]
) -> None:
    """DOWNLOAD_SOURCE clones ``<git base>/v1/repos/<name>`` and records the commit."""
    base, commit = git_server
    build, _ = await run_build(
        tmp_path,
        None,
        source_type="CODECOMMIT",
        source_location="https://git-codecommit.us-east-1.amazonaws.com/v1/repos/iris",
        source_version="refs/heads/main",
        git_base_url=f"file://{base}",
    )
    assert build["buildStatus"] == "SUCCEEDED", build["phases"]
    assert build["resolvedSourceVersion"] == commit
    assert build["exportedEnvironmentVariables"] == [{"name": "COMMIT", "value": commit}]
