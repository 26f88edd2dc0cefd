"""CodeCommitService handlers on a real store and real bare repositories: repositories,
branches, PutFile/CreateCommit rules, reads, differences, tags, the ref-update events
and the Python API (resolve_commit, export_zip)."""

from __future__ import annotations

import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.core.events import Event
from irisops.services.codecommit import CodeCommitService
from tests.unit.running import running_service

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture
async def cc(tmp_path: Path) -> AsyncIterator[CodeCommitService]:
    async with running_service(CodeCommitService, tmp_path, port=4566) as service:
        yield service


def ctx(account: str = ACCOUNT, region: str = REGION) -> RequestContext:
    return RequestContext(service="codecommit", operation="Test", account=account, region=region)


async def call(cc: CodeCommitService, operation: str, **params: Any) -> dict[str, Any]:
    handler = cc.handler(operation)
    assert handler is not None, operation
    return await handler(ctx(), params)


async def fails(cc: CodeCommitService, operation: str, **params: Any) -> str:
    with pytest.raises(AwsError) as info:
        await call(cc, operation, **params)
    assert info.value.status == 400
    return info.value.code


async def repo_with_file(cc: CodeCommitService, name: str = "r") -> str:
    await call(cc, "CreateRepository", repositoryName=name)
    out = await call(
        cc,
        "PutFile",
        repositoryName=name,
        branchName="main",
        filePath="a.txt",
        fileContent=b"one\n",
        commitMessage="first",
    )
    return str(out["commitId"])


# -- repositories -----------------------------------------------------------------------


async def test_create_get_and_duplicate_repository(cc: CodeCommitService) -> None:
    out = await call(cc, "CreateRepository", repositoryName="demo", repositoryDescription="d")
    meta = out["repositoryMetadata"]
    assert meta["repositoryName"] == "demo"
    assert meta["Arn"] == f"arn:aws:codecommit:{REGION}:{ACCOUNT}:demo"
    assert meta["cloneUrlHttp"] == "http://localhost:4566/v1/repos/demo"
    assert meta["accountId"] == ACCOUNT and "defaultBranch" not in meta
    assert (await call(cc, "GetRepository", repositoryName="demo"))["repositoryMetadata"] == meta
    with pytest.raises(AwsError) as info:
        await call(cc, "CreateRepository", repositoryName="demo")
    assert info.value.code == "RepositoryNameExistsException"
    assert info.value.message == "Repository named demo already exists"


@pytest.mark.parametrize("name", ["bad name", "x.git", "a" * 101, "semi;colon"])
async def test_invalid_repository_names_create_nothing(cc: CodeCommitService, name: str) -> None:
    assert await fails(cc, "CreateRepository", repositoryName=name) == (
        "InvalidRepositoryNameException"
    )
    assert (await call(cc, "ListRepositories"))["repositories"] == []


async def test_missing_repository_errors(cc: CodeCommitService) -> None:
    for operation, params in [
        ("GetRepository", {}),
        ("GetBranch", {"branchName": "main"}),
        ("ListBranches", {}),
        ("GetFile", {"filePath": "a"}),
    ]:
        assert await fails(cc, operation, repositoryName="nope", **params) == (
            "RepositoryDoesNotExistException"
        )
    assert await fails(cc, "GetBranch", branchName="main") == "RepositoryNameRequiredException"


async def test_delete_repository_returns_id_then_nothing(cc: CodeCommitService) -> None:
    created = await call(cc, "CreateRepository", repositoryName="gone")
    repo_id = created["repositoryMetadata"]["repositoryId"]
    path = cc.files.path(repo_id)
    assert path.is_dir()
    assert await call(cc, "DeleteRepository", repositoryName="gone") == {"repositoryId": repo_id}
    assert not path.exists()
    assert await call(cc, "DeleteRepository", repositoryName="gone") == {}


async def test_list_repositories_sorting(cc: CodeCommitService) -> None:
    for name in ["b", "a", "c"]:
        await call(cc, "CreateRepository", repositoryName=name)
    await call(cc, "UpdateRepositoryDescription", repositoryName="a", repositoryDescription="x")
    names = [r["repositoryName"] for r in (await call(cc, "ListRepositories"))["repositories"]]
    assert names == ["a", "b", "c"]
    out = await call(cc, "ListRepositories", sortBy="repositoryName", order="descending")
    assert [r["repositoryName"] for r in out["repositories"]] == ["c", "b", "a"]
    out = await call(cc, "ListRepositories", sortBy="lastModifiedDate", order="descending")
    assert out["repositories"][0]["repositoryName"] == "a"
    assert await fails(cc, "ListRepositories", nextToken="garbage") == (
        "InvalidContinuationTokenException"
    )


