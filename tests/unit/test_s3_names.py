"""S3 bucket name rules and key limits."""

from __future__ import annotations

import pytest

from irisops.core.errors import AwsError
from irisops.services.s3.names import bucket_name_problem, canonical_user_id, check_key


@pytest.mark.parametrize("name", ["abc", "my-bucket.logs", "a" * 63, "0-bucket-9"])
def test_valid_bucket_names(name: str) -> None:
    assert bucket_name_problem(name) is None


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "MyBucket",
        "-bucket",
        "bucket-",
        "my..bucket",
        "my.-bucket",
        "192.168.1.1",
        "xn--bucket",
        "bucket-s3alias",
        "my_bucket",
        "sthree-x",
    ],
)
def test_invalid_bucket_names(name: str) -> None:
    assert bucket_name_problem(name) is not None


def test_keys_up_to_1024_utf8_bytes() -> None:
    check_key("a" * 1024)
    check_key("\u00e9" * 512)
    with pytest.raises(AwsError) as info:
        check_key("\u00e9" * 513)
    assert info.value.code == "KeyTooLongError"


def test_canonical_user_ids_are_stable_per_account() -> None:
    first = canonical_user_id("123456789012")
    assert first == canonical_user_id("123456789012")
    assert len(first) == 64 and first != canonical_user_id("210987654321")
