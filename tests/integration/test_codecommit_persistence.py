"""CodeCommit across SIGKILL: acknowledged repositories, branches and commits survive,
and a push killed halfway leaves the repository as it was before it."""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from irisops.sdk.server import ServerProcess
from tests.integration.git_cli import Git


def test_repositories_and_branches_survive_sigkill(tmp_path: Path) -> None:
    git = Git(tmp_path)
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    try:
        cc = server.client("codecommit")
        meta = cc.create_repository(repositoryName="durable", tags={"k": "v"})["repositoryMetadata"]
        work = git.clone(f"http://localhost:{server.port}/v1/repos/durable", "work")
        pushed = git.commit_file(work, "model.py", "w = 1\n", "model")
        git("push", "-q", "origin", "main", cwd=work)
        api = cc.put_file(
            repositoryName="durable",
            branchName="main",
            filePath="README.md",
            fileContent=b"readme\n",
            parentCommitId=pushed,
        )
        cc.create_branch(repositoryName="durable", branchName="release", commitId=pushed)
        server.kill()

        server = ServerProcess(data).start()
        cc = server.client("codecommit")
        after = cc.get_repository(repositoryName="durable")["repositoryMetadata"]
        assert after["repositoryId"] == meta["repositoryId"]
        assert after["defaultBranch"] == "main"
        assert cc.list_tags_for_resource(resourceArn=meta["Arn"])["tags"] == {"k": "v"}
        assert cc.list_branches(repositoryName="durable")["branches"] == ["main", "release"]
        main = cc.get_branch(repositoryName="durable", branchName="main")["branch"]
        assert main["commitId"] == api["commitId"]
        assert cc.get_file(repositoryName="durable", filePath="README.md")["fileContent"] == (
            b"readme\n"
        )
        clone = git.clone(f"http://localhost:{server.port}/v1/repos/durable", "after")
        assert (clone / "model.py").read_text() == "w = 1\n"
        assert git("rev-parse", "HEAD", cwd=clone).strip() == api["commitId"]
    finally:
        server.stop()


def pkt(line: bytes) -> bytes:
    return f"{len(line) + 4:04x}".encode() + line


def receive_pack_body(git: Git, work: Path, old: str, new: str) -> bytes:
    """What ``git push`` would send to move refs/heads/main from ``old`` to ``new``."""
    pack = subprocess.run(
        ["git", "pack-objects", "--stdout", "--revs", "-q"],
        input=f"{new}\n^{old}\n".encode(),
        cwd=work,
        env=git.env,
        capture_output=True,
        check=True,
    ).stdout
    command = f"{old} {new} refs/heads/main\0report-status side-band-64k\n".encode()
    return pkt(command) + b"0000" + pack


def wait_for_partial_pack(repo_dir: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        partial = list((repo_dir / "objects").glob("tmp_pack_*"))
        if partial and partial[0].stat().st_size > 0:
            return
        time.sleep(0.02)
    raise AssertionError("the server never started writing the pack")


def test_push_killed_halfway_leaves_the_repository_intact(tmp_path: Path) -> None:
    git = Git(tmp_path)
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    try:
        cc = server.client("codecommit")
        repo_id = cc.create_repository(repositoryName="halfway")["repositoryMetadata"][
            "repositoryId"
        ]
        url = f"http://localhost:{server.port}/v1/repos/halfway"
        work = git.clone(url, "work")
        base = git.commit_file(work, "a.txt", "a\n", "base")
        git("push", "-q", "origin", "main", cwd=work)
        (work / "weights.bin").write_bytes(os.urandom(8 * 1024 * 1024))
        git("add", "weights.bin", cwd=work)
        git("commit", "-q", "-m", "big", cwd=work)
        big = git("rev-parse", "HEAD", cwd=work).strip()
        body = receive_pack_body(git, work, base, big)

        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.putrequest("POST", "/v1/repos/halfway/git-receive-pack")
        conn.putheader("Content-Type", "application/x-git-receive-pack-request")
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        conn.send(body[: len(body) // 2])
        repo_dir = data / "codecommit" / f"{repo_id}.git"
        wait_for_partial_pack(repo_dir)
        server.kill()
        conn.close()

        server = ServerProcess(data).start()
        cc = server.client("codecommit")
        assert not list((repo_dir / "objects").glob("tmp_pack_*"))
        assert cc.get_branch(repositoryName="halfway", branchName="main")["branch"]["commitId"] == (
            base
        )
        with pytest.raises(ClientError) as info:
            cc.get_commit(repositoryName="halfway", commitId=big)
        assert info.value.response["Error"]["Code"] == "CommitIdDoesNotExistException"
        url = f"http://localhost:{server.port}/v1/repos/halfway"
        fresh = git.clone(url, "fresh")
        assert git("rev-parse", "HEAD", cwd=fresh).strip() == base
        git("fsck", "--full", cwd=fresh)
        # the same push, done properly after the restart, goes through
        git("remote", "set-url", "origin", url, cwd=work)
        git("push", "-q", "origin", "main", cwd=work)
        assert cc.get_branch(repositoryName="halfway", branchName="main")["branch"]["commitId"] == (
            big
        )
        with pytest.raises(ClientError) as info:
            cc.get_file(repositoryName="halfway", filePath="weights.bin")
        assert info.value.response["Error"]["Code"] == "FileTooLargeException"
        (weights,) = cc.get_folder(repositoryName="halfway", folderPath="/")["files"][1:]
        assert weights["relativePath"] == "weights.bin"
    finally:
        server.stop()
