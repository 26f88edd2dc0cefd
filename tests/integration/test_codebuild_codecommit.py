"""CODECOMMIT sources end to end: a repository pushed with the real git CLI, cloned by
the build from ``http://localhost:PORT/v1/repos/<name>`` and checked out at the
StartBuild sourceVersion (branch, tag, commit id or the default branch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.codebuild_helpers import create_project, log_lines, wait_build
from tests.integration.git_cli import Git

SPEC = """version: 0.2
env:
  exported-variables: [CONTENT, RESOLVED, SOURCE_VERSION, REPO_URL]
phases:
  build:
    commands:
      - export CONTENT=$(cat app.txt)
      - export RESOLVED=$CODEBUILD_RESOLVED_SOURCE_VERSION
      - export SOURCE_VERSION=$CODEBUILD_SOURCE_VERSION
      - export REPO_URL=$CODEBUILD_SOURCE_REPO_URL
"""


@pytest.fixture
def pushed(client: Any, tmp_path: Path) -> dict[str, Any]:
    cc = client("codecommit")
    meta = cc.create_repository(repositoryName="iris-app")["repositoryMetadata"]
    git = Git(tmp_path)
    work = git.clone(meta["cloneUrlHttp"], "work")
    (work / "buildspec.yml").write_text(SPEC)
    git("add", "buildspec.yml", cwd=work)
    first = git.commit_file(work, "app.txt", "one", "first")
    git("tag", "v1", cwd=work)
    main = git.commit_file(work, "app.txt", "two", "second")
    git("push", "-q", "origin", "HEAD:main", "v1", cwd=work)
    git("checkout", "-q", "-b", "feature", first, cwd=work)
    feature = git.commit_file(work, "app.txt", "feature", "on a branch")
    git("push", "-q", "origin", "feature", cwd=work)
    return {"url": meta["cloneUrlHttp"], "first": first, "main": main, "feature": feature}


def exported(build: dict[str, Any]) -> dict[str, str]:
    return {v["name"]: v["value"] for v in build["exportedEnvironmentVariables"]}


@pytest.mark.parametrize(
    ("version", "commit", "content"),
    [
        (None, "main", "two"),
        ("refs/heads/feature", "feature", "feature"),
        ("v1", "first", "one"),
        ("first", "first", "one"),
    ],
)
def test_build_checks_out_the_source_version(
    client: Any, pushed: dict[str, Any], version: str | None, commit: str, content: str
) -> None:
    cb = client("codebuild")
    create_project(cb, "from-git", source={"type": "CODECOMMIT", "location": pushed["url"]})
    params: dict[str, Any] = {"projectName": "from-git"}
    if version is not None:
        params["sourceVersion"] = pushed[version] if version == "first" else version
    build = wait_build(cb, cb.start_build(**params)["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED", log_lines(client("logs"), build)
    assert build["resolvedSourceVersion"] == pushed[commit]
    values = exported(build)
    assert values["CONTENT"] == content
    assert values["RESOLVED"] == pushed[commit]
    assert values["SOURCE_VERSION"] == params.get("sourceVersion", "")
    assert values["REPO_URL"] == pushed["url"]


def test_unknown_repository_or_version_fails_download_source(
    client: Any, pushed: dict[str, Any]
) -> None:
    cb = client("codebuild")
    missing = pushed["url"].replace("iris-app", "no-such-repo")
    create_project(cb, "ghost-repo", source={"type": "CODECOMMIT", "location": missing})
    create_project(cb, "real-repo", source={"type": "CODECOMMIT", "location": pushed["url"]})
    for project, version in (("ghost-repo", "main"), ("real-repo", "no-such-branch")):
        build = wait_build(
            cb, cb.start_build(projectName=project, sourceVersion=version)["build"]["id"]
        )
        assert build["buildStatus"] == "FAILED"
        download = next(p for p in build["phases"] if p["phaseType"] == "DOWNLOAD_SOURCE")
        assert download["phaseStatus"] == "FAILED"
        assert download["contexts"][0]["statusCode"] == "CLIENT_ERROR"
