"""LogsService handlers on a real store: groups, streams, PutLogEvents rules,
FilterLogEvents, tags, the engines' append API and retention."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.services.logs import LogsService
from tests.unit.running import running_service

ACCOUNT, REGION = "123456789012", "us-east-1"
DAY = 24 * 3600 * 1000


@pytest.fixture
async def logs(tmp_path: Path) -> AsyncIterator[LogsService]:
    async with running_service(LogsService, tmp_path) as service:
        yield service


def ctx(account: str = ACCOUNT, region: str = REGION) -> RequestContext:
    return RequestContext(service="logs", operation="Test", account=account, region=region)


async def call(logs: LogsService, operation: str, **params: Any) -> dict[str, Any]:
    handler = logs.handler(operation)
    assert handler is not None, operation
    return await handler(ctx(), params)


async def fails(logs: LogsService, operation: str, **params: Any) -> AwsError:
    with pytest.raises(AwsError) as info:
        await call(logs, operation, **params)
    assert info.value.status == 400
    return info.value


async def group_with_stream(logs: LogsService, group: str = "g", stream: str = "s") -> None:
    await call(logs, "CreateLogGroup", logGroupName=group)
    await call(logs, "CreateLogStream", logGroupName=group, logStreamName=stream)


# -- log groups -----------------------------------------------------------------------


async def test_create_duplicate_and_delete_log_group(logs: LogsService) -> None:
    await call(logs, "CreateLogGroup", logGroupName="/app/one")
    error = await fails(logs, "CreateLogGroup", logGroupName="/app/one")
    assert (error.code, error.message) == (
        "ResourceAlreadyExistsException",
        "The specified log group already exists",
    )
    await call(logs, "DeleteLogGroup", logGroupName="/app/one")
    error = await fails(logs, "DeleteLogGroup", logGroupName="/app/one")
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )


async def test_groups_are_partitioned_by_account_and_region(logs: LogsService) -> None:
    await logs.create_log_group(ctx(), {"logGroupName": "shared"})
    await logs.create_log_group(ctx(region="eu-west-1"), {"logGroupName": "shared"})
    await logs.create_log_group(ctx(account="210987654321"), {"logGroupName": "shared"})
    listed = await logs.describe_log_groups(ctx(region="eu-west-1"), {})
    assert [g["arn"] for g in listed["logGroups"]] == [
        "arn:aws:logs:eu-west-1:123456789012:log-group:shared:*"
    ]


async def test_describe_log_groups_fields_prefix_pattern_and_paging(logs: LogsService) -> None:
    for name in ["/aws/a", "/aws/b", "/aws/c", "/other/DataLogs", "DataLogs"]:
        await call(logs, "CreateLogGroup", logGroupName=name, kmsKeyId="key-1")
    await call(logs, "PutRetentionPolicy", logGroupName="/aws/b", retentionInDays=7)
    listed = await call(logs, "DescribeLogGroups", logGroupNamePrefix="/aws/")
    groups = listed["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/aws/a", "/aws/b", "/aws/c"]
    assert "retentionInDays" not in groups[0]
    assert groups[1]["retentionInDays"] == 7
    assert groups[0]["arn"] == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/a:*"
    assert groups[0]["logGroupArn"] == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/a"
    assert groups[0]["storedBytes"] == 0 and groups[0]["kmsKeyId"] == "key-1"
    assert isinstance(groups[0]["creationTime"], int)

    pattern = await call(logs, "DescribeLogGroups", logGroupNamePattern="DataLogs")
    assert [g["logGroupName"] for g in pattern["logGroups"]] == ["/other/DataLogs", "DataLogs"]
    assert set(pattern["logGroups"][0]) == {"logGroupName", "arn", "creationTime"}
    error = await fails(
        logs, "DescribeLogGroups", logGroupNamePrefix="/aws", logGroupNamePattern="x"
    )
    assert error.code == "InvalidParameterException"

    names: list[str] = []
    token = None
    for _ in range(10):
        page = await call(
            logs, "DescribeLogGroups", limit=2, **({"nextToken": token} if token else {})
        )
        assert len(page["logGroups"]) <= 2
        names += [g["logGroupName"] for g in page["logGroups"]]
        token = page.get("nextToken")
        if not token:
            break
    assert names == ["/aws/a", "/aws/b", "/aws/c", "/other/DataLogs", "DataLogs"]
    error = await fails(logs, "DescribeLogGroups", nextToken="not-a-token")
    assert error.message == "The specified nextToken is invalid."


async def test_retention_policy(logs: LogsService) -> None:
    await call(logs, "CreateLogGroup", logGroupName="g")
    error = await fails(logs, "PutRetentionPolicy", logGroupName="g", retentionInDays=2)
    assert error.code == "InvalidParameterException"
    assert "at 'retentionInDays' failed to satisfy constraint" in error.message
    await call(logs, "PutRetentionPolicy", logGroupName="g", retentionInDays=30)
    (group,) = (await call(logs, "DescribeLogGroups"))["logGroups"]
    assert group["retentionInDays"] == 30
    await call(logs, "DeleteRetentionPolicy", logGroupName="g")
    (group,) = (await call(logs, "DescribeLogGroups"))["logGroups"]
    assert "retentionInDays" not in group
    error = await fails(logs, "PutRetentionPolicy", logGroupName="missing", retentionInDays=1)
    assert error.code == "ResourceNotFoundException"


async def test_deletion_protection_blocks_delete(logs: LogsService) -> None:
    await call(logs, "CreateLogGroup", logGroupName="keep", deletionProtectionEnabled=True)
    error = await fails(logs, "DeleteLogGroup", logGroupName="keep")
    assert error.code == "ValidationException"
    await call(
        logs,
        "PutLogGroupDeletionProtection",
        logGroupIdentifier="keep",
        deletionProtectionEnabled=False,
    )
    await call(logs, "DeleteLogGroup", logGroupName="keep")


# -- log streams ----------------------------------------------------------------------


async def test_create_and_delete_log_stream_errors(logs: LogsService) -> None:
    error = await fails(logs, "CreateLogStream", logGroupName="nope", logStreamName="s")
    assert error.message == "The specified log group does not exist."
    await group_with_stream(logs)
    error = await fails(logs, "CreateLogStream", logGroupName="g", logStreamName="s")
    assert error.code == "ResourceAlreadyExistsException"
    error = await fails(logs, "DeleteLogStream", logGroupName="g", logStreamName="other")
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    )
    await call(logs, "DeleteLogStream", logGroupName="g", logStreamName="s")
    assert (await call(logs, "DescribeLogStreams", logGroupName="g"))["logStreams"] == []


async def test_describe_log_streams_order_prefix_and_paging(logs: LogsService) -> None:
    await call(logs, "CreateLogGroup", logGroupName="g")
    now = epoch_ms()
    # job-b gets the latest event, job-a/2 the earliest.
    for name, offset in [("job-a/1", 20), ("job-a/2", 10), ("job-b/1", 30), ("z-empty", None)]:
        await call(logs, "CreateLogStream", logGroupName="g", logStreamName=name)
        if offset is not None:
            await call(
                logs,
                "PutLogEvents",
                logGroupName="g",
                logStreamName=name,
                logEvents=[{"timestamp": now - 1000 + offset, "message": "x"}],
            )
    by_name = await call(logs, "DescribeLogStreams", logGroupName="g", logStreamNamePrefix="job-a/")
    assert [s["logStreamName"] for s in by_name["logStreams"]] == ["job-a/1", "job-a/2"]
    stream = by_name["logStreams"][0]
    assert stream["arn"] == "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:job-a/1"
    assert stream["firstEventTimestamp"] == stream["lastEventTimestamp"] == now - 980
    assert stream["storedBytes"] == 0 and len(stream["uploadSequenceToken"]) == 56

    by_time = await call(
        logs, "DescribeLogStreams", logGroupName="g", orderBy="LastEventTime", descending=True
    )
    assert [s["logStreamName"] for s in by_time["logStreams"]] == [
        "job-b/1",
        "job-a/1",
        "job-a/2",
        "z-empty",
    ]
    descending = await call(logs, "DescribeLogStreams", logGroupName="g", descending=True)
    assert descending["logStreams"][0]["logStreamName"] == "z-empty"
    assert "firstEventTimestamp" not in descending["logStreams"][0]

    error = await fails(
        logs,
        "DescribeLogStreams",
        logGroupName="g",
        orderBy="LastEventTime",
        logStreamNamePrefix="job",
    )
    assert (error.code, error.message) == (
        "InvalidParameterException",
        "Cannot order by LastEventTime with a logStreamNamePrefix.",
    )

    for order in ["LogStreamName", "LastEventTime"]:
        seen: list[str] = []
        token = None
        for _ in range(10):
            page = await call(
                logs,
                "DescribeLogStreams",
                logGroupName="g",
                orderBy=order,
                limit=1,
                **({"nextToken": token} if token else {}),
            )
            seen += [s["logStreamName"] for s in page["logStreams"]]
            token = page.get("nextToken")
            if not token:
                break
        assert len(seen) == 4 and len(set(seen)) == 4

    error = await fails(logs, "DescribeLogStreams", logGroupName="missing")
    assert error.code == "ResourceNotFoundException"
    error = await fails(logs, "DescribeLogStreams", logGroupName="g", logGroupIdentifier="g")
    assert error.message == "LogGroup name and LogGroup ARN are mutually exclusive parameters."


# -- PutLogEvents ---------------------------------------------------------------------


async def test_put_log_events_tokens_and_stored_bytes(logs: LogsService) -> None:
    await group_with_stream(logs)
    now = epoch_ms()
    first = await call(
        logs,
        "PutLogEvents",
        logGroupName="g",
        logStreamName="s",
        logEvents=[{"timestamp": now, "message": "héllo"}],
    )
    second = await call(
        logs,
        "PutLogEvents",
        logGroupName="g",
        logStreamName="s",
        sequenceToken="bogus",
        logEvents=[{"timestamp": now, "message": "again"}],
    )
    assert len(first["nextSequenceToken"]) == 56
    assert int(second["nextSequenceToken"]) == int(first["nextSequenceToken"]) + 1
    assert "rejectedLogEventsInfo" not in first
    (group,) = (await call(logs, "DescribeLogGroups"))["logGroups"]
    assert group["storedBytes"] == len("héllo".encode()) + len("again")


async def test_put_log_events_must_be_chronological(logs: LogsService) -> None:
    await group_with_stream(logs)
    now = epoch_ms()
    error = await fails(
        logs,
        "PutLogEvents",
        logGroupName="g",
        logStreamName="s",
        logEvents=[{"timestamp": now, "message": "b"}, {"timestamp": now - 1, "message": "a"}],
    )
    assert (error.code, error.message) == (
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
    )
    page = await call(logs, "GetLogEvents", logGroupName="g", logStreamName="s")
    assert page["events"] == []


async def test_put_log_events_rejects_too_old_and_too_new(logs: LogsService) -> None:
    await group_with_stream(logs)
    now = epoch_ms()
    events = [
        {"timestamp": now - 15 * DAY, "message": "old0"},
        {"timestamp": now - 15 * DAY + 1, "message": "old1"},
        {"timestamp": now - 1000, "message": "ok"},
        {"timestamp": now + 3 * 3600 * 1000, "message": "new"},
    ]
    out = await call(logs, "PutLogEvents", logGroupName="g", logStreamName="s", logEvents=events)
    assert out["rejectedLogEventsInfo"] == {
        "tooOldLogEventEndIndex": 2,
        "tooNewLogEventStartIndex": 3,
    }
    page = await call(logs, "GetLogEvents", logGroupName="g", logStreamName="s")
    assert [e["message"] for e in page["events"]] == ["ok"]


async def test_put_log_events_rejects_events_past_retention(logs: LogsService) -> None:
    await group_with_stream(logs)
    await call(logs, "PutRetentionPolicy", logGroupName="g", retentionInDays=1)
    now = epoch_ms()
    events = [
        {"timestamp": now - 2 * DAY, "message": "expired"},
        {"timestamp": now, "message": "ok"},
    ]
    out = await call(logs, "PutLogEvents", logGroupName="g", logStreamName="s", logEvents=events)
    assert out["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 1}


async def test_put_log_events_batch_limits(logs: LogsService) -> None:
    await group_with_stream(logs)
    now = epoch_ms()
    error = await fails(
        logs,
        "PutLogEvents",
        logGroupName="g",
        logStreamName="s",
        logEvents=[
            {"timestamp": now - 25 * 3600 * 1000, "message": "a"},
            {"timestamp": now, "message": "b"},
        ],
    )
    assert "24 hours" in error.message
    big = "x" * 600_000
    error = await fails(
        logs,
        "PutLogEvents",
        logGroupName="g",
        logStreamName="s",
        logEvents=[{"timestamp": now, "message": big}, {"timestamp": now, "message": big}],
    )
    assert error.message == "Upload too large: 1200052 bytes exceeds limit of 1048576"


async def test_put_log_events_missing_group_or_stream(logs: LogsService) -> None:
    event = [{"timestamp": epoch_ms(), "message": "x"}]
    error = await fails(logs, "PutLogEvents", logGroupName="g", logStreamName="s", logEvents=event)
    assert error.message == "The specified log group does not exist."
    await call(logs, "CreateLogGroup", logGroupName="g")
    error = await fails(logs, "PutLogEvents", logGroupName="g", logStreamName="s", logEvents=event)
    assert error.message == "The specified log stream does not exist."
    error = await fails(logs, "GetLogEvents", logGroupName="g", logStreamName="s")
    assert error.message == "The specified log stream does not exist."


# -- FilterLogEvents ------------------------------------------------------------------


async def seed_filter(logs: LogsService) -> int:
    base = epoch_ms() - 60_000
    await logs.append(
        ACCOUNT,
        REGION,
        "g",
        "job/algo-1",
        [
            (base + 0, "[INFO] start"),
            (base + 2, "[ERROR] boom"),
            (base + 4, "[INFO] done"),
        ],
    )
    await logs.append(
        ACCOUNT,
        REGION,
        "g",
        "job/algo-2",
        [
            (base + 1, "[WARN] slow"),
            (base + 3, "[ERROR] bang"),
        ],
    )
    await logs.append(ACCOUNT, REGION, "g", "other", [(base + 5, "[ERROR] elsewhere")])
    return base


async def test_filter_log_events_interleaves_streams_and_filters(logs: LogsService) -> None:
    base = await seed_filter(logs)
    everything = await call(logs, "FilterLogEvents", logGroupName="g")
    assert [e["message"] for e in everything["events"]] == [
        "[INFO] start",
        "[WARN] slow",
        "[ERROR] boom",
        "[ERROR] bang",
        "[INFO] done",
        "[ERROR] elsewhere",
    ]
    assert everything["searchedLogStreams"] == [] and "nextToken" not in everything
    event = everything["events"][1]
    assert event["logStreamName"] == "job/algo-2" and len(event["eventId"]) == 56
    assert len({e["eventId"] for e in everything["events"]}) == 6

    errors = await call(
        logs, "FilterLogEvents", logGroupName="g", filterPattern="ERROR", logStreamNamePrefix="job/"
    )
    assert [e["message"] for e in errors["events"]] == ["[ERROR] boom", "[ERROR] bang"]
    named = await call(
        logs,
        "FilterLogEvents",
        logGroupName="g",
        filterPattern="?WARN ?done",
        logStreamNames=["job/algo-1", "job/algo-2", "no-such-stream"],
    )
    assert [e["message"] for e in named["events"]] == ["[WARN] slow", "[INFO] done"]
    window = await call(
        logs, "FilterLogEvents", logGroupName="g", startTime=base + 1, endTime=base + 3
    )
    assert [e["message"] for e in window["events"]] == [
        "[WARN] slow",
        "[ERROR] boom",
        "[ERROR] bang",
    ]
    nothing = await call(logs, "FilterLogEvents", logGroupName="g", logStreamNamePrefix="zzz")
    assert nothing["events"] == []

    error = await fails(
        logs, "FilterLogEvents", logGroupName="g", logStreamNames=["a"], logStreamNamePrefix="a"
    )
    assert error.code == "InvalidParameterException"
    error = await fails(logs, "FilterLogEvents", logGroupName="missing")
    assert error.code == "ResourceNotFoundException"


async def test_filter_log_events_paging(logs: LogsService) -> None:
    await seed_filter(logs)
    for start_from_head, expected in [
        (True, ["[ERROR] boom", "[ERROR] bang", "[ERROR] elsewhere"]),
        (False, ["[ERROR] elsewhere", "[ERROR] bang", "[ERROR] boom"]),
    ]:
        seen: list[str] = []
        token = None
        for _ in range(10):
            page = await call(
                logs,
                "FilterLogEvents",
                logGroupName="g",
                filterPattern="ERROR",
                limit=1,
                startFromHead=start_from_head,
                **({"nextToken": token} if token else {}),
            )
            assert len(page["events"]) <= 1
            seen += [e["message"] for e in page["events"]]
            token = page.get("nextToken")
            if not token:
                break
        assert seen == expected
    garbage = await call(logs, "FilterLogEvents", logGroupName="g", nextToken="garbage")
    assert garbage["events"] == [] and "nextToken" not in garbage


async def test_filter_log_events_scans_past_many_non_matching_events(logs: LogsService) -> None:
    base = epoch_ms() - 3_600_000
    noise = [(base + i, f"noise {i}") for i in range(2_500)]
    await logs.append(ACCOUNT, REGION, "g", "s", [*noise, (base + 3_000, "needle")])
    found = await call(logs, "FilterLogEvents", logGroupName="g", filterPattern="needle")
    assert [e["message"] for e in found["events"]] == ["needle"]
    assert "nextToken" not in found


# -- tags -----------------------------------------------------------------------------


async def test_tags_by_arn_and_by_name(logs: LogsService) -> None:
    await call(logs, "CreateLogGroup", logGroupName="g", tags={"team": "ml"})
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:g"
    assert (await call(logs, "ListTagsForResource", resourceArn=arn))["tags"] == {"team": "ml"}
    await call(logs, "TagResource", resourceArn=arn, tags={"env": "dev"})
    await call(logs, "TagLogGroup", logGroupName="g", tags={"owner": "me"})
    assert (await call(logs, "ListTagsLogGroup", logGroupName="g"))["tags"] == {
        "team": "ml",
        "env": "dev",
        "owner": "me",
    }
    await call(logs, "UntagResource", resourceArn=f"{arn}:*", tagKeys=["team"])
    await call(logs, "UntagLogGroup", logGroupName="g", tags=["owner"])
    assert (await call(logs, "ListTagsForResource", resourceArn=arn))["tags"] == {"env": "dev"}

    error = await fails(
        logs, "TagResource", resourceArn=arn, tags={f"k{i}": "v" for i in range(50)}
    )
    assert error.code == "TooManyTagsException"
    error = await fails(
        logs,
        "ListTagsForResource",
        resourceArn="arn:aws:logs:us-east-1:123456789012:log-group:missing",
    )
    assert error.code == "ResourceNotFoundException"
    error = await fails(logs, "ListTagsLogGroup", logGroupName="missing")
    assert error.code == "ResourceNotFoundException"
    error = await fails(logs, "TagResource", resourceArn="arn:aws:s3:::bucket", tags={"a": "b"})
    assert error.code == "InvalidParameterException"


# -- the engines' API, retention, reset -----------------------------------------------


async def test_append_creates_on_demand_sorts_and_publishes(logs: LogsService) -> None:
    now = epoch_ms()
    with logs.bus.subscribe() as sub:
        await logs.append(
            ACCOUNT, REGION, "/aws/codebuild/p", "b-1", [(now, "two"), (now - 5, "one")]
        )
        await logs.append(ACCOUNT, REGION, "/aws/codebuild/p", "b-1", [(now + 1, "three")])
        types = []
        while len(types) < 4:
            event = await sub.get()
            assert event is not None
            types.append((event.type, event.detail))
    assert types == [
        ("logs.LogGroupCreated", {}),
        ("logs.LogStreamCreated", {"group": "/aws/codebuild/p", "stream": "b-1"}),
        ("logs.EventsAppended", {"group": "/aws/codebuild/p", "stream": "b-1", "count": 2}),
        ("logs.EventsAppended", {"group": "/aws/codebuild/p", "stream": "b-1", "count": 1}),
    ]
    page = await call(logs, "GetLogEvents", logGroupName="/aws/codebuild/p", logStreamName="b-1")
    assert [e["message"] for e in page["events"]] == ["one", "two", "three"]


async def test_append_rejects_negative_timestamps(logs: LogsService) -> None:
    with pytest.raises(ValueError):
        await logs.append(ACCOUNT, REGION, "g", "s", [(-1, "before the epoch")])
    assert logs.snapshot() == {"logGroups": []}


async def test_put_log_events_publishes_events_appended(logs: LogsService) -> None:
    await group_with_stream(logs)
    with logs.bus.subscribe() as sub:
        await call(
            logs,
            "PutLogEvents",
            logGroupName="g",
            logStreamName="s",
            logEvents=[{"timestamp": epoch_ms(), "message": "x"}],
        )
        event = await sub.get()
    assert event is not None and event.type == "logs.EventsAppended"
    assert event.resource == "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:s"


async def test_retention_expires_old_events(logs: LogsService) -> None:
    now = epoch_ms()
    await logs.append(ACCOUNT, REGION, "g", "s", [(now - 3 * DAY, "ancient"), (now, "fresh")])
    await call(logs, "PutRetentionPolicy", logGroupName="g", retentionInDays=1)
    page = await call(logs, "GetLogEvents", logGroupName="g", logStreamName="s")
    assert [e["message"] for e in page["events"]] == ["fresh"]
    (group,) = (await call(logs, "DescribeLogGroups"))["logGroups"]
    assert group["storedBytes"] == len("fresh")


async def test_reset_and_snapshot(logs: LogsService) -> None:
    await logs.append(ACCOUNT, REGION, "g", "s", [(epoch_ms(), "x")])
    assert logs.snapshot()["logGroups"] == [
        {
            "account": ACCOUNT,
            "region": REGION,
            "logGroupName": "g",
            "streams": 1,
            "storedBytes": 1,
            "retentionInDays": None,
        }
    ]
    await logs.reset()
    assert logs.snapshot() == {"logGroups": []}
    assert (await call(logs, "DescribeLogGroups"))["logGroups"] == []
