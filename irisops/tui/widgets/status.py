"""Statuses drawn in colour: green done, amber running, red failed, grey not reached.

The colours are mid-tone so they read on dark and on light terminals alike.
"""

from __future__ import annotations

from rich.text import Text

GOOD = {"Succeeded", "Completed", "InService", "SUCCEEDED", "Approved", "done"}
BUSY = {
    "InProgress",
    "Creating",
    "Updating",
    "Stopping",
    "Deleting",
    "SystemUpdating",
    "RollingBack",
    "IN_PROGRESS",
    "Pending",
    "running",
}
BAD = {"Failed", "Stopped", "FAILED", "FAULT", "STOPPED", "TIMED_OUT", "Rejected", "failed"}
STYLES = {"good": "bold #2e9d4f", "busy": "bold #c88a00", "bad": "bold #d64040", "none": "#8a8a8a"}
MARKS = {"good": "✔", "busy": "●", "bad": "✘", "none": "○"}


def tone(status: str) -> str:
    if status in GOOD:
        return "good"
    if status in BUSY:
        return "busy"
    if status in BAD:
        return "bad"
    return "none"


def status_text(status: str) -> Text:
    return Text(status or "-", style=STYLES[tone(status)])


def stage_strip(stages: list[tuple[str, str]]) -> Text:
    """``✔ Source → ● Build``: each stage with its status mark and colour."""
    text = Text()
    for index, (name, status) in enumerate(stages):
        if index:
            text.append(" → ", style="#8a8a8a")
        kind = tone(status)
        text.append(f"{MARKS[kind]} {name}", style=STYLES[kind])
    return text
