"""Handing a worker thread's result to the app's loop without waiting for it.

``App.call_from_thread`` blocks the worker until the callback has run and raises when
the app is closing; a worker (or the feed's thread, or a scenario's observer) only
needs its result drawn soon, so it queues the callback on the loop and goes on.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import Any


def hand_to_app(app: Any, callback: Callable[..., Any], *args: Any) -> None:
    """Run ``callback(*args)`` on the app's loop soon, in the app's context (the
    context variables Textual's widgets look the app up in); nothing if it is gone."""
    loop: asyncio.AbstractEventLoop | None = getattr(app, "ui_loop", None)
    context: contextvars.Context | None = getattr(app, "ui_context", None)
    if loop is None or context is None:
        return
    try:
        loop.call_soon_threadsafe(callback, *args, context=context.copy())
    except RuntimeError:
        pass  # the loop is closed: the app has exited
