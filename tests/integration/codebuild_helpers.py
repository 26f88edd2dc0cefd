"""Helpers for the CodeBuild integration tests: projects, waiting for builds, logs."""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

ENVIRONMENT = {
    "type": "LINUX_CONTAINER",
    "image": "aws/codebuild/standard:7.0",
    "computeType": "BUILD_GENERAL1_SMALL",
}
ROLE = "arn:aws:iam::123456789012:role/codebuild"
BUILD_DEADLINE_S = 120


def create_project(cb: Any, name: str, buildspec: str | None = None, **extra: Any) -> dict:
    params: dict[str, Any] = {
        "name": name,
        "source": {"type": "NO_SOURCE", "buildspec": buildspec or "version: 0.2\n"},
        "artifacts": {"type": "NO_ARTIFACTS"},
        "environment": dict(ENVIRONMENT),
        "serviceRole": ROLE,
    }
    params.update(extra)
    return cb.create_project(**params)["project"]


def wait_build(cb: Any, build_id: str, deadline_s: float = BUILD_DEADLINE_S) -> dict[str, Any]:
    end = time.monotonic() + deadline_s
    while True:
        build = cb.batch_get_builds(ids=[build_id])["builds"][0]
        if build["buildComplete"]:
            return build
        if time.monotonic() > end:
            raise AssertionError(f"build {build_id} did not complete: {build}")
        time.sleep(0.2)


def log_lines(logs: Any, build: dict[str, Any]) -> list[str]:
    group, stream = build["logs"]["groupName"], build["logs"]["streamName"]
    params: dict[str, Any] = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
    lines: list[str] = []
    while True:
        page = logs.get_log_events(**params)
        lines += [event["message"] for event in page["events"]]
        if page["nextForwardToken"] == params.get("nextToken"):
            return lines
        params["nextToken"] = page["nextForwardToken"]


def wait_log_line(logs: Any, cb: Any, build_id: str, prefix: str) -> str:
    """The first log line starting with ``prefix`` once the running build wrote it."""
    end = time.monotonic() + BUILD_DEADLINE_S
    while time.monotonic() < end:
        build = cb.batch_get_builds(ids=[build_id])["builds"][0]
        try:
            lines = log_lines(logs, build)
        except logs.exceptions.ResourceNotFoundException:
            lines = []
        for line in lines:
            if line.startswith(prefix):
                return line
        assert not build["buildComplete"], f"build ended before logging {prefix!r}: {lines}"
        time.sleep(0.2)
    raise AssertionError(f"no log line {prefix!r}")


def phase_statuses(build: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(p["phaseType"], p.get("phaseStatus")) for p in build["phases"]]


def zip_bytes(files: dict[str, tuple[str, int]]) -> bytes:
    """A zip of ``{name: (text, mode)}``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (text, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, text)
    return buffer.getvalue()


def process_gone(pid: int, wait_s: float = 10.0) -> bool:
    """True once ``pid`` no longer runs (a zombie awaiting its reaper counts as gone)."""
    end = time.monotonic() + wait_s
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False
