"""Commit operations: GetCommit, CreateCommit, GetDifferences."""

from __future__ import annotations

from typing import Any

from dulwich.repo import Repo

from irisops.core.context import RequestContext
from irisops.services.codecommit.access import RepositoryAccess
from irisops.services.codecommit.branches import check_branch_name
from irisops.services.codecommit.errors import CodeCommitError
from irisops.services.codecommit.files import author_of
from irisops.services.codecommit.lookups import repository_row
from irisops.services.codecommit.paging import decode_token, encode_token
from irisops.services.codecommit.tree_edits import (
    GITKEEP,
    TreeEdit,
    branch_parent,
    commit_to_branch,
)
from irisops.services.codecommit.trees import (
    HEX_ID,
    MODE_BITS,
    NORMAL,
    commit_by_id,
    describe_commit,
    differences,
    entry_at,
    resolve,
    split_path,
)

MAX_FILE_ENTRIES = 100
MAX_COMMIT_CONTENT = 7 * 1024 * 1024
DIFFERENCES_PAGE = 100


def _paths_of(params: dict[str, Any]) -> list[str]:
    paths = []
    for key in ("putFiles", "deleteFiles", "setFileModes"):
        for entry in params.get(key) or []:
            paths.append("/".join(split_path(entry.get("filePath"))))
    return paths


def _folder(path: str | None) -> str | None:
    return "/".join(split_path(path, allow_root=True)) if path else None


def check_commit_entries(params: dict[str, Any]) -> None:
    """The request-only rules of CreateCommit, before the repository is read."""
    puts = params.get("putFiles") or []
    deletes = params.get("deleteFiles") or []
    modes = params.get("setFileModes") or []
    if not (puts or deletes or modes):
        raise CodeCommitError("FileEntryRequiredException")
    if len(puts) + len(deletes) + len(modes) > MAX_FILE_ENTRIES:
        raise CodeCommitError("MaximumFileEntriesExceededException")
    paths = _paths_of(params)
    sources = [
        "/".join(split_path(e["sourceFile"].get("filePath")))
        for e in puts
        if e.get("sourceFile") and e["sourceFile"].get("isMove")
    ]
    if len(set(paths)) != len(paths) or set(sources) & set(paths):
        raise CodeCommitError("SamePathRequestException")
    total = 0
    for entry in puts:
        content, source = entry.get("fileContent"), entry.get("sourceFile")
        if content is not None and source is not None:
            raise CodeCommitError("FileContentAndSourceFileSpecifiedException")
        if content is None and source is None:
            raise CodeCommitError("SourceFileOrContentRequiredException")
        if source is not None and source.get("filePath", "").rstrip("/").endswith(GITKEEP):
            raise CodeCommitError("RestrictedSourceFileException")
        total += len(content or b"")
    if total > MAX_COMMIT_CONTENT:
        raise CodeCommitError("FileContentSizeLimitExceededException")
    for entry in modes:
        if not entry.get("fileMode"):
            raise CodeCommitError("FileModeRequiredException")
    put_paths = {"/".join(split_path(e["filePath"])) for e in puts}
    for path in put_paths:
        parts = path.split("/")
        if any("/".join(parts[:d]) in put_paths for d in range(1, len(parts))):
            raise CodeCommitError("PutFileEntryConflictException")


def apply_entries(repo: Repo, edit: TreeEdit, params: dict[str, Any]) -> None:
    keep = bool(params.get("keepEmptyFolders"))
    for entry in params.get("deleteFiles") or []:
        edit.delete("/".join(split_path(entry["filePath"])), keep_empty_folders=keep)
    for entry in params.get("putFiles") or []:
        path = "/".join(split_path(entry["filePath"]))
        existing = edit.files.get(path)
        source = entry.get("sourceFile")
        if source is not None:
            source_path = "/".join(split_path(source.get("filePath")))
            found = edit.base.get(source_path)
            if found is None:
                raise CodeCommitError("FileDoesNotExistException")
            mode, sha = found
            content = repo.object_store[sha].as_raw_string()
            if source.get("isMove"):
                edit.delete(source_path, keep_empty_folders=keep)
        else:
            content = entry["fileContent"]
            mode = existing[0] if existing else NORMAL
        if entry.get("fileMode"):
            mode = MODE_BITS[entry["fileMode"]]
        edit.put(repo, path, content, mode)
    for entry in params.get("setFileModes") or []:
        edit.set_mode("/".join(split_path(entry["filePath"])), MODE_BITS[entry["fileMode"]])


class CommitOperations(RepositoryAccess):
    async def get_commit(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        commit_id = params.get("commitId")
        if not commit_id:
            raise CodeCommitError("CommitIdRequiredException")
        if not HEX_ID.fullmatch(commit_id):
            raise CodeCommitError("InvalidCommitIdException")

        def read(repo: Repo) -> dict[str, Any]:
            commit = commit_by_id(repo, commit_id)
            if commit is None:
                raise CodeCommitError("CommitIdDoesNotExistException")
            return {"commit": describe_commit(commit)}

        return await self.in_repo(row, read)

    async def create_commit(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        branch = check_branch_name(params.get("branchName"))
        check_commit_entries(params)
        author = author_of(params, "authorName")

        def create(repo: Repo) -> dict[str, Any]:
            parent = branch_parent(repo, branch, params.get("parentCommitId"))
            edit = TreeEdit.of(repo, parent.tree if parent else None)
            apply_entries(repo, edit, params)
            tree = edit.write(repo)
            if parent is not None and tree == parent.tree:
                raise CodeCommitError("NoChangeException")
            commit = commit_to_branch(repo, branch, parent, tree, author)
            return {"commitId": commit.id.decode(), "treeId": tree.decode(), **edit.summary()}

        return await self.change_refs(ctx, row, create)

    async def get_differences(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        after_spec = params.get("afterCommitSpecifier")
        if not after_spec:
            raise CodeCommitError("CommitRequiredException")
        before_spec = params.get("beforeCommitSpecifier")
        before_path = _folder(params.get("beforePath"))
        after_path = _folder(params.get("afterPath"))
        limit = params.get("MaxResults") or DIFFERENCES_PAGE
        if limit < 1:
            raise CodeCommitError("InvalidMaxResultsException")
        limit = min(limit, DIFFERENCES_PAGE)
        default = row["default_branch"]

        def diff(repo: Repo) -> tuple[str, list[dict[str, Any]]]:
            after = resolve(repo, after_spec, default)
            before = resolve(repo, before_spec, default) if before_spec else None
            trees = [after.tree] + ([before.tree] if before else [])
            for path in (before_path, after_path):
                if path and not any(entry_at(repo, t, path.split("/")) for t in trees):
                    raise CodeCommitError("PathDoesNotExistException")
            old_tree = before.tree if before else None
            items = list(differences(repo, old_tree, after.tree, before_path, after_path))
            return after.id.decode() + (before.id.decode() if before else ""), items

        key, items = await self.in_repo(row, diff)
        offset = 0
        token = params.get("NextToken")
        if token:
            offset = decode_token(token, f"diff:{key}")
        out: dict[str, Any] = {"differences": items[offset : offset + limit]}
        if offset + limit < len(items):
            out["NextToken"] = encode_token(f"diff:{key}", offset + limit)
        return out
