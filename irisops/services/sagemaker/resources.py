"""Every SageMaker resource's ARN in one table, and the tags any of them carries.

Each resource module keeps its own table; it also records the resource here (inside the
same write) so that ``AddTags``/``ListTags``/``DeleteTags`` can work on any ARN, and so that
a name's ARN is built one way everywhere: SageMaker lower-cases the name in ARNs.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from irisops.core.arns import arn as make_arn
from irisops.core.context import RequestContext
from irisops.core.store import Store
from irisops.services.sagemaker.errors import SageMakerValidation

SCHEMA = """
CREATE TABLE IF NOT EXISTS sagemaker_resources (
    arn TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS sagemaker_resources_by_type
    ON sagemaker_resources (account, region, type, name);
"""

MAX_TAGS = 50


def resource_arn(ctx: RequestContext, type: str, name: str) -> str:
    """``arn:aws:sagemaker:REGION:ACCOUNT:TYPE/name`` with the name lower-cased."""
    return make_arn("sagemaker", ctx.region, ctx.account, f"{type}/{name.lower()}")


def add_resource(
    conn: sqlite3.Connection,
    ctx: RequestContext,
    type: str,
    name: str,
    tags: list[dict[str, str]] | None = None,
) -> str:
    """Inside a write: record a new resource (and its create-time tags); its ARN."""
    arn = resource_arn(ctx, type, name)
    conn.execute(
        "INSERT INTO sagemaker_resources (arn, account, region, type, name, tags) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (arn, ctx.account, ctx.region, type, name, json.dumps(merge_tags([], tags or []))),
    )
    return arn


def remove_resource(conn: sqlite3.Connection, arn: str) -> None:
    conn.execute("DELETE FROM sagemaker_resources WHERE arn = ?", (arn,))


def merge_tags(current: list[dict[str, str]], new: list[dict[str, str]]) -> list[dict[str, str]]:
    """Tags with ``new`` applied (a key set again takes the new value), at most 50."""
    merged = {tag["Key"]: tag.get("Value", "") for tag in current}
    for tag in new:
        merged[tag["Key"]] = tag.get("Value", "")
    if len(merged) > MAX_TAGS:
        raise SageMakerValidation(f"Resource cannot have more than {MAX_TAGS} tags.")  # unconfirmed
    return [{"Key": key, "Value": value} for key, value in merged.items()]


class TagOperations:
    """AddTags, ListTags and DeleteTags on any SageMaker resource ARN."""

    store: Store

    def _tagged(self, arn: str) -> sqlite3.Row:
        row = self.store.read_one("SELECT arn, tags FROM sagemaker_resources WHERE arn = ?", (arn,))
        if row is None:
            # unconfirmed: SageMaker's answer for a well-formed ARN of a missing resource.
            raise SageMakerValidation(f'Could not find resource "{arn}".')
        return row

    async def add_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["ResourceArn"]
        self._tagged(arn)

        def apply(conn: sqlite3.Connection) -> list[dict[str, str]]:
            row = conn.execute(
                "SELECT tags FROM sagemaker_resources WHERE arn = ?", (arn,)
            ).fetchone()
            if row is None:
                raise SageMakerValidation(f'Could not find resource "{arn}".')
            tags = merge_tags(json.loads(row["tags"]), params["Tags"])
            conn.execute(
                "UPDATE sagemaker_resources SET tags = ? WHERE arn = ?", (json.dumps(tags), arn)
            )
            return tags

        await self.store.write(apply)
        return {"Tags": params["Tags"]}

    async def delete_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["ResourceArn"]
        self._tagged(arn)
        drop = set(params["TagKeys"])

        def apply(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT tags FROM sagemaker_resources WHERE arn = ?", (arn,)
            ).fetchone()
            if row is None:
                return
            tags = [tag for tag in json.loads(row["tags"]) if tag["Key"] not in drop]
            conn.execute(
                "UPDATE sagemaker_resources SET tags = ? WHERE arn = ?", (json.dumps(tags), arn)
            )

        await self.store.write(apply)
        return {}

    async def list_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        tags = json.loads(self._tagged(params["ResourceArn"])["tags"])
        limit = params.get("MaxResults") or 50
        start = 0
        if params.get("NextToken"):
            try:
                start = int(params["NextToken"])
            except ValueError as exc:
                raise SageMakerValidation("Invalid pagination token.") from exc  # unconfirmed
        out: dict[str, Any] = {"Tags": tags[start : start + limit]}
        if start + limit < len(tags):
            out["NextToken"] = str(start + limit)
        return out
