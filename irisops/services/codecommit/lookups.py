"""Finding the repository a request names."""

from __future__ import annotations

import sqlite3

from irisops.core.context import RequestContext
from irisops.core.store import Store
from irisops.services.codecommit.errors import repository_missing
from irisops.services.codecommit.records import check_name


def find_repository(store: Store, account: str, region: str, name: str) -> sqlite3.Row | None:
    return store.read_one(
        "SELECT * FROM codecommit_repositories WHERE account = ? AND region = ? AND name = ?",
        (account, region, name),
    )


def repository_row(store: Store, ctx: RequestContext, name: str | None) -> sqlite3.Row:
    """The caller's repository ``name``: RepositoryNameRequired/InvalidRepositoryName/
    RepositoryDoesNotExist otherwise."""
    checked = check_name(name)
    row = find_repository(store, ctx.account, ctx.region, checked)
    if row is None:
        raise repository_missing(checked)
    return row


def repository_for_git(store: Store, account: str, region: str, name: str) -> sqlite3.Row | None:
    """A clone URL carries no credentials: the server's default account and region first,
    else the only repository of that name anywhere."""
    row = find_repository(store, account, region, name)
    if row is not None:
        return row
    rows = store.read("SELECT * FROM codecommit_repositories WHERE name = ? LIMIT 2", (name,))
    return rows[0] if len(rows) == 1 else None


def repository_by_id(conn: sqlite3.Connection, repository_id: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM codecommit_repositories WHERE id = ?", (repository_id,)
    ).fetchone()
