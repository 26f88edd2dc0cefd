"""CodeBuild: projects and builds that really run their buildspec.

Builds are long work owned by a :class:`~irisops.engines.codebuild.supervisor.
BuildSupervisor`; every phase change is persisted, then published as
``codebuild.BuildStateChanged`` (detail ``buildId``, ``projectName``, ``buildStatus``,
``currentPhase``). On start, builds a killed server left IN_PROGRESS are reconciled:
their leftover process group is killed and they end FAILED, saying why.

CodePipeline starts builds through :meth:`CodeBuildService.start_pipeline_build`.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import time
from typing import Any

from irisops.core.runtime import Runtime
from irisops.engines.buildspec import phases as ph
from irisops.engines.buildspec.shell import is_build_anchor, kill_group
from irisops.engines.codebuild.container import container_name, remove_container
from irisops.engines.codebuild.logsink import container_line
from irisops.engines.codebuild.supervisor import BuildSupervisor
from irisops.services.codebuild import records
from irisops.services.codebuild.builds import BuildOperations
from irisops.services.codebuild.errors import project_not_found
from irisops.services.codebuild.projects import ProjectOperations
from irisops.services.codebuild.schema import SCHEMA, TABLES

RESTART_MESSAGE = "irisops restarted while the build was running; its processes were killed"


class CodeBuildService(ProjectOperations, BuildOperations):
    name = "codebuild"
    schema = SCHEMA

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.supervisor = BuildSupervisor()
        self.git_base_url = None
        #: Length of a timeoutInMinutes minute; only tests shorten it.
        self.seconds_per_minute = float(os.environ.get("IRISOPS_CODEBUILD_SECONDS_PER_MINUTE", 60))

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        await self._reconcile()

    async def stop(self) -> None:
        await self.supervisor.close()

    async def reset(self) -> None:
        await self.supervisor.close()

        def wipe(conn: sqlite3.Connection) -> None:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")

        await self.store.write(wipe)
        await asyncio.to_thread(shutil.rmtree, self.runtime.data_dir / "codebuild" / "builds", True)

    def snapshot(self) -> dict[str, Any]:
        projects = self.store.read(
            "SELECT account, region, name FROM codebuild_projects ORDER BY account, region, name"
        )
        builds = self.store.read(
            "SELECT id, status FROM codebuild_builds ORDER BY seq DESC LIMIT 50"
        )
        return {
            "projects": [dict(row) for row in projects],
            "builds": [{"id": row["id"], "buildStatus": row["status"]} for row in builds],
        }

    async def _reconcile(self) -> None:
        rows = await self.store.query(
            "SELECT id, anchor_pid, doc FROM codebuild_builds WHERE status = 'IN_PROGRESS'"
        )
        for row in rows:
            if row["anchor_pid"] and is_build_anchor(row["anchor_pid"], row["id"]):
                kill_group(row["anchor_pid"])
            if self.runtime.docker is not None:
                uuid = row["id"].split(":", 1)[1]
                await remove_container(self.runtime.docker, container_name(uuid))
            doc = json.loads(row["doc"])
            now = time.time()
            if ph.open_phase(doc) is not None:
                ph.end_phase(doc, "FAILED", now, "INTERNAL_ERROR", RESTART_MESSAGE)
            ph.complete(doc, "FAILED", now)
            await self._save_build(doc, None)
            logs = self.runtime.services.get("logs")
            if logs is not None:
                group, stream = doc["logs"]["groupName"], doc["logs"]["streamName"]
                account, region = doc["arn"].split(":")[4], doc["arn"].split(":")[3]
                line = container_line(f"Build FAILED: {RESTART_MESSAGE}")
                await logs.append(account, region, group, stream, [(int(now * 1000), line)])

    # -- the Python API for CodePipeline ----------------------------------------------

    async def start_pipeline_build(
        self,
        account: str,
        region: str,
        project_name: str,
        *,
        pipeline_name: str,
        input_artifacts: list[tuple[str, str]],
        output_artifact: tuple[str, str] | None,
        environment_variables: list[dict[str, Any]] | None = None,
        resolved_source_version: str | None = None,
    ) -> str:
        """Start a CODEPIPELINE build of ``project_name`` from the zip at
        ``input_artifacts[0]``; on success its artifacts go to ``output_artifact``.
        ``resolved_source_version`` (optional: the commit the source artifact was made
        from) becomes ``resolvedSourceVersion`` and CODEBUILD_RESOLVED_SOURCE_VERSION.
        Returns the build id; ``ResourceNotFoundException`` for a missing project."""
        project = self.project_doc(account, region, project_name)
        if project is None:
            raise project_not_found(records.project_arn(region, account, project_name))
        params: dict[str, Any] = {"sourceTypeOverride": "CODEPIPELINE"}
        if environment_variables:
            params["environmentVariablesOverride"] = [
                {"type": "PLAINTEXT", **variable} for variable in environment_variables
            ]
        doc = await self.launch(
            account,
            region,
            project,
            params,
            initiator=f"codepipeline/{pipeline_name}",
            input_artifacts=input_artifacts,
            output_artifact=output_artifact,
            resolved_source_version=resolved_source_version or "",
        )
        return str(doc["id"])
