"""The step runner and the console printer without a server: steps in order, timed,
the first failure ends the run with its reason and log tail, the summary as data and as
text when stdout is not a terminal."""

from __future__ import annotations

import io

from rich.console import Console

from irisops.scenario.console import ConsoleProgress
from irisops.scenario.progress import Prediction, Summary
from irisops.scenario.runner import Step, StepContext, run_steps
from irisops.sdk.errors import ResourceFailed
from tests.scenario.recording import RecordingObserver


async def fine(step: StepContext) -> str:
    step.progress("halfway", 0.5)
    step.resource("endpoint", "iris-endpoint", "Creating")
    step.resource("endpoint", "iris-endpoint", "InService", "1 instance")
    step.summary.predictions.append(
        Prediction("iris-endpoint", (5.0, 3.4, 1.5, 0.2), "setosa", "setosa", 2.5)
    )
    return "did fine"


async def broken(step: StepContext) -> str:
    raise ResourceFailed(
        "training-job iris", "Failed", "AlgorithmError: no rows", ["Traceback", "ValueError: x"]
    )


async def never(step: StepContext) -> str:
    raise AssertionError("a step after a failure ran")


async def test_steps_run_in_order_until_the_first_failure() -> None:
    observer, summary = RecordingObserver(), Summary()
    steps = [Step("one", "first", fine), Step("two", "second", broken), Step("three", "x", never)]
    await run_steps(steps, observer, summary)
    assert observer.kinds() == [
        ("started", "one"), ("finished", "one"), ("started", "two"), ("failed", "two"),
    ]  # fmt: skip
    assert ("progress", "one", "halfway", 0.5) in observer.calls
    assert [s.summary for s in summary.steps] == ["did fine"]
    assert [(r.name, r.status, r.detail) for r in summary.resources] == [
        ("iris-endpoint", "InService", "1 instance")
    ]
    assert not summary.ok and summary.failure is not None
    assert summary.failure.key == "two"
    assert summary.failure.reason == "training-job iris is Failed: AlgorithmError: no rows"
    assert summary.failure.log_tail == ("Traceback", "ValueError: x")
    assert summary.total_seconds >= summary.steps[0].seconds


async def test_console_output_without_a_terminal_is_plain_lines() -> None:
    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=False)
    printer = ConsoleProgress(console)
    summary = Summary()
    await run_steps([Step("one", "first", fine), Step("two", "second", broken)], printer, summary)
    printer.scenario_finished(summary)
    text = out.getvalue()
    assert "\x1b[" not in text  # no colours or cursor moves in a CI log
    assert "[ 1/2] first ..." in text and "halfway" in text
    assert "ok [ 1/2] first" in text and "FAILED [ 2/2] second" in text
    assert "why: training-job iris is Failed: AlgorithmError: no rows" in text
    assert "| ValueError: x" in text
    assert "iris demo FAILED at 'second'" in text
    assert "setosa" in text and "InService" in text
