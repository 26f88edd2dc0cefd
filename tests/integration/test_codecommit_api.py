"""CodeCommit API round trips and errors through real boto3 against the real server."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from irisops.sdk.server import ServerProcess


def error(call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call(**params)
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_repository_round_trip(client: Any) -> None:
    cc = client("codecommit")
    created = cc.create_repository(
        repositoryName="svc", repositoryDescription="the service", tags={"team": "ml"}
    )["repositoryMetadata"]
    assert set(created) >= {
        "accountId",
        "repositoryId",
        "repositoryName",
        "repositoryDescription",
        "Arn",
        "cloneUrlHttp",
        "cloneUrlSsh",
        "creationDate",
        "lastModifiedDate",
    }
    got = cc.get_repository(repositoryName="svc")["repositoryMetadata"]
    assert got == created
    assert cc.list_tags_for_resource(resourceArn=created["Arn"])["tags"] == {"team": "ml"}
    cc.update_repository_description(repositoryName="svc", repositoryDescription="changed")
    assert (
        cc.get_repository(repositoryName="svc")["repositoryMetadata"]["repositoryDescription"]
        == "changed"
    )
    cc.create_repository(repositoryName="another")
    listed = cc.list_repositories(sortBy="repositoryName", order="descending")["repositories"]
    assert [r["repositoryName"] for r in listed] == ["svc", "another"]
    paginated = [
        r["repositoryName"]
        for page in cc.get_paginator("list_repositories").paginate()
        for r in page["repositories"]
    ]
    assert paginated == ["another", "svc"]
    assert cc.delete_repository(repositoryName="svc")["repositoryId"] == created["repositoryId"]
    assert "repositoryId" not in cc.delete_repository(repositoryName="svc")
    code, message, status = error(cc.get_repository, repositoryName="svc")
    assert (code, message, status) == ("RepositoryDoesNotExistException", "svc does not exist", 400)


def test_errors_change_nothing(client: Any) -> None:
    cc = client("codecommit")
    cc.create_repository(repositoryName="kept")
    assert error(cc.create_repository, repositoryName="kept")[:2] == (
        "RepositoryNameExistsException",
        "Repository named kept already exists",
    )
    assert error(cc.create_repository, repositoryName="kept.git")[0] == (
        "InvalidRepositoryNameException"
    )
    unchecked = client("codecommit", config=BotoConfig(parameter_validation=False))
    code, _, status = error(unchecked.create_repository, repositoryName="has space")
    assert (code, status) == ("ValidationException", 400)
    assert [r["repositoryName"] for r in cc.list_repositories()["repositories"]] == ["kept"]

    first = cc.put_file(
        repositoryName="kept", branchName="main", filePath="a.txt", fileContent=b"1"
    )["commitId"]
    second = cc.put_file(
        repositoryName="kept",
        branchName="main",
        filePath="a.txt",
        fileContent=b"2",
        parentCommitId=first,
    )["commitId"]
    attempts = [
        ({"parentCommitId": first}, "ParentCommitIdOutdatedException"),
        ({}, "ParentCommitIdRequiredException"),
        ({"parentCommitId": second, "fileContent": b"2"}, "SameFileContentException"),
        ({"parentCommitId": second, "branchName": "other"}, "BranchDoesNotExistException"),
    ]
    for overrides, expected in attempts:
        params = {
            "repositoryName": "kept",
            "branchName": "main",
            "filePath": "a.txt",
            "fileContent": b"3",
            **overrides,
        }
        assert error(cc.put_file, **params)[0] == expected
    assert cc.get_branch(repositoryName="kept", branchName="main")["branch"]["commitId"] == second
    assert cc.get_file(repositoryName="kept", filePath="a.txt")["fileContent"] == b"2"
    assert cc.list_branches(repositoryName="kept")["branches"] == ["main"]
    assert error(cc.list_repositories, sortBy="size")[0] == "InvalidSortByException"
    assert error(cc.list_repositories, order="sideways")[0] == "InvalidOrderException"
    bad_mode = {"repositoryName": "kept", "branchName": "main", "filePath": "b.txt"}
    assert error(
        cc.put_file, **bad_mode, fileContent=b"b", parentCommitId=second, fileMode="WEIRD"
    )[0] == ("InvalidFileModeException")
    assert error(cc.get_commit, repositoryName="kept", commitId="nope")[0] == (
        "InvalidCommitIdException"
    )
    assert error(cc.delete_branch, repositoryName="kept", branchName="main")[0] == (
        "DefaultBranchCannotBeDeletedException"
    )


def test_branches_commits_and_differences(client: Any) -> None:
    cc = client("codecommit")
    cc.create_repository(repositoryName="work")
    made = cc.create_commit(
        repositoryName="work",
        branchName="main",
        authorName="Ada",
        email="ada@example.com",
        commitMessage="initial",
        putFiles=[
            {"filePath": "train.py", "fileContent": b"print('train')\n"},
            {"filePath": "conf/params.json", "fileContent": b"{}\n"},
        ],
    )
    assert sorted(f["absolutePath"] for f in made["filesAdded"]) == [
        "conf/params.json",
        "train.py",
    ]
    cc.create_branch(repositoryName="work", branchName="dev", commitId=made["commitId"])
    assert cc.list_branches(repositoryName="work")["branches"] == ["dev", "main"]
    dev = cc.put_file(
        repositoryName="work",
        branchName="dev",
        filePath="conf/params.json",
        fileContent=b'{"lr": 0.1}\n',
        parentCommitId=made["commitId"],
    )
    diff = cc.get_differences(
        repositoryName="work", beforeCommitSpecifier="main", afterCommitSpecifier="dev"
    )["differences"]
    assert [(d["beforeBlob"]["path"], d["changeType"]) for d in diff] == [("conf/params.json", "M")]
    assert diff[0]["afterBlob"]["blobId"] == dev["blobId"]
    assert cc.get_blob(repositoryName="work", blobId=dev["blobId"])["content"] == b'{"lr": 0.1}\n'
    commit = cc.get_commit(repositoryName="work", commitId=dev["commitId"])["commit"]
    assert commit["parents"] == [made["commitId"]] and commit["treeId"] == dev["treeId"]
    cc.update_default_branch(repositoryName="work", defaultBranchName="dev")
    assert (
        cc.get_file(repositoryName="work", filePath="conf/params.json")["commitId"]
        == (dev["commitId"])
    )
    deleted = cc.delete_branch(repositoryName="work", branchName="main")["deletedBranch"]
    assert deleted == {"branchName": "main", "commitId": made["commitId"]}
    removed = cc.delete_file(
        repositoryName="work",
        branchName="dev",
        filePath="train.py",
        parentCommitId=dev["commitId"],
    )
    assert removed["filePath"] == "train.py"
    folder = cc.get_folder(repositoryName="work", folderPath="/")
    assert [f["absolutePath"] for f in folder["files"]] == []
    assert [f["absolutePath"] for f in folder["subFolders"]] == ["conf"]


def test_tags_errors(client: Any) -> None:
    cc = client("codecommit")
    arn = cc.create_repository(repositoryName="tagged")["repositoryMetadata"]["Arn"]
    cc.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
    cc.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert cc.list_tags_for_resource(resourceArn=arn)["tags"] == {"b": "2"}
    assert error(cc.tag_resource, resourceArn=arn, tags={"aws:owner": "x"})[0] == (
        "InvalidSystemTagUsageException"
    )
    assert error(cc.list_tags_for_resource, resourceArn="arn:aws:s3:::bucket")[0] == (
        "InvalidResourceArnException"
    )
    assert cc.list_tags_for_resource(resourceArn=arn)["tags"] == {"b": "2"}


def test_state_snapshot_lists_repositories(clean_server: ServerProcess) -> None:
    cc = clean_server.client("codecommit")
    cc.create_repository(repositoryName="snap")
    cc.put_file(repositoryName="snap", branchName="main", filePath="x", fileContent=b"x")
    with urllib.request.urlopen(f"{clean_server.url}/_irisops/state", timeout=10) as resp:
        state = json.loads(resp.read())
    (repo,) = state["services"]["codecommit"]["repositories"]
    assert (repo["repositoryName"], repo["defaultBranch"], repo["branches"]) == ("snap", "main", 1)
