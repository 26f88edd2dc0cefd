"""Running a list of steps in order: each is timed, announced to the observer, and the
first failure ends the run with the step's name, the reason and the log tail."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from irisops.scenario.progress import (
    Resource,
    ScenarioObserver,
    StepFailure,
    StepInfo,
    StepResult,
    Summary,
)
from irisops.sdk.errors import ResourceFailed


class StepContext:
    """What a running step reports through: progress lines and the resources it made."""

    def __init__(self, observer: ScenarioObserver, info: StepInfo, summary: Summary) -> None:
        self.observer = observer
        self.info = info
        self.summary = summary

    def progress(self, message: str, fraction: float | None = None) -> None:
        self.observer.step_progress(self.info, message, fraction)

    def resource(self, kind: str, name: str, status: str, detail: str = "") -> None:
        """Record (or update) a resource for the summary."""
        made = Resource(kind, name, status, detail)
        for index, known in enumerate(self.summary.resources):
            if (known.kind, known.name) == (kind, name):
                self.summary.resources[index] = made
                return
        self.summary.resources.append(made)


@dataclass(frozen=True)
class Step:
    """``run`` does the work and returns the one-line summary of what it did."""

    key: str
    title: str
    run: Callable[[StepContext], Awaitable[str]]


def failure_of(info: StepInfo, seconds: float, exc: BaseException) -> StepFailure:
    if isinstance(exc, ResourceFailed):
        reason = f"{exc.what} is {exc.status}" + (f": {exc.reason}" if exc.reason else "")
        return StepFailure(info.key, info.title, seconds, reason, tuple(exc.log_tail))
    text = str(exc) or type(exc).__name__
    return StepFailure(info.key, info.title, seconds, f"{type(exc).__name__}: {text}")


async def run_steps(steps: list[Step], observer: ScenarioObserver, summary: Summary) -> Summary:
    """Run ``steps`` in order until one fails; fills and returns ``summary`` (without
    calling ``scenario_finished``: the caller does, once everything is torn down)."""
    started = time.monotonic()
    try:
        for index, step in enumerate(steps, 1):
            info = StepInfo(step.key, step.title, index, len(steps))
            observer.step_started(info)
            began = time.monotonic()
            try:
                line = await step.run(StepContext(observer, info, summary))
            except Exception as exc:
                summary.failure = failure_of(info, time.monotonic() - began, exc)
                observer.step_failed(info, summary.failure)
                return summary
            result = StepResult(step.key, step.title, time.monotonic() - began, line)
            summary.steps.append(result)
            observer.step_finished(info, result)
        return summary
    finally:
        summary.total_seconds = time.monotonic() - started
