"""What the dashboard expects of a scenario run (``irisops demo --tui``).

The app is given an object with ``run(progress)``; it calls it once, in a worker thread
(a coroutine function is run there on its own event loop), so the scenario may call
boto3 synchronously. The scenario reports through ``progress``, an object with the
methods of ``ScenarioProgress``; whatever ``run`` returns is its summary: a list of
dicts (one table row each), an object with such a ``rows`` attribute, or any other
value (shown as text). An exception ends the run as failed.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ScenarioProgress(Protocol):
    def step_started(self, step: str, total: float | None = None) -> None: ...

    def step_progress(self, step: str, done: float, total: float | None = None) -> None: ...

    def step_finished(self, step: str, detail: str = "") -> None: ...

    def step_failed(self, step: str, error: str, log_tail: str = "") -> None: ...


class ScenarioRun(Protocol):
    def run(self, progress: ScenarioProgress) -> Any: ...


@dataclass
class StepState:
    name: str
    status: str = "running"
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    done: float = 0.0
    total: float | None = None
    detail: str = ""

    @property
    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started


def run_scenario(scenario: ScenarioRun, progress: ScenarioProgress) -> Any:
    """Call ``scenario.run``, on a fresh event loop when it is a coroutine function."""
    outcome = scenario.run(progress)
    if inspect.isawaitable(outcome):
        return asyncio.run(_awaited(outcome))
    return outcome


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def summary_rows(summary: Any) -> list[dict[str, Any]] | None:
    rows = getattr(summary, "rows", summary)
    if isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
        return rows
    return None
