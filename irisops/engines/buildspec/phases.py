"""CodeBuild's build phases: their order, where a failure goes next, and the phase
records BatchGetBuilds reports.

A build document (a dict shaped like botocore's ``Build``) carries ``phases`` in order,
each ``{phaseType, phaseStatus, startTime, endTime, durationInSeconds, contexts}``; the
COMPLETED phase only has a start. Times are epoch seconds (floats).
"""

from __future__ import annotations

import math
from typing import Any

PHASES = (
    "SUBMITTED",
    "QUEUED",
    "PROVISIONING",
    "DOWNLOAD_SOURCE",
    "INSTALL",
    "PRE_BUILD",
    "BUILD",
    "POST_BUILD",
    "UPLOAD_ARTIFACTS",
    "FINALIZING",
    "COMPLETED",
)
#: The buildspec phase each command phase runs.
BUILDSPEC_PHASE = {
    "INSTALL": "install",
    "PRE_BUILD": "pre_build",
    "BUILD": "build",
    "POST_BUILD": "post_build",
}
#: Where a build goes after a phase failed (on-failure ABORT): CodeBuild runs
#: POST_BUILD after a BUILD failure and attempts UPLOAD_ARTIFACTS after POST_BUILD,
#: but a failure before BUILD skips straight to FINALIZING.
AFTER_FAILURE = {
    "PROVISIONING": "FINALIZING",
    "DOWNLOAD_SOURCE": "FINALIZING",
    "INSTALL": "FINALIZING",
    "PRE_BUILD": "FINALIZING",
    "BUILD": "POST_BUILD",
    "POST_BUILD": "UPLOAD_ARTIFACTS",
    "UPLOAD_ARTIFACTS": "FINALIZING",
    "FINALIZING": "COMPLETED",
}
FINAL_STATUSES = ("SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED")


def next_phase(phase: str, succeeded: bool, on_failure: str = "ABORT") -> str:
    """The phase after ``phase`` ended; ``on_failure=CONTINUE`` carries on in order."""
    if succeeded or on_failure == "CONTINUE" or phase not in AFTER_FAILURE:
        return PHASES[PHASES.index(phase) + 1]
    return AFTER_FAILURE[phase]


def enter_phase(build: dict[str, Any], phase: str, now: float) -> None:
    build["phases"].append({"phaseType": phase, "startTime": now})
    build["currentPhase"] = phase


def end_phase(
    build: dict[str, Any], status: str, now: float, code: str = "", message: str = ""
) -> dict[str, Any]:
    """Close the current phase with ``status`` and one context."""
    phase = build["phases"][-1]
    phase["phaseStatus"] = status
    phase["endTime"] = now
    phase["durationInSeconds"] = max(0, math.floor(now - phase["startTime"]))
    phase["contexts"] = [{"statusCode": code, "message": message}]
    return phase


def complete(build: dict[str, Any], status: str, now: float) -> None:
    """Enter COMPLETED and settle the build's status."""
    enter_phase(build, "COMPLETED", now)
    build["buildStatus"] = status
    build["buildComplete"] = True
    build["endTime"] = now


def open_phase(build: dict[str, Any]) -> dict[str, Any] | None:
    """The phase still running (no status yet), if any."""
    if build["phases"] and "phaseStatus" not in build["phases"][-1]:
        if build["phases"][-1]["phaseType"] != "COMPLETED":
            return build["phases"][-1]
    return None
