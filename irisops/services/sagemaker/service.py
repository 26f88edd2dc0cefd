"""The SageMaker API: one mixin per resource kind, each with its own tables.

Jobs and endpoints are long work owned by supervisors the service starts and stops;
handlers record, start and answer.
"""

from __future__ import annotations

import sqlite3
from typing import Any, ClassVar

from irisops.core.runtime import Runtime
from irisops.engines.sagemaker.endpoints import EndpointSupervisor
from irisops.services.base import Service
from irisops.services.sagemaker import endpoint_configs, endpoint_records, models
from irisops.services.sagemaker.endpoint_configs import EndpointConfigOperations
from irisops.services.sagemaker.endpoints import EndpointOperations
from irisops.services.sagemaker.jobs_records import SCHEMA as JOBS_SCHEMA
from irisops.services.sagemaker.models import ModelOperations
from irisops.services.sagemaker.processing_jobs import ProcessingJobOperations
from irisops.services.sagemaker.resources import SCHEMA as RESOURCES_SCHEMA
from irisops.services.sagemaker.resources import TagOperations
from irisops.services.sagemaker.training_jobs import TrainingJobOperations
from irisops.services.sagemaker.transform_jobs import TransformJobOperations

#: Every table of the service, emptied by reset.
TABLES: list[str] = [
    "sagemaker_resources",
    "sagemaker_models",
    "sagemaker_endpoint_configs",
    "sagemaker_endpoints",
    "sagemaker_jobs",
]


class SageMakerService(
    TrainingJobOperations,
    ProcessingJobOperations,
    TransformJobOperations,
    ModelOperations,
    EndpointConfigOperations,
    EndpointOperations,
    TagOperations,
    Service,
):
    name: ClassVar[str] = "sagemaker"
    schema: ClassVar[str] = "\n".join(
        [
            RESOURCES_SCHEMA,
            models.SCHEMA,
            endpoint_configs.SCHEMA,
            endpoint_records.SCHEMA,
            JOBS_SCHEMA,
        ]
    )

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.endpoints = EndpointSupervisor(runtime)

    async def start(self) -> None:
        await self.start_jobs()
        await self.endpoints.start()

    async def stop(self) -> None:
        await self.endpoints.close()
        await self.stop_jobs()

    async def reset(self) -> None:
        await self.endpoints.reset()
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
