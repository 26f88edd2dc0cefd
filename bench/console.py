"""What the bench says while it runs, and how it names a failure in one line."""

from __future__ import annotations

import sys


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def error_text(exc: BaseException) -> str:
    """The exception's type and first line, short enough for a table cell."""
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0][:300]
