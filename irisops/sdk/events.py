"""``/_irisops/events`` as an async iterator: server-sent events, one per state change.

An :class:`EventStream` connects when it is entered (``async with``) or first iterated,
and is *subscribed* once it has read the server's ``: irisops events`` banner: from then
on no event caused by a later action is missed. That is what waiters rely on: subscribe,
read the current state once, then follow events.

When the client falls behind, the server sends ``event: overflow`` and closes; the
stream raises :class:`EventsOverflowed` so the reader re-reads the state and subscribes
again (waiters in :mod:`irisops.sdk.waiters` do).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from types import TracebackType

import aiohttp

from irisops.core.events import Event

BANNER = ": irisops events"
#: A connection with no event and no heartbeat (every 15 s) for this long is dead.
READ_TIMEOUT_S = 60.0


class EventsOverflowed(Exception):
    """The server cut the stream off because this client fell behind."""


@dataclass(frozen=True)
class EventFilter:
    """Which events a stream yields. ``service`` and ``type`` (a prefix) are applied by
    the server; ``resource`` (an ARN, or a name matched against the ARN's last part and
    the detail's values) and ``where`` (any predicate) by the client."""

    service: str | Iterable[str] | None = None
    type: str | None = None
    resource: str | None = None
    where: Callable[[Event], bool] | None = None

    def query(self) -> dict[str, str]:
        params: dict[str, str] = {}
        if self.service:
            services = [self.service] if isinstance(self.service, str) else list(self.service)
            params["service"] = ",".join(services)
        if self.type:
            params["type"] = self.type
        return params

    def matches(self, event: Event) -> bool:
        if self.resource and not names_resource(event, self.resource):
            return False
        return self.where is None or self.where(event)


def names_resource(event: Event, arn_or_name: str) -> bool:
    """Whether ``event`` is about ``arn_or_name``: its ARN, or a name that is the ARN's
    last path segment (SageMaker lowercases names in ARNs) or one of its detail values."""
    if arn_or_name.startswith("arn:"):
        return event.resource == arn_or_name
    tail = event.resource.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if tail.lower() == arn_or_name.lower():
        return True
    return any(value == arn_or_name for value in event.detail.values())


class EventStream:
    """``async with stack.events(...) as stream: async for event in stream: ...``"""

    def __init__(self, endpoint_url: str, event_filter: EventFilter) -> None:
        self.url = endpoint_url.rstrip("/") + "/_irisops/events"
        self.filter = event_filter
        self._session: aiohttp.ClientSession | None = None
        self._response: aiohttp.ClientResponse | None = None
        self._events: AsyncIterator[Event] | None = None

    async def connect(self) -> EventStream:
        """Open the stream and return once the server has subscribed it."""
        if self._response is not None:
            return self
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=READ_TIMEOUT_S)
        self._session = aiohttp.ClientSession(timeout=timeout)
        try:
            self._response = await self._session.get(self.url, params=self.filter.query())
            self._response.raise_for_status()
            line = (await self._response.content.readline()).decode().strip()
            if line != BANNER:
                raise ConnectionError(f"{self.url} did not answer as an irisops event stream")
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        self._events = None
        if self._response is not None:
            self._response.close()
            self._response = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> EventStream:
        return await self.connect()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event:
        await self.connect()
        if self._events is None:
            self._events = self._read()
        async for event in self._events:
            if self.filter.matches(event):
                return event
        raise StopAsyncIteration  # pragma: no cover - _read ends only by raising

    async def next(self, timeout: float | None = None) -> Event:
        """The next matching event; TimeoutError when none comes within ``timeout``."""
        async with asyncio.timeout(timeout):
            return await self.__anext__()

    async def _read(self) -> AsyncIterator[Event]:
        assert self._response is not None
        kind, data = "", []
        while True:
            raw = await self._response.content.readline()
            if not raw:
                raise ConnectionError(f"{self.url} closed the event stream")
            line = raw.decode().rstrip("\r\n")
            if line == "":
                if kind == "overflow":
                    raise EventsOverflowed(f"{self.url}: this client fell behind")
                if data:
                    yield Event.from_json(json.loads("\n".join(data)))
                kind, data = "", []
            elif line.startswith(":"):
                continue  # the banner again, or a heartbeat
            elif line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
