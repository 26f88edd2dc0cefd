"""What every group of IAM handlers shares: entity lookups by name or ARN.

A lookup takes an optional connection: inside ``store.write`` (a check made in the same
transaction as the change) it reads through that connection, otherwise it is a point
read on the event loop.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from irisops.core.arns import parse_arn
from irisops.core.clock import from_epoch_ms
from irisops.core.context import RequestContext
from irisops.services.base import Service
from irisops.services.iam import aws_managed, tags
from irisops.services.iam.errors import InvalidInput, no_such_role, no_such_user, not_attachable

ROLE = "role"
USER = "user"

Conn = sqlite3.Connection | None


@dataclass(frozen=True)
class ManagedPolicy:
    """A customer managed policy of one account, or one of AWS's built-in ones."""

    arn: str
    name: str
    policy_id: str
    path: str
    description: str | None
    default_version: str
    created: datetime
    updated: datetime
    tags: list[dict[str, str]]
    aws_managed: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ManagedPolicy:
        return cls(
            arn=row["arn"],
            name=row["policy_name"],
            policy_id=row["policy_id"],
            path=row["path"],
            description=row["description"],
            default_version=row["default_version"],
            created=from_epoch_ms(row["created_ms"]),
            updated=from_epoch_ms(row["updated_ms"]),
            tags=tags.load(row["tags"]),
            aws_managed=False,
        )

    @classmethod
    def from_catalogue(cls, entry: aws_managed.AwsManagedPolicy) -> ManagedPolicy:
        return cls(
            arn=entry.arn,
            name=entry.name,
            policy_id=entry.policy_id,
            path=entry.path,
            description=entry.description,
            default_version="v1",
            created=aws_managed.CATALOGUE_DATE,
            updated=aws_managed.CATALOGUE_DATE,
            tags=[],
            aws_managed=True,
        )


def check_arn(arn: str) -> None:
    if parse_arn(arn) is None:
        raise InvalidInput(f"ARN {arn} is not valid.")


class IamLookups(Service):
    def _one(self, conn: Conn, sql: str, params: tuple[Any, ...]) -> sqlite3.Row | None:
        if conn is None:
            return self.store.read_one(sql, params)
        row: sqlite3.Row | None = conn.execute(sql, params).fetchone()
        return row

    def role_row(self, account: str, name: str, conn: Conn = None) -> sqlite3.Row:
        row = self._one(
            conn, "SELECT * FROM iam_roles WHERE account = ? AND role_name = ?", (account, name)
        )
        if row is None:
            raise no_such_role(name)
        return row

    def user_row(self, account: str, name: str, conn: Conn = None) -> sqlite3.Row:
        row = self._one(
            conn, "SELECT * FROM iam_users WHERE account = ? AND user_name = ?", (account, name)
        )
        if row is None:
            raise no_such_user(name)
        return row

    def caller_user_name(self, ctx: RequestContext) -> str | None:
        """The IAM user whose access key signed the request, if one of this account did."""
        if not ctx.access_key_id:
            return None
        row = self.store.read_one(
            "SELECT user_name FROM iam_access_keys WHERE access_key_id = ? AND account = ?",
            (ctx.access_key_id, ctx.account),
        )
        return row["user_name"] if row is not None else None

    def managed_policy(self, account: str, arn: str, conn: Conn = None) -> ManagedPolicy | None:
        entry = aws_managed.BY_ARN.get(arn)
        if entry is not None:
            return ManagedPolicy.from_catalogue(entry)
        row = self._one(
            conn, "SELECT * FROM iam_policies WHERE arn = ? AND account = ?", (arn, account)
        )
        return ManagedPolicy.from_row(row) if row is not None else None

    def attachment_count(self, account: str, arn: str, conn: Conn = None) -> int:
        row = self._one(
            conn,
            "SELECT COUNT(*) AS n FROM iam_attachments WHERE account = ? AND policy_arn = ?",
            (account, arn),
        )
        return int(row["n"]) if row is not None else 0

    def checked_boundary(self, account: str, arn: str | None) -> str | None:
        """A permissions boundary must name a managed policy that exists."""
        if not arn:
            return None
        check_arn(arn)
        if self.managed_policy(account, arn) is None:
            raise not_attachable(arn)
        return arn
