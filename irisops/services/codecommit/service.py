"""AWS CodeCommit: repositories as bare git repositories on disk, served over git smart
HTTP at ``/v1/repos/<name>`` and through the CodeCommit API.

Repository metadata, tags and the ledger of ref updates live in SQLite; objects and refs
live in the repository directories (see :mod:`irisops.engines.git.repos`). Every ref
update, from a push or the API, is committed to SQLite and then published as
``codecommit.ReferenceUpdated`` (see :mod:`irisops.services.codecommit.access`).

The operations live in one mixin per area; this class adds the lifecycle.
"""

from __future__ import annotations

import sqlite3
from typing import Any, ClassVar

from irisops.services.codecommit.branches import BranchOperations
from irisops.services.codecommit.commits import CommitOperations
from irisops.services.codecommit.enums import check_enums
from irisops.services.codecommit.exports import ExportOperations
from irisops.services.codecommit.files import FileOperations
from irisops.services.codecommit.git_host import GitHostOperations
from irisops.services.codecommit.repositories import RepositoryOperations
from irisops.services.codecommit.schema import SCHEMA
from irisops.services.codecommit.tags import TagOperations


class CodeCommitService(
    RepositoryOperations,
    BranchOperations,
    FileOperations,
    CommitOperations,
    TagOperations,
    ExportOperations,
    GitHostOperations,
):
    name = "codecommit"
    schema = SCHEMA
    #: CodeCommit names each bad enum value with its own error (InvalidSortByException,
    #: InvalidFileModeException, ...): :meth:`check_input` does it.
    validates_enums: ClassVar[bool] = False

    def check_input(self, operation: Any, params: dict[str, Any]) -> None:
        check_enums(params)

    async def start(self) -> None:
        rows = await self.store.query("SELECT * FROM codecommit_repositories")
        await self.blocking(lambda: self.files.sweep(row["id"] for row in rows))
        for row in rows:
            await self.reconcile(row)

    async def stop(self) -> None:
        if self.bridge is not None:
            await self.bridge.close()
        self.shutdown_threads()

    async def reset(self) -> None:
        def wipe(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM codecommit_ref_updates")
            conn.execute("DELETE FROM codecommit_refs")
            conn.execute("DELETE FROM codecommit_repositories")

        await self.store.write(wipe)
        await self.blocking(self.files.remove_all)
        self._locks.clear()

    def snapshot(self) -> dict[str, Any]:
        rows = self.store.read(
            "SELECT r.account, r.region, r.name, r.id, r.default_branch, "
            "(SELECT count(*) FROM codecommit_refs f WHERE f.repository_id = r.id "
            "AND f.name LIKE 'refs/heads/%') AS branches "
            "FROM codecommit_repositories r ORDER BY r.account, r.region, r.name"
        )
        return {
            "repositories": [
                {
                    "account": row["account"],
                    "region": row["region"],
                    "repositoryName": row["name"],
                    "repositoryId": row["id"],
                    "defaultBranch": row["default_branch"],
                    "branches": row["branches"],
                }
                for row in rows
            ]
        }
