"""The SageMaker API: one mixin per resource kind, each with its own tables.

Jobs and endpoints are long work owned by supervisors the service starts and stops;
handlers record, start and answer.
"""

from __future__ import annotations

import sqlite3
from typing import Any, ClassVar

from irisops.services.base import Service
from irisops.services.sagemaker.jobs_records import SCHEMA as JOBS_SCHEMA
from irisops.services.sagemaker.processing_jobs import ProcessingJobOperations
from irisops.services.sagemaker.resources import SCHEMA as RESOURCES_SCHEMA
from irisops.services.sagemaker.resources import TagOperations
from irisops.services.sagemaker.training_jobs import TrainingJobOperations

#: Every table of the service, emptied by reset.
TABLES: list[str] = ["sagemaker_resources", "sagemaker_jobs"]


class SageMakerService(TrainingJobOperations, ProcessingJobOperations, TagOperations, Service):
    name: ClassVar[str] = "sagemaker"
    schema: ClassVar[str] = RESOURCES_SCHEMA + JOBS_SCHEMA

    async def start(self) -> None:
        await self.start_jobs()

    async def stop(self) -> None:
        await self.stop_jobs()

    async def reset(self) -> None:
        await self.reset_jobs()

        def wipe(conn: sqlite3.Connection) -> None:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")

        await self.store.write(wipe)

    def snapshot(self) -> dict[str, Any]:
        rows = self.store.read(
            "SELECT type, COUNT(*) AS n FROM sagemaker_resources GROUP BY type ORDER BY type"
        )
        return {"resources": {row["type"]: row["n"] for row in rows}}
