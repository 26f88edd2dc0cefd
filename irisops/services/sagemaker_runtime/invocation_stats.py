"""Per-endpoint invocation counts and latencies, as CloudWatch's SageMaker metrics would
show them: what the dashboard draws and ``/_irisops/state`` reports.

Recording is an append to a list on the hot path (no lock: one event loop); a flusher
publishes one ``sagemaker-runtime.EndpointInvocations`` event per endpoint per interval
that had traffic, so a busy endpoint costs the bus one event a second, not one per call.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from dataclasses import dataclass, field

from irisops.core.events import EventBus

FLUSH_INTERVAL_S = 1.0
#: How many recent latencies the totals' percentiles are taken over.
RECENT = 1000
EVENT = "sagemaker-runtime.EndpointInvocations"


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = math.ceil(share * len(sorted_values))
    return sorted_values[max(0, min(len(sorted_values), rank) - 1)]


@dataclass
class EndpointCounters:
    name: str
    account: str
    region: str
    invocations: int = 0
    errors: int = 0
    recent_ms: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    interval_ms: list[float] = field(default_factory=list)
    interval_errors: int = 0

    def totals(self) -> dict[str, float | int | str]:
        recent = sorted(self.recent_ms)
        return {
            "EndpointName": self.name,
            "Invocations": self.invocations,
            "Errors": self.errors,
            "P50Ms": round(percentile(recent, 0.50), 3),
            "P99Ms": round(percentile(recent, 0.99), 3),
        }


class InvocationStats:
    def __init__(self, bus: EventBus, interval_s: float = FLUSH_INTERVAL_S) -> None:
        self.bus = bus
        self.interval_s = interval_s
        self.endpoints: dict[str, EndpointCounters] = {}
        self._task: asyncio.Task[None] | None = None

    def record(
        self, arn: str, name: str, account: str, region: str, seconds: float, error: bool
    ) -> None:
        counters = self.endpoints.get(arn)
        if counters is None:
            counters = self.endpoints[arn] = EndpointCounters(name, account, region)
        ms = seconds * 1000.0
        counters.invocations += 1
        counters.recent_ms.append(ms)
        counters.interval_ms.append(ms)
        if error:
            counters.errors += 1
            counters.interval_errors += 1

    def forget(self, arn: str) -> None:
        self.endpoints.pop(arn, None)

    def clear(self) -> None:
        self.endpoints.clear()

    def flush(self) -> None:
        """Publish the interval's figures of every endpoint that had traffic."""
        for arn, counters in self.endpoints.items():
            if not counters.interval_ms:
                continue
            interval = sorted(counters.interval_ms)
            self.bus.publish(
                EVENT,
                service="sagemaker-runtime",
                account=counters.account,
                region=counters.region,
                resource=arn,
                EndpointName=counters.name,
                Invocations=len(interval),
                Errors=counters.interval_errors,
                IntervalSeconds=self.interval_s,
                P50Ms=round(percentile(interval, 0.50), 3),
                P99Ms=round(percentile(interval, 0.99), 3),
            )
            counters.interval_ms = []
            counters.interval_errors = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="invocation-stats")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            self.flush()