async def test_rename_and_describe(cc: CodeCommitService) -> None:
    await call(cc, "CreateRepository", repositoryName="old")
    await call(cc, "CreateRepository", repositoryName="taken")
    assert await fails(cc, "UpdateRepositoryName", oldName="old", newName="taken") == (
        "RepositoryNameExistsException"
    )
    await call(cc, "UpdateRepositoryName", oldName="old", newName="new")
    assert await fails(cc, "GetRepository", repositoryName="old") == (
        "RepositoryDoesNotExistException"
    )
    await call(cc, "UpdateRepositoryDescription", repositoryName="new", repositoryDescription="z")
    meta = (await call(cc, "GetRepository", repositoryName="new"))["repositoryMetadata"]
    assert meta["repositoryDescription"] == "z" and meta["cloneUrlHttp"].endswith("/repos/new")
    batch = await call(cc, "BatchGetRepositories", repositoryNames=["new", "missing"])
    assert [r["repositoryName"] for r in batch["repositories"]] == ["new"]
    assert batch["repositoriesNotFound"] == ["missing"]


# -- files and commits ------------------------------------------------------------------


async def test_put_file_rules(cc: CodeCommitService) -> None:
    first = await repo_with_file(cc)
    meta = (await call(cc, "GetRepository", repositoryName="r"))["repositoryMetadata"]
    assert meta["defaultBranch"] == "main"
    base = {"repositoryName": "r", "branchName": "main", "filePath": "a.txt"}
    assert await fails(cc, "PutFile", **base, fileContent=b"two\n") == (
        "ParentCommitIdRequiredException"
    )
    assert await fails(cc, "PutFile", **base, fileContent=b"two\n", parentCommitId="zz") == (
        "InvalidParentCommitIdException"
    )
    assert (
        await fails(cc, "PutFile", **base, fileContent=b"two\n", parentCommitId="1" * 40)
        == "ParentCommitDoesNotExistException"
    )
    assert await fails(cc, "PutFile", **base, fileContent=b"one\n", parentCommitId=first) == (
        "SameFileContentException"
    )
    assert await fails(cc, "PutFile", **base, fileContent=b"", parentCommitId=first) == (
        "FileContentRequiredException"
    )
    second = await call(cc, "PutFile", **base, fileContent=b"two\n", parentCommitId=first)
    assert await fails(cc, "PutFile", **base, fileContent=b"three\n", parentCommitId=first) == (
        "ParentCommitIdOutdatedException"
    )
    other = {**base, "branchName": "nope", "parentCommitId": second["commitId"]}
    assert await fails(cc, "PutFile", **other, fileContent=b"x") == "BranchDoesNotExistException"
    conflict = {**base, "parentCommitId": second["commitId"], "fileContent": b"x"}
    assert await fails(cc, "PutFile", **{**conflict, "filePath": "a.txt/b"}) == (
        "DirectoryNameConflictsWithFileNameException"
    )
    assert await fails(cc, "PutFile", **{**conflict, "filePath": "../x"}) == "InvalidPathException"
    branch = await call(cc, "GetBranch", repositoryName="r", branchName="main")
    assert branch["branch"]["commitId"] == second["commitId"]
    file = await call(cc, "GetFile", repositoryName="r", filePath="/a.txt")
    assert file["fileContent"] == b"two\n" and file["blobId"] == second["blobId"]
    old = await call(cc, "GetFile", repositoryName="r", filePath="a.txt", commitSpecifier=first)
    assert old["fileContent"] == b"one\n"


