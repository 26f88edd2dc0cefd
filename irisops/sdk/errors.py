"""What the SDK raises: each error says what failed and, where a container or a build
ran, carries the last lines of its log."""

from __future__ import annotations

from typing import Any


class IrisopsError(Exception):
    """Base class of the SDK's errors."""


class ResourceFailed(IrisopsError):
    """A job, endpoint, build or pipeline execution ended in a status other than the one
    waited for. ``log_tail`` holds the last lines of its container's or build's log."""

    def __init__(
        self,
        what: str,
        status: str,
        reason: str = "",
        log_tail: list[str] | None = None,
        description: dict | None = None,
    ) -> None:
        self.what = what
        self.status = status
        self.reason = reason
        self.log_tail = list(log_tail or [])
        self.description = description or {}
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"{self.what} is {self.status}"
        if self.reason:
            text += f": {self.reason}"
        if self.log_tail:
            text += "\nlast log lines:\n" + "\n".join(f"  | {line}" for line in self.log_tail)
        return text


class WaitTimeout(ResourceFailed, TimeoutError):
    """The wanted status did not come in time; ``status`` is the last one seen."""

    def __init__(
        self,
        what: str,
        status: str,
        wanted: str,
        timeout: float,
        log_tail: list[str] | None = None,
    ) -> None:
        self.wanted = wanted
        self.timeout = timeout
        super().__init__(what, status, f"still not {wanted} after {timeout:g}s", log_tail=log_tail)


class CommandFailed(IrisopsError):
    """A local command the SDK ran (git) failed; the message quotes its output."""


def aws_error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` ("" for anything else).

    Matching on the code, not on ``client.exceptions.X``: two threads that meet a
    client's first error at once can each build its exception classes, so the class
    raised is not always the one ``client.exceptions`` holds."""
    response: Any = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))
