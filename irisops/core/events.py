"""The event bus: every persisted state change is published here once it has committed.

Subscribers (the SSE endpoint, waiters in the SDK, the TUI) get their own bounded queue.
A subscriber that falls behind by more than its queue is cut off with ``overflowed`` set,
rather than slowing the publisher or growing without bound: it re-reads the state
snapshot and subscribes again.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from irisops.core.clock import utcnow


@dataclass(frozen=True)
class Event:
    """One state change: ``type`` like ``sagemaker.EndpointStateChanged``, ``resource``
    the ARN of what changed, ``detail`` the event's fields (see the README). The SDK
    reads the same type back from the event stream."""

    seq: int
    time: str
    type: str
    service: str
    account: str
    region: str
    resource: str
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        """An event as ``/_irisops/events`` sends it (:meth:`to_json`), read back by a
        client (the SDK)."""
        return cls(
            seq=int(data.get("seq", 0)),
            time=str(data.get("time", "")),
            type=str(data.get("type", "")),
            service=str(data.get("service", "")),
            account=str(data.get("account", "")),
            region=str(data.get("region", "")),
            resource=str(data.get("resource", "")),
            detail=dict(data.get("detail") or {}),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "type": self.type,
            "service": self.service,
            "account": self.account,
            "region": self.region,
            "resource": self.resource,
            "detail": self.detail,
        }


class Subscription:
    def __init__(
        self, bus: EventBus, maxsize: int, predicate: Callable[[Event], bool] | None
    ) -> None:
        self._bus = bus
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize)
        self._predicate = predicate
        self.overflowed = False

    def _offer(self, event: Event) -> None:
        if self._predicate is not None and not self._predicate(event):
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            self._bus._drop(self)
            self._queue.get_nowait()
            self._queue.put_nowait(None)

    def close(self) -> None:
        self._bus._drop(self)
        try:
            self._queue.put_nowait(None)
        except asyncio.QueueFull:
            pass

    async def get(self) -> Event | None:
        """The next event, or None once the subscription has ended."""
        return await self._queue.get()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    def __init__(self) -> None:
        self._subscribers: set[Subscription] = set()
        self._seq = itertools.count(1)

    def publish(
        self,
        type: str,
        *,
        service: str,
        account: str = "",
        region: str = "",
        resource: str = "",
        **detail: Any,
    ) -> Event:
        event = Event(
            seq=next(self._seq),
            time=utcnow().isoformat(),
            type=type,
            service=service,
            account=account,
            region=region,
            resource=resource,
            detail=detail,
        )
        for sub in list(self._subscribers):
            sub._offer(event)
        return event

    def subscribe(
        self, *, maxsize: int = 10_000, predicate: Callable[[Event], bool] | None = None
    ) -> Subscription:
        sub = Subscription(self, maxsize, predicate)
        self._subscribers.add(sub)
        return sub

    def _drop(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    def close(self) -> None:
        for sub in list(self._subscribers):
            sub.close()
