"""Where events wait between the feed's thread and the UI: coalesced, not queued.

A burst of events becomes one ``Batch`` per UI tick: the set of topics (panes) that
need a re-read, the log streams that grew, and the endpoints' invocation statistics.
However many events arrive, a pane re-reads at most once per tick.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

#: Which panes an event type concerns, by prefix (first match wins).
TOPICS: list[tuple[str, frozenset[str]]] = [
    ("codepipeline.", frozenset({"cicd", "approvals"})),
    ("codebuild.", frozenset({"cicd"})),
    ("codecommit.", frozenset({"cicd"})),
    ("ecr.", frozenset({"registry"})),
    ("sagemaker.TrainingJob", frozenset({"jobs"})),
    ("sagemaker.ProcessingJob", frozenset({"jobs"})),
    ("sagemaker.TransformJob", frozenset({"jobs"})),
    ("sagemaker.Endpoint", frozenset({"endpoints", "predict"})),
    ("sagemaker-runtime.", frozenset({"endpoints"})),
]
ALL_TOPICS = frozenset({"cicd", "approvals", "registry", "jobs", "endpoints", "predict"})


def topics_for(event_type: str) -> frozenset[str]:
    if event_type == "irisops.Reset":
        return ALL_TOPICS
    for prefix, topics in TOPICS:
        if event_type.startswith(prefix):
            return topics
    return frozenset()


@dataclass
class Batch:
    events: int = 0
    resync: bool = False
    topics: set[str] = field(default_factory=set)
    #: (log group, log stream) of every ``logs.EventsAppended``.
    log_streams: set[tuple[str, str]] = field(default_factory=set)
    #: ``sagemaker-runtime.EndpointInvocations`` details, oldest first.
    invocations: list[dict[str, Any]] = field(default_factory=list)
    last_seq: int = 0

    def wants(self, topic: str) -> bool:
        return self.resync or topic in self.topics


class EventInbox:
    def __init__(self, max_invocations: int = 1000) -> None:
        self._lock = threading.Lock()
        self._batch = Batch()
        self._max_invocations = max_invocations
        self.total = 0

    def put(self, event: dict[str, Any]) -> None:
        self.put_many([event])

    def put_many(self, events: list[dict[str, Any]]) -> None:
        with self._lock:
            batch = self._batch
            batch.events += len(events)
            self.total += len(events)
            for event in events:
                kind = str(event.get("type", ""))
                batch.last_seq = max(batch.last_seq, int(event.get("seq") or 0))
                batch.topics.update(topics_for(kind))
                if kind == "logs.EventsAppended":
                    detail = event.get("detail") or {}
                    batch.log_streams.add((str(detail.get("group")), str(detail.get("stream"))))
                elif kind == "sagemaker-runtime.EndpointInvocations":
                    batch.invocations.append(event.get("detail") or {})
            del batch.invocations[: -self._max_invocations]

    def resync(self) -> None:
        with self._lock:
            self._batch.resync = True

    def take(self) -> Batch | None:
        """What arrived since the last take; None when nothing did."""
        with self._lock:
            batch = self._batch
            if not batch.events and not batch.resync:
                return None
            self._batch = Batch()
            return batch
