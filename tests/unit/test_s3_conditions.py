"""S3 conditional requests and byte ranges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from irisops.core.errors import AwsError
from irisops.services.s3.conditions import NOT_MODIFIED, byte_range, etag_matches, evaluate

MODIFIED = 1_700_000_000
BEFORE = datetime.fromtimestamp(MODIFIED - 10, UTC)
SAME = datetime.fromtimestamp(MODIFIED, UTC)
AFTER = datetime.fromtimestamp(MODIFIED + 10, UTC)


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-9", 100, (0, 9)),
        ("bytes=90-200", 100, (90, 99)),
        ("bytes=10-", 100, (10, 99)),
        ("bytes=-10", 100, (90, 99)),
        ("bytes=-500", 100, (0, 99)),
        ("bytes=5-2", 100, None),
        ("bytes=0-1,5-6", 100, None),
        ("items=0-1", 100, None),
        ("bytes=-", 100, None),
        (None, 100, None),
    ],
)
def test_byte_ranges(header: str | None, size: int, expected: tuple[int, int] | None) -> None:
    assert byte_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [("bytes=100-", 100), ("bytes=-0", 100), ("bytes=0-", 0), ("bytes=200-300", 100)],
)
def test_unsatisfiable_ranges_are_invalid_range(header: str, size: int) -> None:
    with pytest.raises(AwsError) as info:
        byte_range(header, size)
    assert (info.value.code, info.value.status) == ("InvalidRange", 416)
    assert info.value.fields == {"RangeRequested": header, "ActualObjectSize": size}


def test_etag_lists_and_wildcards() -> None:
    assert etag_matches('"abc"', "abc")
    assert etag_matches('"x", "abc"', "abc")
    assert etag_matches("*", "abc")
    assert not etag_matches('"abd"', "abc")


def check(**kwargs: object) -> int | str | None:
    try:
        return evaluate("abc", MODIFIED, **kwargs)  # type: ignore[arg-type]
    except AwsError as exc:
        return f"{exc.status} {exc.fields['Condition']}"


def test_preconditions_follow_rfc7232_precedence() -> None:
    assert check() is None
    assert check(if_match='"abc"') is None
    assert check(if_match='"nope"') == "412 If-Match"
    assert check(if_unmodified_since=BEFORE) == "412 If-Unmodified-Since"
    assert check(if_unmodified_since=SAME) is None
    # If-Match decides over If-Unmodified-Since
    assert check(if_match='"abc"', if_unmodified_since=BEFORE) is None
    assert check(if_none_match='"abc"') == NOT_MODIFIED
    assert check(if_none_match='"other"') is None
    assert check(if_modified_since=SAME) == NOT_MODIFIED
    assert check(if_modified_since=BEFORE) is None
    # If-None-Match decides over If-Modified-Since
    assert check(if_none_match='"other"', if_modified_since=AFTER) is None


def test_copy_source_conditions_fail_with_412() -> None:
    assert check(if_none_match='"abc"', copy_source=True) == ("412 x-amz-copy-source-If-None-Match")
    assert check(if_modified_since=AFTER, copy_source=True) == (
        "412 x-amz-copy-source-If-Modified-Since"
    )
