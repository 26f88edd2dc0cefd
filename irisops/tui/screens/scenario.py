"""Scenario: the steps of a run the app was given (``irisops demo --tui``), their
status, elapsed time and progress, then the run's summary table."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, ProgressBar, Static

from irisops.tui.scenario import ScenarioRun, StepState, run_scenario, summary_rows
from irisops.tui.widgets.resource_table import ResourceTable
from irisops.tui.widgets.status import STYLES, status_text

COLUMNS = ["Step", "Status", "Time", "Detail"]


class PaneProgress:
    """``ScenarioProgress`` for a scenario running in a worker thread: every report
    is handed to the pane on the app's loop."""

    def __init__(self, pane: ScenarioPane) -> None:
        self.pane = pane

    def _call(self, method: Any, *args: Any) -> None:
        try:
            self.pane.app.call_from_thread(method, *args)
        except RuntimeError:
            pass  # the app is closing

    def step_started(self, step: str, total: float | None = None) -> None:
        self._call(self.pane.started, step, total)

    def step_progress(self, step: str, done: float, total: float | None = None) -> None:
        self._call(self.pane.progressed, step, done, total)

    def step_finished(self, step: str, detail: str = "") -> None:
        self._call(self.pane.ended, step, "done", detail)

    def step_failed(self, step: str, error: str, log_tail: str = "") -> None:
        self._call(self.pane.ended, step, "failed", error + (f"\n{log_tail}" if log_tail else ""))


class ScenarioPane(Vertical):
    def __init__(self, scenario: ScenarioRun, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.steps: dict[str, StepState] = {}
        self.outcome = "not started"

    def compose(self) -> ComposeResult:
        yield Static(getattr(self.scenario, "title", "scenario"), id="scenario-title")
        yield ResourceTable(COLUMNS, id="steps")
        yield ProgressBar(total=None, id="step-progress", show_eta=False)
        yield Static("", id="scenario-outcome")
        summary: DataTable[Any] = DataTable(id="summary", zebra_stripes=True)
        summary.display = False
        yield summary

    def on_mount(self) -> None:
        self.set_interval(1.0, self._redraw)

    def focus_main(self) -> None:
        self.query_one("#steps", ResourceTable).focus()

    def start(self) -> None:
        self.outcome = "running"
        self._run()

    @work(thread=True, exit_on_error=False, group="scenario")
    def _run(self) -> None:
        try:
            summary = run_scenario(self.scenario, PaneProgress(self))
        except Exception as exc:  # the scenario's own failure, shown in the pane
            self.app.call_from_thread(self.finished, None, f"{type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self.finished, summary, None)

    def started(self, step: str, total: float | None) -> None:
        self.steps[step] = StepState(step, total=total)
        bar = self.query_one(ProgressBar)
        bar.update(total=total, progress=0)
        self._redraw()

    def progressed(self, step: str, done: float, total: float | None) -> None:
        state = self.steps.setdefault(step, StepState(step))
        state.done, state.total = done, total if total is not None else state.total
        self.query_one(ProgressBar).update(total=state.total, progress=done)

    def ended(self, step: str, status: str, detail: str) -> None:
        state = self.steps.setdefault(step, StepState(step))
        state.status, state.detail = status, detail
        state.ended = state.ended or time.monotonic()
        self._redraw()

    def finished(self, summary: Any, failure: str | None) -> None:
        if failure:
            self.outcome = "failed"
            message = Text(f"failed: {failure}", style=STYLES["bad"])
        else:
            self.outcome = "done"
            message = Text.assemble(("done", STYLES["good"]), f" in {self.total_elapsed():.1f} s")
        self.app.scenario_outcome = self.outcome  # type: ignore[attr-defined]
        self.app.scenario_summary = summary  # type: ignore[attr-defined]
        self.query_one(ProgressBar).display = False
        rows = summary_rows(summary)
        if rows:
            table = self.query_one("#summary", DataTable)
            columns = list(dict.fromkeys(k for row in rows for k in row))
            table.add_columns(*columns)
            for row in rows:
                table.add_row(*[str(row.get(c, "")) for c in columns])
            table.display = True
        elif summary is not None:
            message.append(f"\n{summary}")
        self.query_one("#scenario-outcome", Static).update(message)
        self._redraw()

    def total_elapsed(self) -> float:
        if not self.steps:
            return 0.0
        first = min(s.started for s in self.steps.values())
        last = max(s.ended or s.started + s.elapsed for s in self.steps.values())
        return last - first

    def _redraw(self) -> None:
        self.query_one("#steps", ResourceTable).set_rows(
            (
                name,
                [
                    name,
                    status_text(state.status),
                    f"{state.elapsed:.1f}s",
                    state.detail.splitlines()[0] if state.detail else "",
                ],
            )
            for name, state in self.steps.items()
        )
