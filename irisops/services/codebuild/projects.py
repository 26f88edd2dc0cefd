"""Project operations: CreateProject, UpdateProject, BatchGetProjects, ListProjects,
DeleteProject."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from irisops.core.context import RequestContext
from irisops.services.base import Service
from irisops.services.codebuild import records
from irisops.services.codebuild.errors import (
    InvalidInput,
    project_exists,
    project_not_found,
)
from irisops.services.codebuild.paging import decode_token, encode_token

PAGE_SIZE = 100
SORT_COLUMNS = {"NAME": "name", "CREATED_TIME": "created", "LAST_MODIFIED_TIME": "last_modified"}


def project_name(value: str) -> str:
    """A project name from a name or a project ARN."""
    return value.partition(":project/")[2] if value.startswith("arn:") else value


class ProjectOperations(Service):
    def project_doc(self, account: str, region: str, name: str) -> dict[str, Any] | None:
        row = self.store.read_one(
            "SELECT doc FROM codebuild_projects WHERE account = ? AND region = ? AND name = ?",
            (account, region, project_name(name)),
        )
        return json.loads(row["doc"]) if row else None

    async def create_project(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        doc = records.new_project(ctx.account, ctx.region, params, time.time())

        def write(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    "INSERT INTO codebuild_projects (account, region, name, arn, created, "
                    "last_modified, doc) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        ctx.account,
                        ctx.region,
                        doc["name"],
                        doc["arn"],
                        doc["created"],
                        doc["lastModified"],
                        json.dumps(doc),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise project_exists(doc["arn"]) from exc

        await self.store.write(write)
        self.publish(ctx, "codebuild.ProjectCreated", doc["arn"], projectName=doc["name"])
        return {"project": doc}

    async def update_project(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = project_name(params["name"])
        arn = records.project_arn(ctx.region, ctx.account, name)

        def write(conn: sqlite3.Connection) -> dict[str, Any]:
            row = conn.execute(
                "SELECT doc FROM codebuild_projects WHERE account = ? AND region = ? AND name = ?",
                (ctx.account, ctx.region, name),
            ).fetchone()
            if row is None:
                raise project_not_found(arn)
            doc = json.loads(row["doc"])
            records.apply_update(doc, params, time.time())
            conn.execute(
                "UPDATE codebuild_projects SET doc = ?, last_modified = ? "
                "WHERE account = ? AND region = ? AND name = ?",
                (json.dumps(doc), doc["lastModified"], ctx.account, ctx.region, name),
            )
            return doc

        doc = await self.store.write(write)
        self.publish(ctx, "codebuild.ProjectUpdated", arn, projectName=name)
        return {"project": doc}

    async def batch_get_projects(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        found, missing = [], []
        for name in params["names"]:
            doc = self.project_doc(ctx.account, ctx.region, name)
            if doc is None:
                missing.append(name)
            else:
                found.append(doc)
        return {"projects": found, "projectsNotFound": missing}

    async def list_projects(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        column = SORT_COLUMNS[params.get("sortBy") or "NAME"]
        order = "DESC" if params.get("sortOrder") == "DESCENDING" else "ASC"
        offset = decode_token(params.get("nextToken"))
        rows = await self.store.query(
            f"SELECT name FROM codebuild_projects WHERE account = ? AND region = ? "
            f"ORDER BY {column} {order}, name {order} LIMIT ? OFFSET ?",
            (ctx.account, ctx.region, PAGE_SIZE + 1, offset),
        )
        out: dict[str, Any] = {"projects": [row["name"] for row in rows[:PAGE_SIZE]]}
        if len(rows) > PAGE_SIZE:
            out["nextToken"] = encode_token(offset + PAGE_SIZE)
        return out

    async def delete_project(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = project_name(params["name"])
        if not name:
            raise InvalidInput("Invalid project name")
        deleted = await self.store.execute(
            "DELETE FROM codebuild_projects WHERE account = ? AND region = ? AND name = ?",
            (ctx.account, ctx.region, name),
        )
        if deleted:
            arn = records.project_arn(ctx.region, ctx.account, name)
            self.publish(ctx, "codebuild.ProjectDeleted", arn, projectName=name)
        return {}
