"""What the engine knows about one pipeline execution."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from irisops.core.arns import arn

#: Execution statuses after which nothing changes any more.
FINAL_EXECUTION_STATUSES = frozenset({"Succeeded", "Failed", "Stopped", "Superseded", "Cancelled"})


def pipeline_arn(region: str, account: str, name: str) -> str:
    return arn("codepipeline", region, account, name)


@dataclass
class Execution:
    id: str
    seq: int
    pipeline_id: int
    account: str
    region: str
    pipeline_name: str
    pipeline_version: int
    declaration: dict[str, Any]
    source_overrides: dict[str, str] = field(default_factory=dict)
    variables: list[dict[str, str]] = field(default_factory=list)
    status: str = "InProgress"

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Execution:
        """From an execution row joined with its pipeline's account, region and name."""
        return cls(
            id=row["id"],
            seq=row["seq"],
            pipeline_id=row["pipeline_id"],
            account=row["account"],
            region=row["region"],
            pipeline_name=row["name"],
            pipeline_version=row["pipeline_version"],
            declaration=json.loads(row["declaration"]),
            source_overrides=json.loads(row["source_overrides"]),
            variables=json.loads(row["variables"]),
            status=row["status"],
        )

    @property
    def arn(self) -> str:
        return pipeline_arn(self.region, self.account, self.pipeline_name)

    @property
    def mode(self) -> str:
        return str(self.declaration.get("executionMode") or "SUPERSEDED")

    @property
    def artifact_bucket(self) -> str:
        store = self.declaration.get("artifactStore")
        if store:
            return str(store["location"])
        stores = self.declaration.get("artifactStores") or {}
        chosen = stores.get(self.region) or next(iter(stores.values()))
        return str(chosen["location"])

    def stage_names(self) -> list[str]:
        return [stage["name"] for stage in self.declaration["stages"]]


EXECUTION_SELECT = (
    "SELECT e.*, p.account, p.region, p.name FROM codepipeline_executions e "
    "JOIN codepipeline_pipelines p ON p.id = e.pipeline_id"
)
