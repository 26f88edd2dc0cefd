"""CodeCommit through the real git CLI and real boto3: pushes seen by the API, API
commits seen by clones and fetches, ref events on the SSE stream, gzip requests."""

from __future__ import annotations

import gzip
import stat
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from irisops.sdk.server import ServerProcess
from tests.event_stream import listen
from tests.integration.git_cli import Git


@pytest.fixture
def git(tmp_path: Path) -> Git:
    return Git(tmp_path)


def create(server: ServerProcess, name: str) -> tuple[Any, str]:
    cc = server.client("codecommit")
    meta = cc.create_repository(repositoryName=name)["repositoryMetadata"]
    return cc, meta["cloneUrlHttp"]


def test_push_is_seen_by_the_api_and_a_second_clone(clean_server: ServerProcess, git: Git) -> None:
    cc, url = create(clean_server, "pushed")
    assert url == f"http://localhost:{clean_server.port}/v1/repos/pushed"
    work = git.clone(url, "work")
    first = git.commit_file(work, "README.md", "hello\n", "first")
    (work / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (work / "run.sh").chmod(0o755)
    second = git.commit_file(work, "src/app.py", "print(1)\n", "second")
    git("add", "run.sh", cwd=work)
    git("commit", "-q", "--amend", "--no-edit", cwd=work)
    second = git("rev-parse", "HEAD", cwd=work).strip()
    git("push", "-q", "origin", "main", cwd=work)

    meta = cc.get_repository(repositoryName="pushed")["repositoryMetadata"]
    assert meta["defaultBranch"] == "main"
    assert cc.get_branch(repositoryName="pushed", branchName="main")["branch"] == {
        "branchName": "main",
        "commitId": second,
    }
    commit = cc.get_commit(repositoryName="pushed", commitId=second)["commit"]
    assert commit["parents"] == [first] and commit["message"] == "second\n"
    assert commit["author"]["name"] == "Test Author"
    file = cc.get_file(repositoryName="pushed", filePath="src/app.py")
    assert file["fileContent"] == b"print(1)\n" and file["commitId"] == second
    assert cc.get_file(repositoryName="pushed", filePath="run.sh")["fileMode"] == "EXECUTABLE"
    folder = cc.get_folder(repositoryName="pushed", folderPath="/", commitSpecifier=second)
    assert sorted(f["relativePath"] for f in folder["files"]) == ["README.md", "run.sh"]
    diff = cc.get_differences(
        repositoryName="pushed", beforeCommitSpecifier=first, afterCommitSpecifier="main"
    )
    assert sorted((d["afterBlob"]["path"], d["changeType"]) for d in diff["differences"]) == [
        ("run.sh", "A"),
        ("src/app.py", "A"),
    ]
    other = git.clone(url, "other")
    assert (other / "src" / "app.py").read_text() == "print(1)\n"
    assert (other / "run.sh").stat().st_mode & stat.S_IXUSR
    assert git("rev-parse", "HEAD", cwd=other).strip() == second


def test_api_commits_are_seen_by_clone_and_fetch(clean_server: ServerProcess, git: Git) -> None:
    cc, url = create(clean_server, "api-made")
    first = cc.put_file(
        repositoryName="api-made",
        branchName="main",
        filePath="docs/intro.md",
        fileContent=b"# intro\n",
        commitMessage="add intro",
        name="Grace",
        email="grace@example.com",
    )
    work = git.clone(url, "work")
    assert (work / "docs" / "intro.md").read_text() == "# intro\n"
    assert git("log", "-1", "--format=%an <%ae> %s", cwd=work).strip() == (
        "Grace <grace@example.com> add intro"
    )
    second = cc.create_commit(
        repositoryName="api-made",
        branchName="main",
        parentCommitId=first["commitId"],
        commitMessage="tooling",
        putFiles=[
            {"filePath": "bin/tool", "fileContent": b"#!/bin/sh\n", "fileMode": "EXECUTABLE"}
        ],
        deleteFiles=[{"filePath": "docs/intro.md"}],
    )
    git("pull", "-q", "--ff-only", cwd=work)
    assert git("rev-parse", "HEAD", cwd=work).strip() == second["commitId"]
    assert (work / "bin" / "tool").stat().st_mode & stat.S_IXUSR
    assert not (work / "docs").exists()
    # and a push on top of the API's commit is accepted
    third = git.commit_file(work, "notes.txt", "n\n", "from git")
    git("push", "-q", "origin", "main", cwd=work)
    assert cc.get_branch(repositoryName="api-made", branchName="main")["branch"]["commitId"] == (
        third
    )


def test_push_events_on_the_event_stream(clean_server: ServerProcess, git: Git) -> None:
    cc, url = create(clean_server, "evented")
    repo_id = cc.get_repository(repositoryName="evented")["repositoryMetadata"]["repositoryId"]
    events: list[dict[str, Any]] = []
    listener = listen(
        f"{clean_server.url}/_irisops/events?service=codecommit",
        events,
        lambda got: len(got) == 4,
        keep=lambda event: event["type"] == "codecommit.ReferenceUpdated",
        timeout=30,
    )
    work = git.clone(url, "work")
    first = git.commit_file(work, "a.txt", "a\n", "a")
    git("push", "-q", "origin", "main", cwd=work)
    git("tag", "v1", cwd=work)
    git("push", "-q", "origin", "v1", "main:feature", cwd=work)
    git("push", "-q", "origin", "--delete", "feature", cwd=work)
    listener.join(30)
    details = [e["detail"] for e in events]
    assert details[0] == {
        "repositoryName": "evented",
        "repositoryId": repo_id,
        "referenceName": "refs/heads/main",
        "branchName": "main",
        "oldCommitId": None,
        "newCommitId": first,
        "via": "git-push",
    }
    assert {(d["referenceName"], d["branchName"]) for d in details[1:3]} == {
        ("refs/heads/feature", "feature"),
        ("refs/tags/v1", None),
    }
    assert details[3]["referenceName"] == "refs/heads/feature"
    assert (details[3]["oldCommitId"], details[3]["newCommitId"]) == (first, None)
    assert events[0]["resource"] == "arn:aws:codecommit:us-east-1:123456789012:evented"
    assert cc.list_branches(repositoryName="evented")["branches"] == ["main"]


def test_many_refs_and_gzip_requests(clean_server: ServerProcess, git: Git) -> None:
    """A fetch naming many refs sends its negotiation gzip-encoded; both git's and a
    hand-made gzip body are served."""
    cc, url = create(clean_server, "many")
    work = git.clone(url, "work")
    tip = git.commit_file(work, "f.txt", "x\n", "base")
    for index in range(40):
        git("branch", f"feature/number-{index:03d}", cwd=work)
    git("push", "-q", "origin", "--all", cwd=work)
    branches = cc.list_branches(repositoryName="many")["branches"]
    assert len(branches) == 41
    mirror = git.tmp / "mirror.git"
    git("clone", "-q", "--mirror", url, str(mirror))
    assert len(git("for-each-ref", "refs/heads", cwd=mirror).splitlines()) == 41

    want = f"want {tip} multi_ack_detailed side-band-64k thin-pack ofs-delta\n".encode()
    body = f"{len(want) + 4:04x}".encode() + want + b"0000" + b"0009done\n"
    request = urllib.request.Request(
        f"{url}/git-upload-pack",
        data=gzip.compress(body),
        headers={
            "Content-Type": "application/x-git-upload-pack-request",
            "Content-Encoding": "gzip",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert resp.status == 200
        assert b"PACK" in resp.read()


def test_unknown_repository_is_404(clean_server: ServerProcess, git: Git) -> None:
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(
            f"{clean_server.url}/v1/repos/nope/info/refs?service=git-upload-pack", timeout=10
        )
    assert info.value.code == 404
    out = git("clone", f"http://localhost:{clean_server.port}/v1/repos/nope", "x", check=False)
    assert "not found" in out.lower()


def test_shallow_clone_and_fetch_by_commit_id(clean_server: ServerProcess, git: Git) -> None:
    """What a build does with a source version: a shallow clone, then fetch and check
    out an older commit by its id."""
    cc, url = create(clean_server, "versions")
    commits = []
    parent = None
    for index in range(3):
        params = {"parentCommitId": parent} if parent else {}
        parent = cc.put_file(
            repositoryName="versions",
            branchName="main",
            filePath="version.txt",
            fileContent=f"{index}\n".encode(),
            **params,
        )["commitId"]
        commits.append(parent)
    git("clone", "-q", "--depth", "1", url, "shallow")
    work = git.tmp / "shallow"
    assert git("rev-list", "--count", "HEAD", cwd=work).strip() == "1"
    git("fetch", "-q", "--depth", "1", "origin", commits[0], cwd=work)
    git("checkout", "-q", commits[0], cwd=work)
    assert (work / "version.txt").read_text() == "0\n"
    git("fetch", "-q", "--unshallow", cwd=work)
    assert git("rev-list", "--count", "origin/main", cwd=work).strip() == "3"


def test_a_broken_push_changes_nothing(clean_server: ServerProcess, git: Git) -> None:
    cc, url = create(clean_server, "guarded")
    tip = cc.put_file(repositoryName="guarded", branchName="main", filePath="a", fileContent=b"a")[
        "commitId"
    ]
    bogus = "b" * 40
    command = f"{tip} {bogus} refs/heads/main\0report-status side-band-64k\n".encode()
    body = f"{len(command) + 4:04x}".encode() + command + b"0000" + b"PACK\x00\x00\x00\x02garbage"
    request = urllib.request.Request(
        f"{url}/git-receive-pack",
        data=body,
        headers={"Content-Type": "application/x-git-receive-pack-request"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        report = resp.read()
    assert b"unpack ok" not in report
    assert cc.get_branch(repositoryName="guarded", branchName="main")["branch"]["commitId"] == tip
    work = git.clone(url, "work")
    assert git("rev-parse", "HEAD", cwd=work).strip() == tip
    git("fsck", "--full", cwd=work)


def test_concurrent_pushes_are_all_recorded(clean_server: ServerProcess, git: Git) -> None:
    cc, url = create(clean_server, "busy")
    base = git.clone(url, "base")
    git.commit_file(base, "base.txt", "b\n", "base")
    git("push", "-q", "origin", "main", cwd=base)
    clones = [git.clone(url, f"c{index}") for index in range(3)]
    tips: dict[str, str] = {}
    failures: list[BaseException] = []

    def push_branch(index: int, work: Path) -> None:
        try:
            git("checkout", "-q", "-b", f"topic-{index}", cwd=work)
            for round_index in range(3):
                tips[f"topic-{index}"] = git.commit_file(
                    work, f"f{index}.txt", f"{round_index}\n", f"r{round_index}"
                )
                git("push", "-q", "origin", f"topic-{index}", cwd=work)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=push_branch, args=(i, w)) for i, w in enumerate(clones)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures
    assert cc.list_branches(repositoryName="busy")["branches"] == [
        "main",
        "topic-0",
        "topic-1",
        "topic-2",
    ]
    for branch, tip in tips.items():
        assert cc.get_branch(repositoryName="busy", branchName=branch)["branch"]["commitId"] == tip
