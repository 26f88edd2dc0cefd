"""Following a resource on the event stream until a check gives an answer.

:func:`watch` subscribes first, reads the current state once, then re-checks on every
matching event; an overflowed or broken stream is subscribed again and the state read
again, so nothing is ever missed and nothing is polled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import aiohttp

from irisops.sdk.events import Event, EventFilter, EventsOverflowed

if TYPE_CHECKING:
    from irisops.sdk.stack import Stack

T = TypeVar("T")

#: ``check(event)`` is called with None once after subscribing, then with each event.
Check = Callable[[Event | None], Awaitable[T | None]]


async def watch(stack: Stack, event_filter: EventFilter, check: Check[T]) -> T:
    """The first non-None answer of ``check``; wrap in ``asyncio.timeout`` to bound it."""
    while True:
        try:
            async with stack.events(event_filter) as stream:
                answer = await check(None)
                if answer is not None:
                    return answer
                async for event in stream:
                    answer = await check(event)
                    if answer is not None:
                        return answer
        except (EventsOverflowed, ConnectionError, aiohttp.ClientError):
            await asyncio.sleep(0.1)  # subscribe again, then read the state again
