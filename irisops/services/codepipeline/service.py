"""CodePipeline (JSON 1.1 / smithy-rpc-v2-cbor, ``CodePipeline_20150709``).

The operations live in one mixin per area (pipelines, executions, state, approvals,
tags); executions themselves are the work of
:class:`~irisops.engines.codepipeline.supervisor.PipelineSupervisor`, which this class
starts and stops. CodeCommit and CodeBuild are looked up in ``runtime.services`` when an
action needs them: without them those actions fail with a clear summary.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from irisops.core.runtime import Runtime
from irisops.engines.codepipeline.supervisor import PipelineSupervisor
from irisops.services.codepipeline.approvals import ApprovalOperations
from irisops.services.codepipeline.executions import ExecutionOperations
from irisops.services.codepipeline.pipelines import PipelineOperations
from irisops.services.codepipeline.schema import SCHEMA
from irisops.services.codepipeline.state import StateOperations
from irisops.services.codepipeline.tags import TagOperations


class CodePipelineService(
    PipelineOperations,
    ExecutionOperations,
    StateOperations,
    ApprovalOperations,
    TagOperations,
):
    name = "codepipeline"
    schema = SCHEMA

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.supervisor = PipelineSupervisor(runtime)

    async def start(self) -> None:
        await self.supervisor.start()

    async def stop(self) -> None:
        await self.supervisor.stop()

    async def reset(self) -> None:
        await self.supervisor.reset()

        def wipe(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM codepipeline_pipelines")

        await self.store.write(wipe)

    def snapshot(self) -> dict[str, Any]:
        rows = self.store.read(
            "SELECT p.account, p.region, p.name, p.version, "
            "(SELECT e.status FROM codepipeline_executions e WHERE e.pipeline_id = p.id "
            "ORDER BY e.seq DESC LIMIT 1) AS latest "
            "FROM codepipeline_pipelines p ORDER BY p.account, p.region, p.name"
        )
        return {
            "pipelines": [
                {
                    "account": r["account"],
                    "region": r["region"],
                    "name": r["name"],
                    "version": r["version"],
                    "latestExecutionStatus": r["latest"],
                }
                for r in rows
            ]
        }
