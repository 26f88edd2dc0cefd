"""MetricDefinitions: regexes run over every log line; the first capture group of a
match is the metric's value, and FinalMetricDataList keeps the last value of each."""

from __future__ import annotations

import logging
import re
from typing import Any

log = logging.getLogger("irisops.sagemaker")


class MetricCollector:
    def __init__(self, definitions: list[dict[str, str]] | None) -> None:
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for definition in definitions or []:
            try:
                self._patterns.append((definition["Name"], re.compile(definition["Regex"])))
            except re.error as exc:
                log.warning("metric %s: bad regex: %s", definition.get("Name"), exc)
        self._last: dict[str, tuple[float, float]] = {}

    def feed(self, line: str, timestamp: float) -> None:
        for name, pattern in self._patterns:
            match = pattern.search(line)
            if match is None:
                continue
            text = match.group(1) if pattern.groups else match.group(0)
            try:
                value = float(text)
            except (TypeError, ValueError):
                continue
            self._last[name] = (value, timestamp)

    def final(self) -> list[dict[str, Any]]:
        """``[{MetricName, Value, Timestamp}]`` in definition order."""
        out = []
        for name, _ in self._patterns:
            if name in self._last:
                value, timestamp = self._last[name]
                out.append({"MetricName": name, "Value": value, "Timestamp": timestamp})
        return out
