"""Scenario: the steps of a run the app was given (``irisops demo --tui``) with their
status, time and progress, a failed step's reason and log tail, then the summary:
the resources made and the predictions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

from irisops.tui.handoff import hand_to_app
from irisops.tui.scenario import PaneObserver, ScenarioRun, run_scenario
from irisops.tui.widgets.resource_table import ResourceTable
from irisops.tui.widgets.status import STYLES, status_text

STEP_COLUMNS = ["#", "Step", "Status", "Time", "Detail"]
SUMMARY_COLUMNS = ["Kind", "Name", "Status", "Detail"]


@dataclass
class StepRow:
    index: int
    title: str
    status: str = "running"
    detail: str = ""
    started: float = 0.0
    seconds: float | None = None

    @property
    def elapsed(self) -> float:
        return self.seconds if self.seconds is not None else time.monotonic() - self.started


class ScenarioPane(Vertical):
    def __init__(self, scenario: ScenarioRun, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.steps: dict[str, StepRow] = {}
        self.outcome = "not started"
        self.summary: Any = None

    def compose(self) -> ComposeResult:
        yield Static(getattr(self.scenario, "title", "scenario"), id="scenario-title")
        yield ResourceTable(STEP_COLUMNS, "starting…", id="steps")
        yield ProgressBar(total=None, id="step-progress", show_eta=False)
        yield Static("", id="scenario-outcome")
        summary = ResourceTable(SUMMARY_COLUMNS, id="summary")
        summary.display = False
        yield summary

    def on_mount(self) -> None:
        self.set_interval(1.0, self._redraw)

    def focus_main(self) -> None:
        self.query_one("#steps", ResourceTable).focus()

    def start(self) -> None:
        self.outcome = "running"
        self.scenario.observer = PaneObserver(self, self.app)
        self._run()

    @work(thread=True, exit_on_error=False, group="scenario")
    def _run(self) -> None:
        try:
            run_scenario(self.scenario)
        except Exception as exc:  # the run itself broke (not a failed step): shown
            hand_to_app(self.app, self.broke, f"{type(exc).__name__}: {exc}")

    # -- the observer's calls, on the app's loop ----------------------------------------

    def started(self, step: Any) -> None:
        self.steps[step.key] = StepRow(step.index, step.title, started=time.monotonic())
        self.query_one(ProgressBar).update(total=None, progress=0)
        self._redraw()
        self.app.scenario_step_changed()  # type: ignore[attr-defined]

    def progressed(self, step: Any, message: str, fraction: float | None) -> None:
        row = self.steps.get(step.key)
        if row is not None:
            row.detail = message
        bar = self.query_one(ProgressBar)
        if fraction is None:
            bar.update(total=None)
        else:
            bar.update(total=100, progress=100 * fraction)

    def finished_step(self, step: Any, result: Any) -> None:
        row = self.steps.setdefault(step.key, StepRow(step.index, step.title))
        row.status, row.seconds, row.detail = "done", result.seconds, result.summary
        self._redraw()
        self.app.scenario_step_changed()  # type: ignore[attr-defined]

    def failed_step(self, step: Any, failure: Any) -> None:
        row = self.steps.setdefault(step.key, StepRow(step.index, step.title))
        row.status, row.seconds, row.detail = "failed", failure.seconds, failure.reason
        tail = "\n".join(failure.log_tail or ())
        message = Text(f"{step.title} failed: {failure.reason}", style=STYLES["bad"])
        if tail:
            message.append(f"\n{tail}")
        self.query_one("#scenario-outcome", Static).update(message)
        self._redraw()

    def finished(self, summary: Any) -> None:
        self.summary = summary
        self.outcome = "done" if summary.ok else "failed"
        self.app.scenario_outcome = self.outcome  # type: ignore[attr-defined]
        self.app.scenario_summary = summary  # type: ignore[attr-defined]
        self.query_one(ProgressBar).display = False
        if summary.ok:
            self.query_one("#scenario-outcome", Static).update(
                Text.assemble(("done", STYLES["good"]), f" in {summary.total_seconds:.1f} s")
            )
        rows = [
            (f"r{n}", [r.kind, r.name, status_text(r.status), r.detail])
            for n, r in enumerate(summary.resources)
        ]
        rows += [
            (
                f"p{n}",
                [
                    "prediction",
                    p.endpoint,
                    status_text("Succeeded" if p.expected == p.predicted else "Failed"),
                    f"{' '.join(f'{x:g}' for x in p.features)} → {p.predicted} "
                    f"({p.expected}), {p.latency_ms:.1f} ms",
                ],
            )
            for n, p in enumerate(summary.predictions)
        ]
        if rows:
            table = self.query_one("#summary", ResourceTable)
            table.set_rows(rows)
            table.display = True
        self._redraw()

    def broke(self, error: str) -> None:
        self.outcome = "failed"
        self.app.scenario_outcome = "failed"  # type: ignore[attr-defined]
        self.query_one("#scenario-outcome", Static).update(
            Text(f"the scenario stopped: {error}", style=STYLES["bad"])
        )

    def _redraw(self) -> None:
        self.query_one("#steps", ResourceTable).set_rows(
            (
                key,
                [
                    str(row.index),
                    row.title,
                    status_text(row.status),
                    f"{row.elapsed:.1f}s",
                    row.detail.splitlines()[0] if row.detail else "",
                ],
            )
            for key, row in self.steps.items()
        )
