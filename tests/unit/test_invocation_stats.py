"""Invocation figures: nearest-rank percentiles, one event per endpoint per interval
with traffic, totals kept across intervals."""

from __future__ import annotations

from irisops.core.events import EventBus
from irisops.services.sagemaker_runtime.invocation_stats import InvocationStats, percentile

ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep"


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) == 0.0


async def test_flush_publishes_only_endpoints_with_traffic() -> None:
    bus = EventBus()
    stats = InvocationStats(bus)
    with bus.subscribe() as subscription:
        for ms in (1, 2, 3, 4):
            stats.record(ARN, "ep", "123456789012", "us-east-1", ms / 1000, error=ms == 4)
        stats.record(ARN.replace("/ep", "/idle"), "idle", "123456789012", "us-east-1", 0.001, False)
        stats.flush()
        stats.endpoints[ARN.replace("/ep", "/idle")].interval_ms.clear()
        stats.flush()
        events = [await subscription.get(), await subscription.get()]
        stats.flush()
        assert subscription._queue.empty()
    first = next(e for e in events if e.resource == ARN)
    assert first.type == "sagemaker-runtime.EndpointInvocations"
    assert first.detail["Invocations"] == 4 and first.detail["Errors"] == 1
    assert first.detail["P50Ms"] == 2.0 and first.detail["P99Ms"] == 4.0
    stats.record(ARN, "ep", "123456789012", "us-east-1", 0.010, False)
    assert stats.endpoints[ARN].totals()["Invocations"] == 5
    assert stats.endpoints[ARN].totals()["Errors"] == 1
