"""What an action provider gets and gives back.

A provider is an object with ``async run(ctx) -> ActionOutcome`` and ``async
resume(ctx) -> ActionOutcome`` (after a restart, for an action that was InProgress;
``ctx.row`` then holds what was recorded). It raises :class:`ActionFailed` to fail the
action; any other exception fails it as an internal error.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from irisops.core.runtime import Runtime
from irisops.engines.codepipeline.journal import ExecutionJournal
from irisops.engines.codepipeline.model import Execution

if TYPE_CHECKING:
    from irisops.engines.codepipeline.supervisor import PipelineSupervisor


class ActionFailed(Exception):
    """The action failed; ``code`` is a CodePipeline FailureType (``JobFailed``,
    ``ConfigurationError``, ``RevisionUnavailable``, ``SystemUnavailable``, ...)."""

    def __init__(
        self, code: str, message: str, *, external_execution_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.external_execution_id = external_execution_id


@dataclass
class Artifact:
    name: str
    bucket: str
    key: str
    #: The commit a source artifact was made from (CodeCommit sources).
    commit: str | None = None

    def detail(self) -> dict[str, Any]:
        return {"name": self.name, "s3location": {"bucket": self.bucket, "key": self.key}}


@dataclass
class ActionOutcome:
    summary: str | None = None
    #: Source actions: ``{revisionId, revisionChangeId, revisionSummary, created}``.
    revision: dict[str, Any] | None = None
    #: Output variables (``#{Namespace.Name}`` in later actions).
    variables: dict[str, str] = field(default_factory=dict)
    external_execution_id: str | None = None
    #: The commit the action's output artifacts hold (CodeCommit sources).
    commit: str | None = None


@dataclass
class ActionContext:
    runtime: Runtime
    supervisor: PipelineSupervisor
    journal: ExecutionJournal
    execution: Execution
    stage: str
    action: dict[str, Any]
    configuration: dict[str, str]
    action_id: str
    inputs: list[Artifact]
    outputs: list[Artifact]
    scratch: Path
    row: sqlite3.Row | None = None

    @property
    def name(self) -> str:
        return str(self.action["name"])

    def service(self, name: str, purpose: str) -> Any:
        """A running service of this server, or a clear failure of the action."""
        service = self.runtime.services.get(name)
        if service is None:
            raise ActionFailed(
                "ConfigurationError",
                f"{purpose} needs the {name} service, which this irisops server does not "
                "run (see IRISOPS_SERVICES / irisops serve --services)",
            )
        return service

    @property
    def source_override(self) -> str | None:
        return self.execution.source_overrides.get(self.name)
