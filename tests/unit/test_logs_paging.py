"""GetLogEvents paging: tokens, directions, limits, time windows, end of stream.

Drives the LogsService handlers on a real store (no HTTP).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.services.logs import LogsService
from irisops.services.logs.errors import InvalidParameter
from tests.unit.running import running_service

GROUP = "/aws/sagemaker/TrainingJobs"
STREAM = "job/algo-1-123"
TOKEN = re.compile(r"[fb]/\d{56}")


@pytest.fixture
async def logs(tmp_path: Path) -> AsyncIterator[LogsService]:
    async with running_service(LogsService, tmp_path) as service:
        yield service


def ctx(operation: str = "GetLogEvents") -> RequestContext:
    return RequestContext(service="logs", operation=operation)


async def get(logs: LogsService, **params: Any) -> dict[str, Any]:
    return await logs.get_log_events(
        ctx(), {"logGroupName": GROUP, "logStreamName": STREAM, **params}
    )


async def seed(logs: LogsService, count: int, *, base: int | None = None) -> list[int]:
    """``count`` events ``m0..m{count-1}``, one millisecond apart; returns timestamps."""
    base = base if base is not None else epoch_ms() - 60_000
    stamps = [base + i for i in range(count)]
    await logs.append(
        "123456789012", "us-east-1", GROUP, STREAM, [(ts, f"m{i}") for i, ts in enumerate(stamps)]
    )
    return stamps


def messages(response: dict[str, Any]) -> list[str]:
    return [event["message"] for event in response["events"]]


def flat(pages: Iterable[list[str]]) -> list[str]:
    return [message for page in pages for message in page]


async def follow(
    logs: LogsService, key: str, token: str | None = None, **params: Any
) -> tuple[list[list[str]], str]:
    """Page with ``nextToken = response[key]`` until the token comes back unchanged;
    returns the non-empty pages and the final token. Fails instead of looping forever."""
    pages: list[list[str]] = []
    for _ in range(100):
        page = await get(logs, **params, **({"nextToken": token} if token else {}))
        if page[key] == token:
            assert page["events"] == [], "a page that repeats the token must be empty"
            return pages, token
        assert page["events"], "an unfinished page in this store is never empty"
        pages.append(messages(page))
        token = page[key]
    pytest.fail("paging did not terminate")


async def test_empty_stream_returns_tokens_and_repeats_them(logs: LogsService) -> None:
    await logs.create_log_group(ctx(), {"logGroupName": GROUP})
    await logs.create_log_stream(ctx(), {"logGroupName": GROUP, "logStreamName": STREAM})
    first = await get(logs, startFromHead=True)
    assert first["events"] == []
    assert TOKEN.fullmatch(first["nextForwardToken"])
    assert TOKEN.fullmatch(first["nextBackwardToken"])
    again = await get(logs, startFromHead=True, nextToken=first["nextForwardToken"])
    assert again["events"] == []
    assert again["nextForwardToken"] == first["nextForwardToken"]


async def test_page_forward_from_head_until_token_repeats(logs: LogsService) -> None:
    await seed(logs, 25)
    pages, _ = await follow(logs, "nextForwardToken", startFromHead=True, limit=10)
    assert pages == [
        [f"m{i}" for i in range(0, 10)],
        [f"m{i}" for i in range(10, 20)],
        [f"m{i}" for i in range(20, 25)],
    ]


async def test_default_returns_the_last_page_and_pages_backward(logs: LogsService) -> None:
    await seed(logs, 25)
    last = await get(logs, limit=10)
    assert messages(last) == [f"m{i}" for i in range(15, 25)]
    pages, _ = await follow(logs, "nextBackwardToken", last["nextBackwardToken"], limit=10)
    assert pages == [[f"m{i}" for i in range(5, 15)], [f"m{i}" for i in range(0, 5)]]


async def test_forward_token_from_a_backward_page_continues_after_it(logs: LogsService) -> None:
    await seed(logs, 30)
    last = await get(logs, limit=10)
    middle = await get(logs, limit=10, nextToken=last["nextBackwardToken"])
    assert messages(middle) == [f"m{i}" for i in range(10, 20)]
    forward = await get(logs, limit=10, startFromHead=True, nextToken=middle["nextForwardToken"])
    assert messages(forward) == [f"m{i}" for i in range(20, 30)]


async def test_forward_token_without_start_from_head_gives_latest_events(
    logs: LogsService,
) -> None:
    """Why the API reference says startFromHead must be true with a forward token: the
    page is cut from the far end of the range after the token."""
    await seed(logs, 30)
    head = await get(logs, limit=5, startFromHead=True)
    wrong = await get(logs, limit=5, nextToken=head["nextForwardToken"])
    assert messages(wrong) == [f"m{i}" for i in range(25, 30)]


async def test_new_events_appear_after_the_end_token(logs: LogsService) -> None:
    stamps = await seed(logs, 3)
    page = await get(logs, startFromHead=True)
    end = await get(logs, startFromHead=True, nextToken=page["nextForwardToken"])
    assert end["nextForwardToken"] == page["nextForwardToken"]
    await logs.append("123456789012", "us-east-1", GROUP, STREAM, [(stamps[-1] + 5, "later")])
    tail = await get(logs, startFromHead=True, nextToken=end["nextForwardToken"])
    assert messages(tail) == ["later"]


async def test_tailing_an_initially_empty_stream_sees_new_events(logs: LogsService) -> None:
    await logs.create_log_group(ctx(), {"logGroupName": GROUP})
    await logs.create_log_stream(ctx(), {"logGroupName": GROUP, "logStreamName": STREAM})
    empty = await get(logs, startFromHead=True)
    await seed(logs, 2)
    page = await get(logs, startFromHead=True, nextToken=empty["nextForwardToken"])
    assert messages(page) == ["m0", "m1"]


async def test_time_window_start_inclusive_end_exclusive(logs: LogsService) -> None:
    stamps = await seed(logs, 10)
    page = await get(logs, startFromHead=True, startTime=stamps[3], endTime=stamps[7])
    assert messages(page) == ["m3", "m4", "m5", "m6"]
    backward = await get(logs, startTime=stamps[3], endTime=stamps[7], limit=2)
    assert messages(backward) == ["m5", "m6"]


async def test_window_with_paging_terminates_with_repeated_token(logs: LogsService) -> None:
    stamps = await seed(logs, 50)
    window = {"startTime": stamps[10], "endTime": stamps[40], "limit": 7}
    pages, _ = await follow(logs, "nextForwardToken", startFromHead=True, **window)
    assert flat(pages) == [f"m{i}" for i in range(10, 40)]
    assert max(len(page) for page in pages) == 7
    backward, _ = await follow(logs, "nextBackwardToken", **window)
    assert flat(reversed(backward)) == [f"m{i}" for i in range(10, 40)]


async def test_empty_window_gives_equal_tokens(logs: LogsService) -> None:
    stamps = await seed(logs, 5)
    page = await get(logs, startFromHead=True, startTime=stamps[-1] + 1000)
    assert page["events"] == []
    assert page["nextForwardToken"][2:] == page["nextBackwardToken"][2:]


async def test_equal_timestamps_page_in_ingestion_order(logs: LogsService) -> None:
    ts = epoch_ms() - 1000
    await logs.append(
        "123456789012", "us-east-1", GROUP, STREAM, [(ts, f"same{i}") for i in range(9)]
    )
    pages, _ = await follow(logs, "nextForwardToken", startFromHead=True, limit=2)
    assert flat(pages) == [f"same{i}" for i in range(9)]


async def test_default_limit_is_ten_thousand_events(logs: LogsService) -> None:
    await seed(logs, 10_050)
    page = await get(logs, startFromHead=True)
    assert len(page["events"]) == 10_000
    rest = await get(logs, startFromHead=True, nextToken=page["nextForwardToken"])
    assert messages(rest) == [f"m{i}" for i in range(10_000, 10_050)]


async def test_page_is_capped_at_one_megabyte(logs: LogsService) -> None:
    big = "x" * 200_000
    ts = epoch_ms() - 10_000
    await logs.append(
        "123456789012", "us-east-1", GROUP, STREAM, [(ts + i, f"{i}{big}") for i in range(8)]
    )
    page = await get(logs, startFromHead=True)
    assert len(page["events"]) == 5  # 5 * (200,001 + 26) <= 1 MiB < 6 * ...
    rest = await get(logs, startFromHead=True, nextToken=page["nextForwardToken"])
    assert [event["message"][0] for event in rest["events"]] == ["5", "6", "7"]


async def test_events_carry_ingestion_time(logs: LogsService) -> None:
    before = epoch_ms()
    await seed(logs, 1)
    (event,) = (await get(logs))["events"]
    assert set(event) == {"timestamp", "message", "ingestionTime"}
    assert event["ingestionTime"] >= before


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "f/123",
        "x/" + "0" * 56,
        "f/" + "0" * 55 + "a",
        "f/" + "9" * 56,  # a well-formed token of another stream
    ],
)
async def test_bad_token_is_invalid_parameter(logs: LogsService, token: str) -> None:
    await seed(logs, 3)
    with pytest.raises(InvalidParameter) as info:
        await get(logs, nextToken=token)
    assert info.value.message == "The specified nextToken is invalid."
    assert info.value.code == "InvalidParameterException"


async def test_token_of_another_stream_is_invalid(logs: LogsService) -> None:
    await seed(logs, 3)
    await logs.append("123456789012", "us-east-1", GROUP, "other", [(epoch_ms(), "x")])
    other = await logs.get_log_events(
        ctx(), {"logGroupName": GROUP, "logStreamName": "other", "startFromHead": True}
    )
    with pytest.raises(InvalidParameter):
        await get(logs, nextToken=other["nextForwardToken"])


async def test_log_group_identifier_accepts_arn(logs: LogsService) -> None:
    await seed(logs, 2)
    arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}"
    for identifier in (arn, f"{arn}:*", GROUP):
        page = await logs.get_log_events(
            ctx(), {"logGroupIdentifier": identifier, "logStreamName": STREAM}
        )
        assert messages(page) == ["m0", "m1"]
