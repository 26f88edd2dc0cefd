"""Following one CloudWatch Logs stream: each read returns only the new lines."""

from __future__ import annotations

from typing import Any

from irisops.tui.aws import Aws


class LogCursor:
    def __init__(self, group: str, stream: str) -> None:
        self.group = group
        self.stream = stream
        self._token: str | None = None

    def read_new(self, aws: Aws, limit: int = 500) -> list[str]:
        logs = aws.client("logs")
        lines: list[str] = []
        while True:
            params: dict[str, Any] = {
                "logGroupName": self.group,
                "logStreamName": self.stream,
                "startFromHead": True,
                "limit": limit,
            }
            if self._token:
                params["nextToken"] = self._token
            try:
                page = logs.get_log_events(**params)
            except logs.exceptions.ResourceNotFoundException:
                return lines  # the stream is not written yet
            lines += [event["message"].rstrip("\n") for event in page["events"]]
            token = page.get("nextForwardToken")
            if not page["events"] or token == self._token:
                self._token = token
                return lines
            self._token = token