async def test_create_commit_put_delete_move_and_modes(cc: CodeCommitService) -> None:
    first = await repo_with_file(cc)
    out = await call(
        cc,
        "CreateCommit",
        repositoryName="r",
        branchName="main",
        parentCommitId=first,
        authorName="Ada",
        email="ada@example.com",
        commitMessage="more",
        putFiles=[
            {"filePath": "src/run.sh", "fileContent": b"#!/bin/sh\n", "fileMode": "EXECUTABLE"},
            {"filePath": "b.txt", "sourceFile": {"filePath": "a.txt", "isMove": True}},
        ],
    )
    assert [f["absolutePath"] for f in out["filesAdded"]] == ["b.txt", "src/run.sh"]
    assert [f["absolutePath"] for f in out["filesDeleted"]] == ["a.txt"]
    commit = (await call(cc, "GetCommit", repositoryName="r", commitId=out["commitId"]))["commit"]
    assert commit["parents"] == [first] and commit["message"] == "more\n"
    assert commit["author"]["name"] == "Ada" and commit["author"]["email"] == "ada@example.com"
    assert commit["author"]["date"].endswith(" +0000")
    folder = await call(cc, "GetFolder", repositoryName="r", folderPath="/")
    assert [f["relativePath"] for f in folder["files"]] == ["b.txt"]
    assert [f["absolutePath"] for f in folder["subFolders"]] == ["src"]
    sub = await call(cc, "GetFolder", repositoryName="r", folderPath="src")
    assert sub["files"][0]["fileMode"] == "EXECUTABLE"
    assert await fails(cc, "GetFolder", repositoryName="r", folderPath="nope") == (
        "FolderDoesNotExistException"
    )
    assert await fails(cc, "GetFile", repositoryName="r", filePath="a.txt") == (
        "FileDoesNotExistException"
    )
    base = {"repositoryName": "r", "branchName": "main", "parentCommitId": out["commitId"]}
    assert await fails(cc, "CreateCommit", **base) == "FileEntryRequiredException"
    assert (
        await fails(cc, "CreateCommit", **base, deleteFiles=[{"filePath": "missing"}])
        == "FileDoesNotExistException"
    )
    assert (
        await fails(
            cc,
            "CreateCommit",
            **base,
            putFiles=[{"filePath": "b.txt", "fileContent": b"x"}],
            deleteFiles=[{"filePath": "b.txt"}],
        )
        == "SamePathRequestException"
    )
    assert (
        await fails(cc, "CreateCommit", **base, putFiles=[{"filePath": "b.txt"}])
        == "SourceFileOrContentRequiredException"
    )
    assert (
        await fails(
            cc,
            "CreateCommit",
            **base,
            setFileModes=[{"filePath": "src/run.sh", "fileMode": "EXECUTABLE"}],
        )
        == "NoChangeException"
    )
    deleted = await call(cc, "CreateCommit", **base, deleteFiles=[{"filePath": "src/run.sh"}])
    assert [f["absolutePath"] for f in deleted["filesDeleted"]] == ["src/run.sh"]


async def test_get_commit_errors(cc: CodeCommitService) -> None:
    await repo_with_file(cc)
    assert await fails(cc, "GetCommit", repositoryName="r", commitId="xyz") == (
        "InvalidCommitIdException"
    )
    assert await fails(cc, "GetCommit", repositoryName="r", commitId="2" * 40) == (
        "CommitIdDoesNotExistException"
    )
    assert await fails(
        cc, "GetFile", repositoryName="r", filePath="a.txt", commitSpecifier="x"
    ) == ("CommitDoesNotExistException")


async def test_get_differences(cc: CodeCommitService) -> None:
    first = await repo_with_file(cc)
    out = await call(
        cc,
        "CreateCommit",
        repositoryName="r",
        branchName="main",
        parentCommitId=first,
        putFiles=[
            {"filePath": "a.txt", "fileContent": b"changed\n"},
            {"filePath": "d/new.txt", "fileContent": b"n\n"},
        ],
    )
    diff = await call(
        cc,
        "GetDifferences",
        repositoryName="r",
        beforeCommitSpecifier=first,
        afterCommitSpecifier="main",
    )
    kinds = {
        (d.get("afterBlob") or d["beforeBlob"])["path"]: d["changeType"]
        for d in diff["differences"]
    }
    assert kinds == {"a.txt": "M", "d/new.txt": "A"}
    everything = await call(cc, "GetDifferences", repositoryName="r", afterCommitSpecifier=first)
    assert [d["changeType"] for d in everything["differences"]] == ["A"]
    paged = await call(
        cc,
        "GetDifferences",
        repositoryName="r",
        beforeCommitSpecifier=first,
        afterCommitSpecifier=out["commitId"],
        MaxResults=1,
    )
    assert len(paged["differences"]) == 1 and paged["NextToken"]
    rest = await call(
        cc,
        "GetDifferences",
        repositoryName="r",
        beforeCommitSpecifier=first,
        afterCommitSpecifier=out["commitId"],
        MaxResults=1,
        NextToken=paged["NextToken"],
    )
    assert len(rest["differences"]) == 1 and "NextToken" not in rest
    only_d = await call(
        cc,
        "GetDifferences",
        repositoryName="r",
        beforeCommitSpecifier=first,
        afterCommitSpecifier="main",
        afterPath="d",
    )
    assert [d["afterBlob"]["path"] for d in only_d["differences"]] == ["d/new.txt"]
    assert (
        await fails(
            cc,
            "GetDifferences",
            repositoryName="r",
            afterCommitSpecifier="main",
            afterPath="zzz",
        )
        == "PathDoesNotExistException"
    )


