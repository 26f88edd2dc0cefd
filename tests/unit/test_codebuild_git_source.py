"""The CODECOMMIT clone step against a bare repository served over ``file://``: the
git CLI clones and checks out a branch, a tag or a commit, as a build's DOWNLOAD_SOURCE
does against ``http://localhost:PORT/v1/repos/<name>``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from irisops.engines.codebuild.sources import SourceError, codecommit_repository, git_checkout


def git(*args: str, cwd: Path) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(cwd),
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def bare(tmp_path: Path) -> tuple[str, dict[str, str]]:
    work = tmp_path / "work"
    work.mkdir()
    git("init", "-q", "-b", "main", cwd=work)
    (work / "file.txt").write_text("one\n")
    git("add", "file.txt", cwd=work)
    git("commit", "-q", "-m", "one", cwd=work)
    first = git("rev-parse", "HEAD", cwd=work)
    git("tag", "v1", cwd=work)
    (work / "file.txt").write_text("two\n")
    git("commit", "-q", "-am", "two", cwd=work)
    main = git("rev-parse", "HEAD", cwd=work)
    git("checkout", "-q", "-b", "feature", first, cwd=work)
    (work / "file.txt").write_text("feature\n")
    git("commit", "-q", "-am", "feature", cwd=work)
    feature = git("rev-parse", "HEAD", cwd=work)
    git("checkout", "-q", "main", cwd=work)
    git("clone", "-q", "--bare", str(work), str(tmp_path / "repo.git"), cwd=tmp_path)
    return f"file://{tmp_path / 'repo.git'}", {"main": main, "v1": first, "feature": feature}


@pytest.mark.parametrize(
    ("version", "commit", "content"),
    [
        ("", "main", "two\n"),
        ("main", "main", "two\n"),
        ("refs/heads/feature", "feature", "feature\n"),
        ("feature", "feature", "feature\n"),
        ("v1", "v1", "one\n"),
        ("refs/tags/v1", "v1", "one\n"),
    ],
)
async def test_checkout_of_branch_tag_or_default(
    bare: tuple[str, dict[str, str]], tmp_path: Path, version: str, commit: str, content: str
) -> None:
    url, commits = bare
    dest = tmp_path / "src"
    assert await git_checkout(url, version, dest) == commits[commit]
    assert (dest / "file.txt").read_text() == content


async def test_checkout_of_a_commit_id(bare: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    url, commits = bare
    dest = tmp_path / "src"
    assert await git_checkout(url, commits["v1"], dest) == commits["v1"]
    assert (dest / "file.txt").read_text() == "one\n"


async def test_unknown_version_and_repository(
    bare: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, _ = bare
    with pytest.raises(SourceError, match="source version nope"):
        await git_checkout(url, "nope", tmp_path / "a")
    with pytest.raises(SourceError, match="repository not found"):
        await git_checkout(f"file://{tmp_path}/missing.git", "", tmp_path / "b")


def test_repository_name_from_location() -> None:
    assert (
        codecommit_repository("https://git-codecommit.us-east-1.amazonaws.com/v1/repos/iris")
        == "iris"
    )
    assert codecommit_repository("http://localhost:4566/v1/repos/iris-app") == "iris-app"
    assert codecommit_repository("iris") == "iris"
