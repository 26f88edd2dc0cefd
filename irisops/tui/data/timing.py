"""Durations and ages as the panes print them."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def duration(start: datetime | None, end: datetime | None) -> str:
    """``1m05s`` from start to end (or to now while running); ``-`` without a start."""
    if start is None:
        return "-"
    seconds = max(0, int(((end or now()) - start).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def clock(moment: datetime | None) -> str:
    """``HH:MM:SS`` in local time, or ``-``."""
    return moment.astimezone().strftime("%H:%M:%S") if moment else "-"


def size(n: float | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
