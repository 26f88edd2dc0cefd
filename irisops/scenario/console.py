"""The scenario's progress on a plain terminal, and its summary as tables.

On a TTY, the running step is a live line (spinner, progress bar when the step knows
how far it is, what happens now, elapsed time) and each finished step leaves one line.
When stdout is not a TTY (CI logs) nothing is redrawn: each step start, each new
progress message and each end is one timestamped line.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from irisops.scenario.progress import StepFailure, StepInfo, StepResult, Summary

PLAIN_WIDTH = 120


def seconds(value: float) -> str:
    """``1.5s``; below a tenth of a second, milliseconds (``15 ms``), not ``0.0s``."""
    return f"{value * 1000:.0f} ms" if value < 0.1 else f"{value:.1f}s"


class ConsoleProgress:
    """A :class:`~irisops.scenario.progress.ScenarioObserver` printing to ``console``."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or make_console()
        self.live = self.console.is_terminal
        self.started = time.monotonic()
        self._step_began = self.started
        self._last_message = ""
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def _label(self, step: StepInfo) -> str:
        return f"[{step.index:>2}/{step.total}] {step.title}"

    def _stamp(self) -> str:
        return f"{time.monotonic() - self.started:7.1f}s"

    def step_started(self, step: StepInfo) -> None:
        self._step_began = time.monotonic()
        self._last_message = ""
        if not self.live:
            self.console.print(f"{self._stamp()} {self._label(step)} ...", highlight=False)
            return
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=20),
            TextColumn("[dim]{task.fields[message]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(self._label(step), total=None, message="")

    def step_progress(self, step: StepInfo, message: str, fraction: float | None) -> None:
        if self._progress is not None and self._task is not None:
            update: dict = {"message": message[: self.console.width // 2]}
            if fraction is not None:
                update.update(total=1.0, completed=max(0.0, min(fraction, 1.0)))
            self._progress.update(self._task, **update)
            return
        if message != self._last_message:
            self._last_message = message
            done = f"{fraction:4.0%}" if fraction is not None else "    "
            self.console.print(f"{self._stamp()}    {done} {message}", highlight=False)

    def _end_live(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
            self._task = None

    def step_finished(self, step: StepInfo, result: StepResult) -> None:
        self._end_live()
        line = Text("" if self.live else f"{self._stamp()} ")
        line.append("ok ", "green bold")
        line.append(f"{self._label(step)} ({seconds(result.seconds)})")
        if result.summary:
            line.append(f": {result.summary}", "dim")
        self.console.print(line, highlight=False)

    def step_failed(self, step: StepInfo, failure: StepFailure) -> None:
        self._end_live()
        line = Text("" if self.live else f"{self._stamp()} ")
        line.append("FAILED ", "red bold")
        line.append(f"{self._label(step)} ({seconds(failure.seconds)})")
        self.console.print(line, highlight=False)
        self.console.print(Text(f"  why: {failure.reason}", style="red"), highlight=False)

    def scenario_finished(self, summary: Summary) -> None:
        print_summary(self.console, summary)


def make_console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=PLAIN_WIDTH)
    return console


def print_failure(console: Console, failure: StepFailure) -> None:
    console.print(Text(f"  why: {failure.reason}", style="red"), highlight=False)
    if failure.log_tail:
        console.print("  last log lines:", highlight=False)
        for line in failure.log_tail:
            console.print(Text(f"  | {line}"), highlight=False)


def print_summary(console: Console, summary: Summary) -> None:
    steps = Table(title="iris demo: steps", title_justify="left")
    for column in ("#", "step", "time", "result"):
        steps.add_column(column, justify="right" if column in ("#", "time") else "left")
    for index, result in enumerate(summary.steps, 1):
        steps.add_row(str(index), result.title, seconds(result.seconds), result.summary)
    if summary.failure is not None:
        failure = summary.failure
        steps.add_row(
            str(len(summary.steps) + 1),
            Text(failure.title, style="red"),
            seconds(failure.seconds),
            Text("FAILED", style="red bold"),
        )
    console.print(steps)

    if summary.resources:
        resources = Table(title="resources", title_justify="left")
        for column in ("kind", "name", "status", "detail"):
            resources.add_column(column)
        for res in summary.resources:
            resources.add_row(res.kind, res.name, res.status, res.detail)
        console.print(resources)

    if summary.predictions:
        predictions = Table(title="predictions", title_justify="left")
        for column in ("endpoint", "features", "expected", "predicted", "latency"):
            predictions.add_column(column, justify="right" if column == "latency" else "left")
        for p in summary.predictions:
            mark = Text(p.predicted, style="green" if p.correct else "red bold")
            features = ", ".join(f"{v:g}" for v in p.features)
            predictions.add_row(p.endpoint, features, p.expected, mark, f"{p.latency_ms:.1f} ms")
        console.print(predictions)

    total = f"{seconds(summary.total_seconds)} (+{seconds(summary.teardown_seconds)} to stop)"
    if summary.ok:
        console.print(Text(f"iris demo passed in {total}", style="green bold"))
    else:
        assert summary.failure is not None
        console.print(
            Text(f"iris demo FAILED at '{summary.failure.title}' after {total}", style="red bold")
        )
        print_failure(console, summary.failure)
