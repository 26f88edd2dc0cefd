"""Branch operations. Reads come from the recorded refs (``codecommit_refs``), which
every ref update keeps in step with the repository on disk."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from dulwich.repo import Repo

from irisops.core.context import RequestContext
from irisops.engines.git.refs import HEADS, point_head_at
from irisops.services.codecommit.access import RepositoryAccess
from irisops.services.codecommit.errors import CodeCommitError
from irisops.services.codecommit.lookups import repository_row
from irisops.services.codecommit.paging import decode_token, encode_token
from irisops.services.codecommit.trees import HEX_ID, commit_by_id

BRANCH_PAGE = 100
_BAD_REF = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|//|@\{")


def check_branch_name(name: str | None) -> str:
    """A branch name as ``git check-ref-format --branch`` accepts it."""
    if not name:
        raise CodeCommitError("BranchNameRequiredException")
    if (
        _BAD_REF.search(name)
        or name.startswith(("/", "-", "."))
        or name.endswith(("/", ".", ".lock"))
        or "/." in name
        or name == "@"
    ):
        raise CodeCommitError("InvalidBranchNameException")
    return name


def branch_commit(store: Any, repository_id: str, branch: str) -> str | None:
    row = store.read_one(
        "SELECT commit_id FROM codecommit_refs WHERE repository_id = ? AND name = ?",
        (repository_id, f"{HEADS}{branch}"),
    )
    return row["commit_id"] if row else None


class BranchOperations(RepositoryAccess):
    async def get_branch(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        branch = check_branch_name(params.get("branchName"))
        commit_id = branch_commit(self.store, row["id"], branch)
        if commit_id is None:
            raise CodeCommitError("BranchDoesNotExistException", f"Could not find branch {branch}")
        return {"branch": {"branchName": branch, "commitId": commit_id}}

    async def list_branches(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        offset = 0
        token = params.get("nextToken")
        if token:
            offset = decode_token(token, f"branches:{row['id']}")
        rows = self.store.read(
            "SELECT name FROM codecommit_refs WHERE repository_id = ? AND name >= ? "
            "AND name < ? ORDER BY name LIMIT ? OFFSET ?",
            (row["id"], HEADS, HEADS[:-1] + "0", BRANCH_PAGE + 1, offset),
        )
        out: dict[str, Any] = {
            "branches": [r["name"].removeprefix(HEADS) for r in rows[:BRANCH_PAGE]]
        }
        if len(rows) > BRANCH_PAGE:
            out["nextToken"] = encode_token(f"branches:{row['id']}", offset + BRANCH_PAGE)
        return out

    async def create_branch(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        branch = check_branch_name(params.get("branchName"))
        commit_id = params.get("commitId")
        if not commit_id:
            raise CodeCommitError("CommitIdRequiredException")
        if not HEX_ID.fullmatch(commit_id):
            raise CodeCommitError("InvalidCommitIdException")

        def create(repo: Repo) -> None:
            if commit_by_id(repo, commit_id) is None:
                raise CodeCommitError("CommitDoesNotExistException")
            ref = f"{HEADS}{branch}".encode()
            if not repo.refs.add_if_new(ref, commit_id.encode()):
                raise CodeCommitError("BranchNameExistsException")

        await self.change_refs(ctx, row, create)
        return {}

    async def delete_branch(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        branch = check_branch_name(params.get("branchName"))
        if branch == row["default_branch"]:
            raise CodeCommitError("DefaultBranchCannotBeDeletedException")
        ref = f"{HEADS}{branch}".encode()

        def delete(repo: Repo) -> str | None:
            sha = repo.refs.as_dict().get(ref)
            if sha is None:
                return None
            if not repo.refs.remove_if_equals(ref, sha):
                raise CodeCommitError("BranchDoesNotExistException")
            return sha.decode()

        deleted = await self.change_refs(ctx, row, delete)
        if deleted is None:
            return {}
        return {"deletedBranch": {"branchName": branch, "commitId": deleted}}

    async def update_default_branch(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        branch = check_branch_name(params.get("defaultBranchName"))
        if branch_commit(self.store, row["id"], branch) is None:
            raise CodeCommitError("BranchDoesNotExistException", f"Could not find branch {branch}")

        async with self.lock(row["id"]):

            def write(conn: sqlite3.Connection) -> None:
                conn.execute(
                    "UPDATE codecommit_repositories SET default_branch = ? WHERE id = ?",
                    (branch, row["id"]),
                )

            await self.store.write(write)
            await self.in_repo(row, lambda repo: point_head_at(repo, branch))
        return {}
