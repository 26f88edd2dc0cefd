"""An observer that records every call, for the scenario tests."""

from __future__ import annotations

from typing import Any

from irisops.scenario.progress import StepFailure, StepInfo, StepResult, Summary


class RecordingObserver:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, ...]] = []

    def step_started(self, step: StepInfo) -> None:
        self.calls.append(("started", step.key))

    def step_progress(self, step: StepInfo, message: str, fraction: float | None) -> None:
        self.calls.append(("progress", step.key, message, fraction))

    def step_finished(self, step: StepInfo, result: StepResult) -> None:
        self.calls.append(("finished", step.key, result))

    def step_failed(self, step: StepInfo, failure: StepFailure) -> None:
        self.calls.append(("failed", step.key, failure))

    def scenario_finished(self, summary: Summary) -> None:
        self.calls.append(("summary", summary))

    def kinds(self) -> list[tuple[str, str]]:
        """(call, step key) without the progress calls."""
        return [(c[0], c[1]) for c in self.calls if c[0] in ("started", "finished", "failed")]
