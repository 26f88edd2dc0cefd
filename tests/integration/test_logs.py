"""CloudWatch Logs through real boto3 clients against a real ``irisops serve``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

GROUP = "/aws/sagemaker/TrainingJobs"
DAY = 24 * 3600 * 1000


@pytest.fixture
def logs(client: Callable[..., Any]) -> Any:
    return client("logs")


def now_ms() -> int:
    return int(time.time() * 1000)


def error_of(call: Callable[..., Any], **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**params)
    response = info.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return response["Error"]["Code"], response["Error"]["Message"]


def put(logs: Any, group: str, stream: str, messages: list[str], start: int) -> dict[str, Any]:
    events = [{"timestamp": start + i, "message": m} for i, m in enumerate(messages)]
    result: dict[str, Any] = logs.put_log_events(
        logGroupName=group, logStreamName=stream, logEvents=events
    )
    return result


# -- groups and streams ---------------------------------------------------------------


def test_log_group_lifecycle_and_errors(logs: Any) -> None:
    logs.create_log_group(logGroupName="/app/web", tags={"team": "ml"})
    assert error_of(logs.create_log_group, logGroupName="/app/web") == (
        "ResourceAlreadyExistsException",
        "The specified log group already exists",
    )
    logs.put_retention_policy(logGroupName="/app/web", retentionInDays=14)
    (group,) = logs.describe_log_groups(logGroupNamePrefix="/app/")["logGroups"]
    assert group["logGroupName"] == "/app/web"
    assert group["retentionInDays"] == 14
    assert group["arn"] == "arn:aws:logs:us-east-1:123456789012:log-group:/app/web:*"
    assert group["storedBytes"] == 0 and group["creationTime"] > 0
    code, message = error_of(logs.put_retention_policy, logGroupName="/app/web", retentionInDays=4)
    assert code == "InvalidParameterException" and "retentionInDays" in message
    logs.delete_retention_policy(logGroupName="/app/web")
    (group,) = logs.describe_log_groups(logGroupNamePattern="app")["logGroups"]
    assert "retentionInDays" not in group
    code, _ = error_of(logs.create_log_group, logGroupName="bad name")
    assert code == "InvalidParameterException"
    logs.delete_log_group(logGroupName="/app/web")
    assert error_of(logs.delete_log_group, logGroupName="/app/web") == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
    assert logs.describe_log_groups()["logGroups"] == []


def test_describe_log_groups_paginator(logs: Any) -> None:
    names = [f"/g/{i:02d}" for i in range(7)]
    for name in names:
        logs.create_log_group(logGroupName=name)
    pages = list(
        logs.get_paginator("describe_log_groups").paginate(PaginationConfig={"PageSize": 3})
    )
    assert [len(page["logGroups"]) for page in pages] == [3, 3, 1]
    assert [g["logGroupName"] for page in pages for g in page["logGroups"]] == names
    code, message = error_of(logs.describe_log_groups, nextToken="nonsense")
    assert (code, message) == ("InvalidParameterException", "The specified nextToken is invalid.")


def test_log_stream_lifecycle_describe_and_errors(logs: Any) -> None:
    assert error_of(logs.create_log_stream, logGroupName="g", logStreamName="s") == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
    logs.create_log_group(logGroupName="g")
    for name in ["job/algo-1-1", "job/algo-2-1", "other/algo-1-1"]:
        logs.create_log_stream(logGroupName="g", logStreamName=name)
    code, _ = error_of(logs.create_log_stream, logGroupName="g", logStreamName="job/algo-1-1")
    assert code == "ResourceAlreadyExistsException"
    put(logs, "g", "job/algo-2-1", ["late"], now_ms())
    put(logs, "g", "other/algo-1-1", ["early"], now_ms() - 10_000)

    prefixed = logs.describe_log_streams(logGroupName="g", logStreamNamePrefix="job/")
    assert [s["logStreamName"] for s in prefixed["logStreams"]] == ["job/algo-1-1", "job/algo-2-1"]
    by_time = logs.describe_log_streams(
        logGroupIdentifier="arn:aws:logs:us-east-1:123456789012:log-group:g",
        orderBy="LastEventTime",
        descending=True,
    )
    assert [s["logStreamName"] for s in by_time["logStreams"]] == [
        "job/algo-2-1",
        "other/algo-1-1",
        "job/algo-1-1",
    ]
    stream = by_time["logStreams"][0]
    assert stream["arn"] == (
        "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:job/algo-2-1"
    )
    for key in ["firstEventTimestamp", "lastEventTimestamp", "lastIngestionTime"]:
        assert stream[key] > 0
    assert stream["storedBytes"] == 0 and len(stream["uploadSequenceToken"]) == 56
    paged = list(
        logs.get_paginator("describe_log_streams").paginate(
            logGroupName="g", PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(page["logStreams"]) for page in paged] == [2, 1]

    assert error_of(
        logs.describe_log_streams,
        logGroupName="g",
        orderBy="LastEventTime",
        logStreamNamePrefix="job/",
    ) == ("InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.")
    assert error_of(logs.describe_log_streams, logGroupName="missing")[0] == (
        "ResourceNotFoundException"
    )
    logs.delete_log_stream(logGroupName="g", logStreamName="job/algo-1-1")
    assert error_of(logs.delete_log_stream, logGroupName="g", logStreamName="job/algo-1-1") == (
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    )


# -- PutLogEvents / GetLogEvents ------------------------------------------------------


def test_put_log_events_rules(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    now = now_ms()
    first = put(logs, "g", "s", ["a", "b"], now - 100)
    second = logs.put_log_events(
        logGroupName="g",
        logStreamName="s",
        sequenceToken="12345",  # ignored, as AWS does now
        logEvents=[{"timestamp": now, "message": "c"}],
    )
    assert int(second["nextSequenceToken"]) > int(first["nextSequenceToken"])
    assert error_of(
        logs.put_log_events,
        logGroupName="g",
        logStreamName="s",
        logEvents=[{"timestamp": now, "message": "x"}, {"timestamp": now - 1, "message": "y"}],
    ) == (
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
    )
    mixed = logs.put_log_events(
        logGroupName="g",
        logStreamName="s",
        logEvents=[
            {"timestamp": now - 15 * DAY, "message": "too old"},
            {"timestamp": now, "message": "d"},
            {"timestamp": now + 3 * 3600 * 1000, "message": "too new"},
        ],
    )
    assert mixed["rejectedLogEventsInfo"] == {
        "tooOldLogEventEndIndex": 1,
        "tooNewLogEventStartIndex": 2,
    }
    events = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True)
    assert [e["message"] for e in events["events"]] == ["a", "b", "c", "d"]
    (group,) = logs.describe_log_groups()["logGroups"]
    assert group["storedBytes"] == 4
    assert error_of(
        logs.put_log_events,
        logGroupName="g",
        logStreamName="missing",
        logEvents=[{"timestamp": now, "message": "x"}],
    ) == ("ResourceNotFoundException", "The specified log stream does not exist.")


def test_parallel_put_log_events_all_land(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    start = now_ms() - 60_000

    def writer(worker: int) -> None:
        for batch in range(10):
            put(logs, "g", "s", [f"w{worker}-b{batch}"], start + worker * 100 + batch)

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(writer, range(6)))
    events = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True)
    assert len(events["events"]) == 60
    stamps = [e["timestamp"] for e in events["events"]]
    assert stamps == sorted(stamps)


def page_through(logs: Any, key: str, **params: Any) -> Iterator[list[str]]:
    """Pages of messages, following ``key`` until the sent token comes back."""
    token = None
    for _ in range(1000):
        response = logs.get_log_events(**params, **({"nextToken": token} if token else {}))
        if response[key] == token:
            assert response["events"] == []
            return
        yield [e["message"] for e in response["events"]]
        token = response[key]
    pytest.fail("GetLogEvents paging did not terminate")


def test_get_log_events_paging_both_directions(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    start = now_ms() - 3_600_000
    messages = [f"line {i}" for i in range(2_500)]
    for offset in range(0, 2_500, 1_000):
        put(logs, "g", "s", messages[offset : offset + 1_000], start + offset)

    forward = list(
        page_through(
            logs,
            "nextForwardToken",
            logGroupName="g",
            logStreamName="s",
            startFromHead=True,
            limit=1_000,
        )
    )
    assert [len(page) for page in forward] == [1_000, 1_000, 500]
    assert [m for page in forward for m in page] == messages

    last = logs.get_log_events(logGroupName="g", logStreamName="s", limit=400)
    assert [e["message"] for e in last["events"]] == messages[-400:]
    backward = list(
        page_through(logs, "nextBackwardToken", logGroupName="g", logStreamName="s", limit=1_000)
    )
    assert [m for page in reversed(backward) for m in page] == messages

    window = logs.get_log_events(
        logGroupName="g",
        logStreamName="s",
        startTime=start + 10,
        endTime=start + 15,
        startFromHead=True,
    )
    assert [e["message"] for e in window["events"]] == messages[10:15]
    assert error_of(logs.get_log_events, logGroupName="g", logStreamName="s", nextToken="f/12") == (
        "InvalidParameterException",
        "The specified nextToken is invalid.",
    )
    assert error_of(logs.get_log_events, logGroupName="g", logStreamName="nope")[1] == (
        "The specified log stream does not exist."
    )


def test_get_log_events_tokens_on_empty_stream(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    first = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True)
    assert first["events"] == []
    assert first["nextForwardToken"].startswith("f/") and len(first["nextForwardToken"]) == 58
    assert first["nextBackwardToken"].startswith("b/") and len(first["nextBackwardToken"]) == 58
    again = logs.get_log_events(
        logGroupName="g", logStreamName="s", startFromHead=True, nextToken=first["nextForwardToken"]
    )
    assert again["nextForwardToken"] == first["nextForwardToken"]


# -- the SageMaker SDK's way of tailing training logs ---------------------------------


def sdk_log_stream(logs: Any, group: str, stream: str, start_time: int, skip: int) -> Iterator[Any]:
    """What sagemaker's ``logs.log_stream`` does: GetLogEvents with startFromHead=True and
    the forward token until a page comes back empty, skipping ``skip`` events first."""
    token = None
    for _ in range(1000):
        response = logs.get_log_events(
            logGroupName=group,
            logStreamName=stream,
            startTime=start_time,
            startFromHead=True,
            **({"nextToken": token} if token else {}),
        )
        token = response["nextForwardToken"]
        events = response["events"]
        if not events:
            return
        dropped = min(skip, len(events))
        skip -= dropped
        yield from events[dropped:]
    pytest.fail("tail did not stop")


def sdk_poll(logs: Any, job: str, positions: dict[str, tuple[int, int]]) -> list[str]:
    """One polling round of the SDK's ``logs_for_job``: list the job's streams, read each
    from its (timestamp, skip) position, and advance the positions."""
    streams = logs.describe_log_streams(
        logGroupName=GROUP, logStreamNamePrefix=f"{job}/", orderBy="LogStreamName", limit=50
    )["logStreams"]
    lines = []
    for stream in (s["logStreamName"] for s in streams):
        timestamp, skip = positions.get(stream, (0, 0))
        for event in sdk_log_stream(logs, GROUP, stream, timestamp, skip):
            lines.append(f"{stream}: {event['message']}")
            if event["timestamp"] == timestamp:
                skip += 1
            else:
                timestamp, skip = event["timestamp"], 1
        positions[stream] = (timestamp, skip)
    return lines


def test_sagemaker_sdk_tails_training_logs(logs: Any) -> None:
    job = "iris-train-2024"
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName=f"{job}/algo-1-1700000000")
    logs.create_log_stream(logGroupName=GROUP, logStreamName="other-job/algo-1-1700000000")
    stream = f"{job}/algo-1-1700000000"
    start = now_ms() - 60_000
    positions: dict[str, tuple[int, int]] = {}
    assert sdk_poll(logs, job, positions) == []

    # Two lines share a timestamp: the SDK's skip count must not repeat or drop them.
    put(logs, GROUP, stream, ["epoch 1", "epoch 2"], start)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName=stream,
        logEvents=[{"timestamp": start + 1, "message": "same ts"}],
    )
    put(logs, GROUP, "other-job/algo-1-1700000000", ["not mine"], start)
    assert sdk_poll(logs, job, positions) == [
        f"{stream}: epoch 1",
        f"{stream}: epoch 2",
        f"{stream}: same ts",
    ]
    assert sdk_poll(logs, job, positions) == []

    put(logs, GROUP, stream, ["epoch 3", "done"], start + 5)
    logs.create_log_stream(logGroupName=GROUP, logStreamName=f"{job}/algo-2-1700000000")
    put(logs, GROUP, f"{job}/algo-2-1700000000", ["host 2"], start + 6)
    assert sdk_poll(logs, job, positions) == [
        f"{stream}: epoch 3",
        f"{stream}: done",
        f"{job}/algo-2-1700000000: host 2",
    ]


# -- FilterLogEvents ------------------------------------------------------------------


def test_filter_log_events(logs: Any) -> None:
    logs.create_log_group(logGroupName="g")
    start = now_ms() - 60_000
    for stream, lines in {
        "job/algo-1": ["[INFO] start", "[ERROR] out of memory", "[INFO] done"],
        "job/algo-2": ["[WARN] slow disk", "[ERROR] bang"],
        "other": ["[ERROR] unrelated"],
    }.items():
        logs.create_log_stream(logGroupName="g", logStreamName=stream)
        put(logs, "g", stream, lines, start)

    errors = logs.filter_log_events(
        logGroupName="g", logStreamNamePrefix="job/", filterPattern="ERROR"
    )
    assert sorted(e["message"] for e in errors["events"]) == [
        "[ERROR] bang",
        "[ERROR] out of memory",
    ]
    event = errors["events"][0]
    assert set(event) == {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}
    assert errors["searchedLogStreams"] == []
    phrase = logs.filter_log_events(logGroupName="g", filterPattern='"out of memory"')
    assert [e["message"] for e in phrase["events"]] == ["[ERROR] out of memory"]
    either = logs.filter_log_events(
        logGroupName="g", filterPattern="?WARN ?done", logStreamNames=["job/algo-1", "job/algo-2"]
    )
    assert sorted(e["message"] for e in either["events"]) == ["[INFO] done", "[WARN] slow disk"]

    pages = list(
        logs.get_paginator("filter_log_events").paginate(
            logGroupName="g", PaginationConfig={"PageSize": 2}
        )
    )
    assert sum(len(page["events"]) for page in pages) == 6
    assert all(len(page["events"]) <= 2 for page in pages)

    code, _ = error_of(
        logs.filter_log_events, logGroupName="g", logStreamNames=["a"], logStreamNamePrefix="a"
    )
    assert code == "InvalidParameterException"
    assert error_of(logs.filter_log_events, logGroupName="missing")[0] == (
        "ResourceNotFoundException"
    )


# -- tags -----------------------------------------------------------------------------


def test_tags(logs: Any) -> None:
    logs.create_log_group(logGroupName="g", tags={"team": "ml"})
    arn = logs.describe_log_groups()["logGroups"][0]["logGroupArn"]
    logs.tag_resource(resourceArn=arn, tags={"env": "dev"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "ml", "env": "dev"}
    logs.untag_resource(resourceArn=arn, tagKeys=["team"])
    logs.tag_log_group(logGroupName="g", tags={"owner": "me"})
    assert logs.list_tags_log_group(logGroupName="g")["tags"] == {"env": "dev", "owner": "me"}
    logs.untag_log_group(logGroupName="g", tags=["owner"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "dev"}
    assert error_of(logs.list_tags_log_group, logGroupName="missing")[0] == (
        "ResourceNotFoundException"
    )
    assert error_of(logs.list_tags_for_resource, resourceArn=f"{arn}-missing")[0] == (
        "ResourceNotFoundException"
    )
