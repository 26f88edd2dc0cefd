"""File operations: GetFile, GetFolder, GetBlob, PutFile, DeleteFile."""

from __future__ import annotations

from typing import Any

from dulwich.objects import Blob
from dulwich.repo import Repo

from irisops.core.context import RequestContext
from irisops.services.codecommit.access import RepositoryAccess
from irisops.services.codecommit.branches import check_branch_name
from irisops.services.codecommit.errors import CodeCommitError
from irisops.services.codecommit.lookups import repository_row
from irisops.services.codecommit.tree_edits import Author, TreeEdit, branch_parent, commit_to_branch
from irisops.services.codecommit.trees import (
    HEX_ID,
    MAX_FILE_BYTES,
    MODE_BITS,
    NORMAL,
    read_file,
    read_folder,
    resolve,
    split_path,
)

DEFAULT_AUTHOR = "irisops"


def author_of(params: dict[str, Any], name_key: str) -> Author:
    return Author(
        name=params.get(name_key) or DEFAULT_AUTHOR,
        email=params.get("email") or "",
        message=params.get("commitMessage") or "",
    )


class FileOperations(RepositoryAccess):
    async def get_file(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        specifier, path = params.get("commitSpecifier"), params.get("filePath")
        split_path(path)
        return await self.in_repo(
            row, lambda repo: read_file(repo, resolve(repo, specifier, row["default_branch"]), path)
        )

    async def get_folder(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        specifier, path = params.get("commitSpecifier"), params.get("folderPath")
        split_path(path, allow_root=True)
        return await self.in_repo(
            row,
            lambda repo: read_folder(repo, resolve(repo, specifier, row["default_branch"]), path),
        )

    async def get_blob(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        blob_id = params.get("blobId")
        if not blob_id:
            raise CodeCommitError("BlobIdRequiredException")
        if not HEX_ID.fullmatch(blob_id):
            raise CodeCommitError("InvalidBlobIdException")

        def read(repo: Repo) -> bytes:
            if blob_id.encode() not in repo.object_store:
                raise CodeCommitError("BlobIdDoesNotExistException")
            obj = repo.object_store[blob_id.encode()]
            if not isinstance(obj, Blob):
                raise CodeCommitError("InvalidBlobIdException")
            content = obj.as_raw_string()
            if len(content) > MAX_FILE_BYTES:
                raise CodeCommitError("FileTooLargeException")
            return content

        return {"content": await self.in_repo(row, read)}

    async def put_file(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        branch = check_branch_name(params.get("branchName"))
        path = "/".join(split_path(params.get("filePath")))
        content: bytes = params.get("fileContent") or b""
        if not content:
            raise CodeCommitError("FileContentRequiredException")
        wanted_mode = params.get("fileMode")
        author = author_of(params, "name")
        parent_id = params.get("parentCommitId")

        def put(repo: Repo) -> dict[str, Any]:
            parent = branch_parent(repo, branch, parent_id)
            edit = TreeEdit.of(repo, parent.tree if parent else None)
            existing = edit.files.get(path)
            mode = MODE_BITS[wanted_mode] if wanted_mode else (existing[0] if existing else NORMAL)
            if existing is not None and existing == (mode, Blob.from_string(content).id):
                raise CodeCommitError("SameFileContentException")
            blob_id = edit.put(repo, path, content, mode)
            tree = edit.write(repo)
            commit = commit_to_branch(repo, branch, parent, tree, author)
            return {"commitId": commit.id.decode(), "blobId": blob_id, "treeId": tree.decode()}

        return await self.change_refs(ctx, row, put)

    async def delete_file(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        branch = check_branch_name(params.get("branchName"))
        path = "/".join(split_path(params.get("filePath")))
        author = author_of(params, "name")
        parent_id = params.get("parentCommitId")
        keep = bool(params.get("keepEmptyFolders"))

        def delete(repo: Repo) -> dict[str, Any]:
            parent = branch_parent(repo, branch, parent_id)
            if parent is None:
                raise CodeCommitError("FileDoesNotExistException")
            edit = TreeEdit.of(repo, parent.tree)
            _, blob = edit.delete(path, keep_empty_folders=keep)
            tree = edit.write(repo)
            commit = commit_to_branch(repo, branch, parent, tree, author)
            return {
                "commitId": commit.id.decode(),
                "blobId": blob.decode(),
                "treeId": tree.decode(),
                "filePath": path,
            }

        return await self.change_refs(ctx, row, delete)
