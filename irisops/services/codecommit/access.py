"""What every CodeCommit operation shares: repository files, git threads, the per-
repository lock, and the ledger of ref updates.

Every ref update -- from a push or from the API -- goes through :meth:`record_changes`:
the mirror of the refs and one row per update are committed in one transaction, then
``codecommit.ReferenceUpdated`` is published for each. The first branch a repository
gets becomes its default branch (and HEAD), as on AWS.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from dulwich.repo import Repo

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.core.runtime import Runtime
from irisops.engines.git.refs import RefChange, diff_refs, point_head_at, read_refs
from irisops.engines.git.repos import RepositoryFiles
from irisops.services.base import Service
from irisops.services.codecommit.lookups import repository_by_id
from irisops.services.codecommit.records import repository_arn

T = TypeVar("T")

REFERENCE_UPDATED = "codecommit.ReferenceUpdated"
VIA_PUSH = "git-push"
VIA_API = "api"


def first_default(created: list[str]) -> str:
    """The default branch among branches created at once: main, then master, then the
    first by name."""
    for preferred in ("main", "master"):
        if preferred in created:
            return preferred
    return sorted(created)[0]


class RepositoryAccess(Service):
    name = "codecommit"

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.files = RepositoryFiles(runtime.blob_dir("codecommit"), fsync=runtime.config.fsync)
        self._pool = ThreadPoolExecutor(4, thread_name_prefix="codecommit")
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, repository_id: str) -> asyncio.Lock:
        return self._locks.setdefault(repository_id, asyncio.Lock())

    async def blocking(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn)

    async def in_repo(self, row: sqlite3.Row, fn: Callable[[Repo], T]) -> T:
        """Run ``fn(repo)`` on a git thread with the repository open."""
        path = str(self.files.path(row["id"]))

        def run() -> T:
            with Repo(path) as repo:
                return fn(repo)

        return await self.blocking(run)

    async def change_refs(
        self, ctx: RequestContext, row: sqlite3.Row, fn: Callable[[Repo], T]
    ) -> T:
        """Run ``fn(repo)`` (which moves refs) under the repository's lock, then record
        the ref updates it made as API updates."""
        async with self.lock(row["id"]):
            readings: list[dict[str, str]] = []

            def run(repo: Repo) -> T:
                readings.append(read_refs(repo))
                try:
                    return fn(repo)
                finally:
                    readings.append(read_refs(repo))

            try:
                return await self.in_repo(row, run)
            finally:
                if len(readings) == 2:
                    changes = diff_refs(*readings)
                    if changes:
                        await self.record_changes(row["id"], changes, VIA_API)

    async def record_changes(self, repository_id: str, changes: list[RefChange], via: str) -> None:
        """Persist ref updates (mirror + ledger, one transaction), then publish them."""
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> tuple[sqlite3.Row | None, str | None]:
            row = repository_by_id(conn, repository_id)
            if row is None:
                return None, None
            for change in changes:
                if change.new is None:
                    conn.execute(
                        "DELETE FROM codecommit_refs WHERE repository_id = ? AND name = ?",
                        (repository_id, change.ref),
                    )
                else:
                    conn.execute(
                        "INSERT INTO codecommit_refs (repository_id, name, commit_id) "
                        "VALUES (?, ?, ?) ON CONFLICT (repository_id, name) "
                        "DO UPDATE SET commit_id = excluded.commit_id",
                        (repository_id, change.ref, change.new),
                    )
                conn.execute(
                    "INSERT INTO codecommit_ref_updates (repository_id, ref, old_commit_id, "
                    "new_commit_id, via, time) VALUES (?, ?, ?, ?, ?, ?)",
                    (repository_id, change.ref, change.old, change.new, via, now),
                )
            default = row["default_branch"]
            new_default = None
            if not default:
                created = [c.branch for c in changes if c.branch and c.new is not None]
                if created:
                    new_default = first_default([b for b in created if b])
            conn.execute(
                "UPDATE codecommit_repositories SET last_modified_date = ?, "
                "default_branch = coalesce(default_branch, ?) WHERE id = ?",
                (now, new_default, repository_id),
            )
            return row, new_default

        row, new_default = await self.store.write(write)
        if row is None:
            return
        if new_default:
            await self.in_repo(row, lambda repo: point_head_at(repo, new_default))
        ctx = RequestContext(
            service=self.name,
            operation="ReferenceUpdated",
            account=row["account"],
            region=row["region"],
        )
        resource = repository_arn(row["region"], row["account"], row["name"])
        for change in changes:
            self.publish(
                ctx,
                REFERENCE_UPDATED,
                resource,
                repositoryName=row["name"],
                repositoryId=row["id"],
                referenceName=change.ref,
                branchName=change.branch,
                oldCommitId=change.old,
                newCommitId=change.new,
                via=via,
            )

    async def reconcile(self, row: sqlite3.Row) -> None:
        """Record ref updates that reached the disk but not the database (a crash between
        the two), and point HEAD at the default branch."""
        recorded = {
            r["name"]: r["commit_id"]
            for r in self.store.read(
                "SELECT name, commit_id FROM codecommit_refs WHERE repository_id = ?",
                (row["id"],),
            )
        }

        def read(repo: Repo) -> dict[str, str]:
            if row["default_branch"]:
                point_head_at(repo, row["default_branch"])
            return read_refs(repo)

        on_disk = await self.in_repo(row, read)
        changes = diff_refs(recorded, on_disk)
        if changes:
            await self.record_changes(row["id"], changes, VIA_PUSH)

    def shutdown_threads(self) -> None:
        self._pool.shutdown(wait=False)
