"""A training job's TrainingJobStatus / SecondaryStatus moves and the fields they set
(SecondaryStatusTransitions, LastModifiedTime, end time and durations)."""

from __future__ import annotations

from typing import Any

#: StatusMessage of each SecondaryStatus (texts unconfirmed; the first two as SageMaker
#: shows them in the console).
MESSAGES = {
    "Starting": "Preparing the instances for training",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
    "Failed": "Training job failed",
    "Stopping": "Stopping the training job",
    "Stopped": "Training job stopped",
    "MaxRuntimeExceeded": "Training job stopped: MaxRuntimeInSeconds exceeded",
}
FINAL_STATUSES = frozenset({"Completed", "Failed", "Stopped"})


def new_transitions(now: float) -> list[dict[str, Any]]:
    return [{"Status": "Starting", "StartTime": now, "StatusMessage": MESSAGES["Starting"]}]


def move(doc: dict[str, Any], status: str, secondary: str, now: float) -> None:
    """Enter ``status``/``secondary``: close the open transition, open the new one (a
    final one is closed at once), stamp LastModifiedTime."""
    transitions = doc.setdefault("SecondaryStatusTransitions", [])
    if transitions and "EndTime" not in transitions[-1]:
        transitions[-1]["EndTime"] = now
    entry: dict[str, Any] = {
        "Status": secondary,
        "StartTime": now,
        "StatusMessage": MESSAGES.get(secondary, secondary),
    }
    if status in FINAL_STATUSES:
        entry["EndTime"] = now
    transitions.append(entry)
    doc["TrainingJobStatus"] = status
    doc["SecondaryStatus"] = secondary
    doc["LastModifiedTime"] = now


def finish(doc: dict[str, Any], status: str, secondary: str, now: float) -> None:
    """End the job: the final move, TrainingEndTime and the (billable) duration, at
    least one second, from TrainingStartTime."""
    move(doc, status, secondary, now)
    doc["TrainingEndTime"] = now
    start = doc.get("TrainingStartTime")
    if start is not None:
        seconds = max(1, round(now - start))
        doc["TrainingTimeInSeconds"] = seconds
        doc["BillableTimeInSeconds"] = seconds
