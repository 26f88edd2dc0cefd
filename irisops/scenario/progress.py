"""How a scenario run reports itself: an observer interface and the data it is given.

The console printer (:mod:`irisops.scenario.console`) is one observer; the dashboard
(``irisops demo --tui``) is meant to be another: it gets the same calls, in the same
order, from the same run. Calls arrive on the loop that runs the scenario, from one
task at a time (steps run one after another), and must not block.

Order: ``step_started`` -> any number of ``step_progress`` -> ``step_finished`` or
``step_failed``, for each step in turn; then ``scenario_finished`` with the
:class:`Summary`, once, whether the run succeeded or not.

A dashboard runs the same scenario on its own loop::

    scenario = make_scenario(observer=pane, keep_server=True)  # irisops.scenario.demo
    summary = await scenario.run()
    # the server is up from the end of step "server" on: scenario.stack.endpoint_url
    await asyncio.to_thread(scenario.stack.stop)  # when the app quits
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class StepInfo:
    """A step as announced before it runs: ``index`` counts from 1 up to ``total``."""

    key: str
    title: str
    index: int
    total: int


@dataclass(frozen=True)
class Resource:
    """One AWS resource the scenario made, as the summary lists it."""

    kind: str
    name: str
    status: str
    detail: str = ""


@dataclass(frozen=True)
class Prediction:
    """One invocation: the features sent, the species expected and the one answered."""

    endpoint: str
    features: tuple[float, ...]
    expected: str
    predicted: str
    latency_ms: float

    @property
    def correct(self) -> bool:
        return self.expected == self.predicted


@dataclass(frozen=True)
class StepResult:
    """A finished step: ``summary`` is one line saying what it did."""

    key: str
    title: str
    seconds: float
    summary: str = ""


@dataclass(frozen=True)
class StepFailure:
    """A failed step: why, and the last lines of the container or build log involved."""

    key: str
    title: str
    seconds: float
    reason: str
    log_tail: tuple[str, ...] = ()


@dataclass
class Summary:
    """What the run did, as data: the console prints it as tables, a dashboard may
    show it as it likes."""

    steps: list[StepResult] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    predictions: list[Prediction] = field(default_factory=list)
    failure: StepFailure | None = None
    total_seconds: float = 0.0
    #: Stopping the server and removing its containers, after the steps.
    teardown_seconds: float = 0.0
    endpoint_url: str = ""

    @property
    def ok(self) -> bool:
        return self.failure is None


class ScenarioObserver(Protocol):
    def step_started(self, step: StepInfo) -> None: ...

    def step_progress(self, step: StepInfo, message: str, fraction: float | None) -> None:
        """``message`` is what happens now; ``fraction`` (0..1) when the step knows how
        far it is, else None."""

    def step_finished(self, step: StepInfo, result: StepResult) -> None: ...

    def step_failed(self, step: StepInfo, failure: StepFailure) -> None: ...

    def scenario_finished(self, summary: Summary) -> None: ...


class NullObserver:
    """An observer that ignores everything (for tests and scripts)."""

    def step_started(self, step: StepInfo) -> None:
        pass

    def step_progress(self, step: StepInfo, message: str, fraction: float | None) -> None:
        pass

    def step_finished(self, step: StepInfo, result: StepResult) -> None:
        pass

    def step_failed(self, step: StepInfo, failure: StepFailure) -> None:
        pass

    def scenario_finished(self, summary: Summary) -> None:
        pass
