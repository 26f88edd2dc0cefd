"""What the dashboard expects of a scenario run (``irisops demo --tui``).

The shape is ``irisops.scenario``'s (``IrisScenario`` and its ``ScenarioObserver``),
duck-typed here so the dashboard imports none of it. The app is given a scenario
object with:

- ``observer``: replaced by the app's own (``PaneObserver``) before the run;
- ``async run() -> summary``: called once, in a worker thread, on that thread's own
  event loop (so the scenario's blocking calls never stall the UI);
- ``stack`` (optional): its ``endpoint_url``, once it answers (after the scenario's
  server step), is what the app attaches to, so the other panes fill as the scenario
  goes; when the app exits, ``stack.stop()`` is called if ``stack.owns_server``.

The observer's calls, in order for each step: ``step_started(step)``, any number of
``step_progress(step, message, fraction)``, then ``step_finished(step, result)`` or
``step_failed(step, failure)``; finally ``scenario_finished(summary)``. ``step`` has
``key``, ``title``, ``index``, ``total``; ``result`` has ``seconds``, ``summary``;
``failure`` has ``seconds``, ``reason``, ``log_tail``; ``summary`` has ``ok``,
``total_seconds``, ``resources`` (``kind``, ``name``, ``status``, ``detail``) and
``predictions`` (``endpoint``, ``features``, ``expected``, ``predicted``,
``latency_ms``). The calls come from the scenario's thread and must not block: each
is handed to the app's loop and returns at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from irisops.tui.handoff import hand_to_app


class ScenarioRun(Protocol):
    observer: Any

    async def run(self) -> Any: ...


class ScenarioView(Protocol):
    """What the Scenario pane does with each report (on the app's loop)."""

    def started(self, step: Any) -> None: ...

    def progressed(self, step: Any, message: str, fraction: float | None) -> None: ...

    def finished_step(self, step: Any, result: Any) -> None: ...

    def failed_step(self, step: Any, failure: Any) -> None: ...

    def finished(self, summary: Any) -> None: ...


class PaneObserver:
    """A ``ScenarioObserver`` that forwards every call to a view on the app's loop."""

    def __init__(self, view: ScenarioView, app: Any) -> None:
        self.view = view
        self.app = app

    def _hand(self, method: Callable[..., None], *args: Any) -> None:
        hand_to_app(self.app, method, *args)

    def step_started(self, step: Any) -> None:
        self._hand(self.view.started, step)

    def step_progress(self, step: Any, message: str, fraction: float | None) -> None:
        self._hand(self.view.progressed, step, message, fraction)

    def step_finished(self, step: Any, result: Any) -> None:
        self._hand(self.view.finished_step, step, result)

    def step_failed(self, step: Any, failure: Any) -> None:
        self._hand(self.view.failed_step, step, failure)

    def scenario_finished(self, summary: Any) -> None:
        self._hand(self.view.finished, summary)


def run_scenario(scenario: ScenarioRun) -> Any:
    """Run the scenario to its end on a fresh event loop (in the calling thread)."""
    return asyncio.run(scenario.run())


def endpoint_of(scenario: Any) -> str | None:
    """The scenario's server URL once it has one, else None."""
    stack = getattr(scenario, "stack", None)
    try:
        url = getattr(stack, "endpoint_url", None)
    except Exception:  # a stack not started yet may raise instead of answering
        return None
    return str(url) if url else None


def stop_server(scenario: Any) -> None:
    """Stop the scenario's server if it started one (called when the app exits)."""
    stack = getattr(scenario, "stack", None)
    if stack is not None and getattr(stack, "owns_server", False):
        stack.stop()
