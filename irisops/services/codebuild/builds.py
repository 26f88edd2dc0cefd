"""Build operations: StartBuild, BatchGetBuilds, ListBuilds, ListBuildsForProject,
StopBuild, BatchDeleteBuilds; and :meth:`BuildOperations.launch`, the one way a build
starts (StartBuild and CodePipeline's ``start_pipeline_build`` both come here)."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import time
import uuid as uuidlib
from typing import Any

from irisops.core.context import RequestContext
from irisops.engines.codebuild.plan import BuildPlan
from irisops.engines.codebuild.runner import BuildRunner
from irisops.engines.codebuild.supervisor import BuildSupervisor
from irisops.services.base import Service
from irisops.services.codebuild import records
from irisops.services.codebuild.build_request import resolve_request, submitted_build
from irisops.services.codebuild.errors import InvalidInput, build_not_found, project_not_found
from irisops.services.codebuild.paging import decode_token, encode_token
from irisops.services.codebuild.projects import project_name

PAGE_SIZE = 100


class BuildOperations(Service):
    supervisor: BuildSupervisor
    #: Base URL CODECOMMIT sources are cloned from (None: this server's own URL).
    git_base_url: str | None
    seconds_per_minute: float

    # -- reading ----------------------------------------------------------------------

    def get_build(self, build_id: str) -> dict[str, Any] | None:
        """The build as BatchGetBuilds gives it (None when unknown)."""
        row = self.store.read_one("SELECT doc FROM codebuild_builds WHERE id = ?", (build_id,))
        return json.loads(row["doc"]) if row else None

    def _own_build(self, ctx: RequestContext, build_id: str) -> dict[str, Any] | None:
        row = self.store.read_one(
            "SELECT doc FROM codebuild_builds WHERE id = ? AND account = ? AND region = ?",
            (build_id, ctx.account, ctx.region),
        )
        return json.loads(row["doc"]) if row else None

    async def batch_get_builds(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        found, missing = [], []
        for value in params["ids"]:
            build_id = records.split_build_id(value)
            doc = self._own_build(ctx, build_id)
            if doc is None:
                missing.append(value)
            else:
                found.append(doc)
        return {"builds": found, "buildsNotFound": missing}

    async def list_builds(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await self._page("account = ? AND region = ?", (ctx.account, ctx.region), params)

    async def list_builds_for_project(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = project_name(params["projectName"])
        if self._project(ctx.account, ctx.region, name) is None:
            raise project_not_found(records.project_arn(ctx.region, ctx.account, name))
        return await self._page(
            "account = ? AND region = ? AND project = ?", (ctx.account, ctx.region, name), params
        )

    async def _page(self, where: str, args: tuple[Any, ...], params: dict[str, Any]) -> dict:
        order = "ASC" if params.get("sortOrder") == "ASCENDING" else "DESC"
        offset = decode_token(params.get("nextToken"))
        rows = await self.store.query(
            f"SELECT id FROM codebuild_builds WHERE {where} ORDER BY seq {order} LIMIT ? OFFSET ?",
            (*args, PAGE_SIZE + 1, offset),
        )
        out: dict[str, Any] = {"ids": [row["id"] for row in rows[:PAGE_SIZE]]}
        if len(rows) > PAGE_SIZE:
            out["nextToken"] = encode_token(offset + PAGE_SIZE)
        return out

    def _project(self, account: str, region: str, name: str) -> dict[str, Any] | None:
        return self.project_doc(account, region, name)  # type: ignore[attr-defined,no-any-return]

    # -- starting ---------------------------------------------------------------------

    async def start_build(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = project_name(params["projectName"])
        project = self._project(ctx.account, ctx.region, name)
        if project is None:
            raise project_not_found(records.project_arn(ctx.region, ctx.account, name))
        source_type = params.get("sourceTypeOverride") or project["source"]["type"]
        if source_type == "CODEPIPELINE":
            raise InvalidInput(  # unconfirmed text
                "Builds of a project with source type CODEPIPELINE are started by CodePipeline"
            )
        doc = await self.launch(
            ctx.account, ctx.region, project, params, initiator=self._initiator(ctx)
        )
        return {"build": doc}

    def _initiator(self, ctx: RequestContext) -> str:
        """The IAM user whose access key signed the call, else ``root``."""
        iam = self.runtime.services.get("iam")
        owner = iam.key_owner(ctx.access_key_id) if iam and ctx.access_key_id else None
        return owner.user_name if owner is not None and owner.user_name else "root"

    async def retry_build(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """A new build with the settings of build ``id`` (its source, buildspec,
        environment and timeout; the project's current artifacts and logs settings)."""
        if not params.get("id"):
            raise InvalidInput("Build ID cannot be empty")  # unconfirmed text
        build_id = records.split_build_id(params["id"])
        previous = self._own_build(ctx, build_id)
        if previous is None:
            raise build_not_found(build_id)
        project = self._project(ctx.account, ctx.region, previous["projectName"])
        if project is None:
            arn = records.project_arn(ctx.region, ctx.account, previous["projectName"])
            raise project_not_found(arn)
        if previous["source"]["type"] == "CODEPIPELINE":
            raise InvalidInput("Builds started by CodePipeline are retried by CodePipeline")
        settings = {
            **project,
            "source": previous["source"],
            "environment": previous["environment"],
            "timeoutInMinutes": previous["timeoutInMinutes"],
            "sourceVersion": previous.get("sourceVersion", ""),
        }
        doc = await self.launch(
            ctx.account, ctx.region, settings, {}, initiator=self._initiator(ctx)
        )
        return {"build": doc}

    async def launch(
        self,
        account: str,
        region: str,
        project: dict[str, Any],
        params: dict[str, Any],
        *,
        initiator: str,
        input_artifacts: list[tuple[str, str]] | None = None,
        output_artifact: tuple[str, str] | None = None,
        resolved_source_version: str = "",
    ) -> dict[str, Any]:
        """Record a SUBMITTED build of ``project`` with StartBuild-style overrides in
        ``params`` and hand it to the supervisor; returns the build document."""
        name = project["name"]
        build_uuid = str(uuidlib.uuid4())
        request = resolve_request(project, params)
        source_version = request.source_version
        if input_artifacts:
            bucket, key = input_artifacts[0]
            source_version = f"arn:aws:s3:::{bucket}/{key}"
        doc = submitted_build(
            account,
            region,
            request,
            build_uuid,
            initiator=initiator,
            source_version=source_version,
            now=time.time(),
        )
        build_id = doc["id"]

        def write(conn: sqlite3.Connection) -> int:
            updated = conn.execute(
                "UPDATE codebuild_projects SET build_count = build_count + 1 "
                "WHERE account = ? AND region = ? AND name = ? RETURNING build_count",
                (account, region, name),
            ).fetchone()
            if updated is None:
                raise project_not_found(project["arn"])
            doc["buildNumber"] = int(updated[0])
            conn.execute(
                "INSERT INTO codebuild_builds (id, account, region, project, status, doc) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (build_id, account, region, name, "IN_PROGRESS", json.dumps(doc)),
            )
            return doc["buildNumber"]

        number = await self.store.write(write)
        self._publish_build(account, region, doc)
        environment = request.environment
        plan = BuildPlan(
            build_id=build_id,
            uuid=build_uuid,
            arn=doc["arn"],
            account=account,
            region=region,
            project_name=name,
            build_number=number,
            work_dir=self.runtime.blob_dir("codebuild", "builds") / build_uuid,
            source_type=request.source["type"],
            source_location=request.source.get("location", ""),
            source_version=request.source_version,
            buildspec=request.source.get("buildspec") or None,
            variables=request.variables,
            image=environment["image"],
            privileged=environment["privilegedMode"],
            timeout_seconds=request.timeout_minutes * self.seconds_per_minute,
            initiator=initiator,
            log_group=doc["logs"]["groupName"],
            log_stream=doc["logs"]["streamName"],
            artifacts=request.artifacts,
            input_artifacts=list(input_artifacts or []),
            output_artifact=output_artifact,
            resolved_source_version=resolved_source_version,
            git_base_url=self.git_base_url
            or f"http://{self.config.public_host}:{self.config.port}",
        )
        runner = BuildRunner(
            plan,
            json.loads(json.dumps(doc)),
            save=self._save_build,
            s3=self.runtime.services.get("s3"),
            logs=self.runtime.services.get("logs"),
            endpoint_url=self.config.endpoint_url,
            docker=self.runtime.docker,
        )
        self.supervisor.launch(runner)
        return doc

    async def _save_build(self, doc: dict[str, Any], anchor_pid: int | None) -> None:
        body = json.dumps(doc)
        await self.store.execute(
            "UPDATE codebuild_builds SET status = ?, anchor_pid = ?, doc = ? WHERE id = ?",
            (doc["buildStatus"], anchor_pid, body, doc["id"]),
        )
        account, region = _account_region(doc["arn"])
        self._publish_build(account, region, doc)
        if doc.get("buildComplete"):
            work_dir = self.runtime.data_dir / "codebuild" / "builds" / doc["id"].split(":", 1)[1]
            await asyncio.to_thread(shutil.rmtree, work_dir, True)

    def _publish_build(self, account: str, region: str, doc: dict[str, Any]) -> None:
        ctx = RequestContext(service="codebuild", operation="", account=account, region=region)
        self.publish(
            ctx,
            "codebuild.BuildStateChanged",
            doc["arn"],
            buildId=doc["id"],
            projectName=doc["projectName"],
            buildStatus=doc["buildStatus"],
            currentPhase=doc["currentPhase"],
        )

    # -- stopping and deleting --------------------------------------------------------

    async def stop_build(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        build_id = records.split_build_id(params["id"])
        if self._own_build(ctx, build_id) is None:
            raise build_not_found(build_id)
        await self.supervisor.stop_build(build_id)
        return {"build": self._own_build(ctx, build_id)}

    async def stop_build_internal(self, build_id: str) -> None:
        await self.supervisor.stop_build(build_id)

    async def batch_delete_builds(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        deleted, not_deleted = [], []
        for value in params["ids"]:
            build_id = records.split_build_id(value)
            doc = self._own_build(ctx, build_id)
            if doc is None:
                not_deleted.append({"id": value, "statusCode": "BUILD_NOT_FOUND"})  # unconfirmed
            elif not doc.get("buildComplete"):
                not_deleted.append({"id": value, "statusCode": "BUILD_IN_PROGRESS"})  # unconfirmed
            else:
                await self.store.execute("DELETE FROM codebuild_builds WHERE id = ?", (build_id,))
                deleted.append(value)
        return {"buildsDeleted": deleted, "buildsNotDeleted": not_deleted}


def _account_region(build_arn: str) -> tuple[str, str]:
    parts = build_arn.split(":", 5)
    return parts[4], parts[3]
