"""Bridging callback-style code (one call with a result or an exception) to awaiting."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def settler(future: asyncio.Future[T]) -> Callable[[T | BaseException], None]:
    """A callback that completes ``future`` with a result, or with the exception it is
    given; a future already done (cancelled meanwhile) is left alone."""

    def settle(outcome: T | BaseException) -> None:
        if future.done():
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    return settle