# -- branches ---------------------------------------------------------------------------


async def test_branch_lifecycle(cc: CodeCommitService) -> None:
    first = await repo_with_file(cc)
    await call(cc, "CreateBranch", repositoryName="r", branchName="dev", commitId=first)
    assert await fails(
        cc, "CreateBranch", repositoryName="r", branchName="dev", commitId=first
    ) == ("BranchNameExistsException")
    assert (
        await fails(cc, "CreateBranch", repositoryName="r", branchName="x", commitId="3" * 40)
        == "CommitDoesNotExistException"
    )
    assert (
        await fails(cc, "CreateBranch", repositoryName="r", branchName="a..b", commitId=first)
        == "InvalidBranchNameException"
    )
    listed = await call(cc, "ListBranches", repositoryName="r")
    assert listed["branches"] == ["dev", "main"]
    assert await fails(cc, "DeleteBranch", repositoryName="r", branchName="main") == (
        "DefaultBranchCannotBeDeletedException"
    )
    assert (
        await fails(cc, "UpdateDefaultBranch", repositoryName="r", defaultBranchName="zzz")
        == "BranchDoesNotExistException"
    )
    await call(cc, "UpdateDefaultBranch", repositoryName="r", defaultBranchName="dev")
    deleted = await call(cc, "DeleteBranch", repositoryName="r", branchName="main")
    assert deleted == {"deletedBranch": {"branchName": "main", "commitId": first}}
    assert await call(cc, "DeleteBranch", repositoryName="r", branchName="main") == {}
    assert await fails(cc, "GetBranch", repositoryName="r", branchName="main") == (
        "BranchDoesNotExistException"
    )
    meta = (await call(cc, "GetRepository", repositoryName="r"))["repositoryMetadata"]
    assert meta["defaultBranch"] == "dev"


async def test_ref_updates_are_published_after_commit(cc: CodeCommitService) -> None:
    received: list[Event] = []
    with cc.bus.subscribe(predicate=lambda e: e.type == "codecommit.ReferenceUpdated") as sub:
        first = await repo_with_file(cc)
        await call(cc, "CreateBranch", repositoryName="r", branchName="dev", commitId=first)
        await call(cc, "DeleteBranch", repositoryName="r", branchName="dev")
        for _ in range(3):
            event = await sub.get()
            assert event is not None
            received.append(event)
    repo_id = (await call(cc, "GetRepository", repositoryName="r"))["repositoryMetadata"][
        "repositoryId"
    ]
    assert [e.detail for e in received] == [
        {
            "repositoryName": "r",
            "repositoryId": repo_id,
            "referenceName": ref,
            "branchName": branch,
            "oldCommitId": old,
            "newCommitId": new,
            "via": "api",
        }
        for ref, branch, old, new in [
            ("refs/heads/main", "main", None, first),
            ("refs/heads/dev", "dev", None, first),
            ("refs/heads/dev", "dev", first, None),
        ]
    ]
    assert received[0].resource == f"arn:aws:codecommit:{REGION}:{ACCOUNT}:r"
    assert (received[0].account, received[0].region, received[0].service) == (
        ACCOUNT,
        REGION,
        "codecommit",
    )
    rows = cc.store.read("SELECT ref, via FROM codecommit_ref_updates ORDER BY id")
    assert [(r["ref"], r["via"]) for r in rows] == [
        ("refs/heads/main", "api"),
        ("refs/heads/dev", "api"),
        ("refs/heads/dev", "api"),
    ]


