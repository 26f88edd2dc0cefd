"""Reading the server's ``/_irisops/events`` from a test: a thread collects the events
until the test's condition holds."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

Event = dict[str, Any]


def listen(
    url: str,
    received: list[Event],
    until: Callable[[list[Event]], bool],
    *,
    keep: Callable[[Event], bool] = lambda event: True,
    timeout: float = 60,
) -> threading.Thread:
    """Collect the events from ``url`` that ``keep`` accepts into ``received``, in a
    thread, until ``until(received)``; returns once the server has subscribed it."""
    connected = threading.Event()

    def run() -> None:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            for line in resp:
                if line.startswith(b": irisops events"):
                    connected.set()
                if line.startswith(b"data: "):
                    event = json.loads(line[6:])
                    if not keep(event):
                        continue
                    received.append(event)
                    if until(received):
                        return

    listener = threading.Thread(target=run, daemon=True)
    listener.start()
    assert connected.wait(10)
    return listener
