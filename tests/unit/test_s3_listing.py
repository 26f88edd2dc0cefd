"""S3 listing: prefix bounds, delimiter roll-up, pagination by marker, byte order."""

from __future__ import annotations

import bisect
import random

import pytest

from irisops.core.errors import AwsError
from irisops.services.s3.listing import (
    common_prefix,
    decode_token,
    encode_token,
    list_page,
    prefix_upper_bound,
    url_encode,
)


class SortedKeys:
    """A fetch over a sorted list, counting calls (what the SQL range read does)."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = sorted(keys)
        self.calls = 0

    def __call__(self, lower: str, inclusive: bool, upper: str | None, limit: int) -> list[dict]:
        self.calls += 1
        start = (bisect.bisect_left if inclusive else bisect.bisect_right)(self.keys, lower)
        out = []
        for key in self.keys[start:]:
            if upper is not None and key >= upper:
                break
            out.append({"key": key})
            if len(out) == limit:
                break
        return out


def reference(keys: list[str], prefix: str, delimiter: str | None) -> list[tuple[str, str]]:
    """Every entry of a full listing, in order: ("key", k) or ("prefix", p)."""
    entries: list[tuple[str, str]] = []
    for key in sorted(keys):
        if not key.startswith(prefix):
            continue
        rolled = common_prefix(key, prefix, delimiter)
        if rolled is None:
            entries.append(("key", key))
        elif not entries or entries[-1] != ("prefix", rolled):
            entries.append(("prefix", rolled))
    return entries


def walk(fetch: SortedKeys, prefix: str, delimiter: str | None, max_keys: int) -> list:
    entries: list[tuple[str, str]] = []
    marker = None
    for _ in range(10_000):
        page = list_page(
            fetch, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys
        )
        assert len(page.rows) + len(page.prefixes) <= max_keys
        merged = [("key", r["key"]) for r in page.rows] + [("prefix", p) for p in page.prefixes]
        merged.sort(key=lambda e: e[1])
        entries.extend(merged)
        if not page.truncated:
            return entries
        marker = page.last
    raise AssertionError("listing did not end")


def test_upper_bound_of_a_prefix() -> None:
    assert prefix_upper_bound("abc") == "abd"
    assert prefix_upper_bound("a/") == "a0"
    assert prefix_upper_bound("") is None
    assert prefix_upper_bound("\U0010ffff") is None
    assert prefix_upper_bound("a\U0010ffff") == "b"
    assert prefix_upper_bound("\ud7ff") == "\ue000"


def test_delimiter_rolls_keys_into_common_prefixes() -> None:
    fetch = SortedKeys(["a.txt", "photos/2023/x.jpg", "photos/2024/y.jpg", "photos/z.jpg", "zz"])
    page = list_page(fetch, delimiter="/")
    assert [r["key"] for r in page.rows] == ["a.txt", "zz"]
    assert page.prefixes == ["photos/"]
    page = list_page(fetch, prefix="photos/", delimiter="/")
    assert [r["key"] for r in page.rows] == ["photos/z.jpg"]
    assert page.prefixes == ["photos/2023/", "photos/2024/"]
    assert not page.truncated


def test_max_keys_counts_keys_and_prefixes_together() -> None:
    fetch = SortedKeys(["a/1", "a/2", "b", "c/1", "d"])
    page = list_page(fetch, delimiter="/", max_keys=2)
    assert page.prefixes == ["a/"] and [r["key"] for r in page.rows] == ["b"]
    assert page.truncated and page.last == "b"
    page = list_page(fetch, delimiter="/", max_keys=2, marker="b")
    assert page.prefixes == ["c/"] and [r["key"] for r in page.rows] == ["d"]
    assert not page.truncated


def test_a_page_ending_on_a_common_prefix_resumes_past_it() -> None:
    fetch = SortedKeys([f"dir/{i:04d}" for i in range(50)] + ["e"])
    page = list_page(fetch, delimiter="/", max_keys=1)
    assert page.prefixes == ["dir/"] and page.truncated and page.last == "dir/"
    page = list_page(fetch, delimiter="/", max_keys=1, marker=page.last)
    assert [r["key"] for r in page.rows] == ["e"] and not page.truncated


def test_a_large_common_prefix_is_skipped_with_few_reads() -> None:
    keys = [f"big/{i:06d}" for i in range(20_000)] + ["small/1", "z"]
    fetch = SortedKeys(keys)
    page = list_page(fetch, delimiter="/", max_keys=1000)
    assert page.prefixes == ["big/", "small/"] and [r["key"] for r in page.rows] == ["z"]
    assert fetch.calls <= 4


def test_exact_max_keys_is_not_truncated() -> None:
    fetch = SortedKeys(["a", "b", "c"])
    page = list_page(fetch, max_keys=3)
    assert [r["key"] for r in page.rows] == ["a", "b", "c"] and not page.truncated
    page = list_page(fetch, max_keys=2)
    assert page.truncated and page.last == "b"


def test_max_keys_zero_lists_nothing() -> None:
    page = list_page(SortedKeys(["a"]), max_keys=0)
    assert page.rows == [] and page.prefixes == [] and not page.truncated


def test_marker_before_the_prefix_starts_at_the_prefix() -> None:
    fetch = SortedKeys(["a", "m/1", "m/2", "z"])
    page = list_page(fetch, prefix="m/", marker="b")
    assert [r["key"] for r in page.rows] == ["m/1", "m/2"]
    page = list_page(fetch, prefix="m/", marker="m/1")
    assert [r["key"] for r in page.rows] == ["m/2"]
    assert list_page(fetch, prefix="m/", marker="n").rows == []


def test_order_is_utf8_byte_order() -> None:
    keys = ["\u00e9", "z", "\U0001f600", "\uffff", "A", "a", "\u0100"]
    page = list_page(SortedKeys(keys))
    listed = [r["key"] for r in page.rows]
    assert listed == sorted(keys, key=lambda k: k.encode("utf-8"))


@pytest.mark.parametrize("seed", range(8))
def test_paging_reconstructs_the_full_listing(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = ["a", "b", "/", "-", "\u00e9", "\U0001f600", "."]
    keys = list({"".join(rng.choices(alphabet, k=rng.randint(1, 7))) for _ in range(400)})
    fetch = SortedKeys(keys)
    for prefix in ("", "a", "a/", "\u00e9"):
        for delimiter in (None, "/", "-", "a/"):
            for max_keys in (1, 3, 17, 1000):
                assert walk(fetch, prefix, delimiter, max_keys) == reference(
                    keys, prefix, delimiter
                ), (prefix, delimiter, max_keys)


def test_continuation_tokens_round_trip_and_reject_garbage() -> None:
    for marker in ("plain", "dir/", "\U0001f600/x y"):
        assert decode_token(encode_token(marker)) == marker
    with pytest.raises(AwsError) as info:
        decode_token("!!not-a-token!!")
    assert info.value.code == "InvalidArgument"


def test_url_encoding_keeps_slashes_and_encodes_the_rest() -> None:
    assert url_encode("a b/c+d\u00e9") == "a+b/c%2Bd%C3%A9"