# -- tags -------------------------------------------------------------------------------


async def test_tags(cc: CodeCommitService) -> None:
    arn = (await call(cc, "CreateRepository", repositoryName="t", tags={"a": "1"}))[
        "repositoryMetadata"
    ]["Arn"]
    await call(cc, "TagResource", resourceArn=arn, tags={"b": "2"})
    assert (await call(cc, "ListTagsForResource", resourceArn=arn))["tags"] == {"a": "1", "b": "2"}
    await call(cc, "UntagResource", resourceArn=arn, tagKeys=["a"])
    assert (await call(cc, "ListTagsForResource", resourceArn=arn))["tags"] == {"b": "2"}
    assert await fails(cc, "TagResource", resourceArn=arn, tags={"aws:x": "1"}) == (
        "InvalidSystemTagUsageException"
    )
    assert await fails(cc, "ListTagsForResource", resourceArn="nonsense") == (
        "InvalidResourceArnException"
    )
    missing = arn.replace(":t", ":missing")
    assert await fails(cc, "ListTagsForResource", resourceArn=missing) == (
        "RepositoryDoesNotExistException"
    )


# -- Python API and crash recovery --------------------------------------------------------


async def test_resolve_commit_and_export_zip(cc: CodeCommitService, tmp_path: Path) -> None:
    first = await repo_with_file(cc)
    second = await call(
        cc,
        "PutFile",
        repositoryName="r",
        branchName="main",
        filePath="bin/go",
        fileContent=b"#!/bin/sh\necho go\n",
        fileMode="EXECUTABLE",
        parentCommitId=first,
    )
    assert cc.resolve_commit(ACCOUNT, REGION, "r", "main") == second["commitId"]
    assert cc.resolve_commit(ACCOUNT, REGION, "r", first) == first
    dest = tmp_path / "out" / "src.zip"
    assert await cc.export_zip(ACCOUNT, REGION, "r", "main", dest) == second["commitId"]
    with zipfile.ZipFile(dest) as archive:
        assert sorted(archive.namelist()) == ["a.txt", "bin/go"]
        assert archive.read("a.txt") == b"one\n"
        assert (archive.getinfo("bin/go").external_attr >> 16) & 0o777 == 0o755
        assert (archive.getinfo("a.txt").external_attr >> 16) & 0o777 == 0o644
    with pytest.raises(AwsError) as info:
        await cc.export_zip(ACCOUNT, REGION, "nope", "main", dest)
    assert info.value.code == "RepositoryDoesNotExistException"
    with pytest.raises(AwsError) as info:
        cc.resolve_commit(ACCOUNT, REGION, "r", "no-such-branch")
    assert info.value.code == "CommitDoesNotExistException"


async def test_start_records_refs_moved_before_a_crash(cc: CodeCommitService) -> None:
    first = await repo_with_file(cc)
    repo_id = (await call(cc, "GetRepository", repositoryName="r"))["repositoryMetadata"][
        "repositoryId"
    ]
    path = cc.files.path(repo_id)
    # What a push killed between its ref write and its database commit leaves behind,
    # plus the leftovers of a pack that was still arriving.
    (path / "refs" / "heads" / "hotfix").write_text(first + "\n")
    (path / "objects" / "tmp_pack_abc").write_bytes(b"PACK partial")
    (path / "refs" / "heads" / "main.lock").write_text("0" * 40)
    with cc.bus.subscribe() as sub:
        await cc.start()
        event = await sub.get()
    assert event is not None and event.detail["referenceName"] == "refs/heads/hotfix"
    assert event.detail["via"] == "git-push" and event.detail["oldCommitId"] is None
    assert not (path / "objects" / "tmp_pack_abc").exists()
    assert not (path / "refs" / "heads" / "main.lock").exists()
    branch = await call(cc, "GetBranch", repositoryName="r", branchName="hotfix")
    assert branch["branch"]["commitId"] == first


async def test_reset_removes_every_repository(cc: CodeCommitService) -> None:
    await repo_with_file(cc, "one")
    await call(cc, "CreateRepository", repositoryName="two")
    await cc.reset()
    assert (await call(cc, "ListRepositories"))["repositories"] == []
    assert [p for p in cc.files.root.iterdir() if p.name.endswith(".git")] == []
