"""The Python API other services use: resolve a commit, export a tree as a ZIP."""

from __future__ import annotations

import pathlib
import sqlite3

from dulwich.repo import Repo

from irisops.engines.git.archive import write_zip
from irisops.services.codecommit.access import RepositoryAccess
from irisops.services.codecommit.errors import repository_missing
from irisops.services.codecommit.lookups import find_repository
from irisops.services.codecommit.trees import resolve


class ExportOperations(RepositoryAccess):
    def _row(self, account: str, region: str, repository_name: str) -> sqlite3.Row:
        row = find_repository(self.store, account, region, repository_name)
        if row is None:
            raise repository_missing(repository_name)
        return row

    def resolve_commit(
        self, account: str, region: str, repository_name: str, commit_specifier: str
    ) -> str:
        """The full commit id a branch, tag or commit id names (blocking, cheap).

        Raises RepositoryDoesNotExistException / CommitDoesNotExistException."""
        row = self._row(account, region, repository_name)
        with Repo(str(self.files.path(row["id"]))) as repo:
            return resolve(repo, commit_specifier, row["default_branch"]).id.decode()

    async def export_zip(
        self,
        account: str,
        region: str,
        repository_name: str,
        commit_specifier: str,
        dest: pathlib.Path,
    ) -> str:
        """Write a ZIP of the tree at ``commit_specifier`` to ``dest`` (files at the root,
        executable bits kept) and return the full commit id."""
        row = self._row(account, region, repository_name)

        def export(repo: Repo) -> str:
            commit = resolve(repo, commit_specifier, row["default_branch"])
            write_zip(repo, commit, dest)
            return commit.id.decode()

        return await self.in_repo(row, export)
