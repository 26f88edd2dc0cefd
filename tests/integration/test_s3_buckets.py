"""S3 buckets through real boto3: create/head/list/delete, locations, tagging, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

Client = Callable[..., Any]
OTHER_ACCOUNT = "210987654321"


def error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_bucket_lifecycle(client: Client) -> None:
    s3 = client("s3")
    created = s3.create_bucket(Bucket="life-cycle")
    assert created["Location"] == "/life-cycle"
    head = s3.head_bucket(Bucket="life-cycle")
    assert head["BucketRegion"] == "us-east-1"
    listed = s3.list_buckets()
    assert [b["Name"] for b in listed["Buckets"]] == ["life-cycle"]
    assert listed["Buckets"][0]["BucketRegion"] == "us-east-1"
    assert len(listed["Owner"]["ID"]) == 64
    assert s3.get_bucket_location(Bucket="life-cycle")["LocationConstraint"] is None
    s3.delete_bucket(Bucket="life-cycle")
    assert s3.list_buckets()["Buckets"] == []
    with pytest.raises(ClientError) as caught:
        s3.head_bucket(Bucket="life-cycle")
    assert error(caught) == ("404", 404)


def test_recreating_an_owned_bucket(client: Client) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="owned")
    # us-east-1 keeps S3's legacy answer: 200 for the owner
    assert s3.create_bucket(Bucket="owned")["ResponseMetadata"]["HTTPStatusCode"] == 200
    eu = client("s3", region_name="eu-west-1")
    config = {"LocationConstraint": "eu-west-1"}
    eu.create_bucket(Bucket="owned-eu", CreateBucketConfiguration=config)
    with pytest.raises(ClientError) as caught:
        eu.create_bucket(Bucket="owned-eu", CreateBucketConfiguration=config)
    assert error(caught) == ("BucketAlreadyOwnedByYou", 409)
    assert caught.value.response["Error"]["BucketName"] == "owned-eu"
    assert s3.head_bucket(Bucket="owned-eu")["BucketRegion"] == "eu-west-1"


def test_bucket_names_are_global(client: Client) -> None:
    client("s3").create_bucket(Bucket="taken-name")
    other = client("s3", aws_access_key_id=OTHER_ACCOUNT)
    with pytest.raises(ClientError) as caught:
        other.create_bucket(Bucket="taken-name")
    assert error(caught) == ("BucketAlreadyExists", 409)
    assert other.list_buckets()["Buckets"] == []


@pytest.mark.parametrize("name", ["Upper-Case", "ab", "bad..dots", "192.168.0.1", "-dash"])
def test_invalid_bucket_names(client: Client, name: str) -> None:
    with pytest.raises(ClientError) as caught:
        client("s3").create_bucket(Bucket=name)
    assert error(caught) == ("InvalidBucketName", 400)
    assert caught.value.response["Error"]["BucketName"] == name


def test_explicit_us_east_1_constraint_is_invalid(client: Client) -> None:
    with pytest.raises(ClientError) as caught:
        client("s3").create_bucket(
            Bucket="explicit-east", CreateBucketConfiguration={"LocationConstraint": "us-east-1"}
        )
    assert error(caught) == ("InvalidLocationConstraint", 400)


def test_location_constraints(client: Client) -> None:
    s3 = client("s3")
    west = client("s3", region_name="us-west-2")
    with pytest.raises(ClientError) as caught:
        west.create_bucket(Bucket="no-constraint")
    assert error(caught) == ("IllegalLocationConstraintException", 400)
    with pytest.raises(ClientError) as caught:
        west.create_bucket(
            Bucket="wrong-constraint", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
    assert error(caught) == ("IllegalLocationConstraintException", 400)
    west.create_bucket(
        Bucket="in-west", CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    assert s3.head_bucket(Bucket="in-west")["BucketRegion"] == "us-west-2"


def test_get_bucket_location_outside_us_east_1(client: Client) -> None:
    west = client("s3", region_name="us-west-2")
    west.create_bucket(
        Bucket="in-west", CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    assert west.get_bucket_location(Bucket="in-west")["LocationConstraint"] == "us-west-2"


def test_delete_bucket_errors(client: Client) -> None:
    s3 = client("s3")
    with pytest.raises(ClientError) as caught:
        s3.delete_bucket(Bucket="never-made")
    assert error(caught) == ("NoSuchBucket", 404)
    assert caught.value.response["Error"]["BucketName"] == "never-made"
    s3.create_bucket(Bucket="full-bucket")
    s3.put_object(Bucket="full-bucket", Key="k", Body=b"x")
    with pytest.raises(ClientError) as caught:
        s3.delete_bucket(Bucket="full-bucket")
    assert error(caught) == ("BucketNotEmpty", 409)
    s3.delete_object(Bucket="full-bucket", Key="k")
    s3.create_multipart_upload(Bucket="full-bucket", Key="pending")
    s3.delete_bucket(Bucket="full-bucket")


def test_list_buckets_pages_and_filters(client: Client) -> None:
    s3 = client("s3")
    for name in ("page-a", "page-b", "page-c", "other-d"):
        s3.create_bucket(Bucket=name)
    first = s3.list_buckets(MaxBuckets=2, Prefix="page-")
    assert [b["Name"] for b in first["Buckets"]] == ["page-a", "page-b"]
    assert first["Prefix"] == "page-"
    second = s3.list_buckets(
        MaxBuckets=2, Prefix="page-", ContinuationToken=first["ContinuationToken"]
    )
    assert [b["Name"] for b in second["Buckets"]] == ["page-c"]
    assert "ContinuationToken" not in second


def test_bucket_tagging(client: Client) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="tagged")
    with pytest.raises(ClientError) as caught:
        s3.get_bucket_tagging(Bucket="tagged")
    assert error(caught) == ("NoSuchTagSet", 404)
    tags = [{"Key": "team", "Value": "ml"}, {"Key": "cost", "Value": "42"}]
    s3.put_bucket_tagging(Bucket="tagged", Tagging={"TagSet": tags})
    assert s3.get_bucket_tagging(Bucket="tagged")["TagSet"] == tags
    with pytest.raises(ClientError) as caught:
        s3.put_bucket_tagging(
            Bucket="tagged",
            Tagging={"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]},
        )
    assert error(caught) == ("InvalidTag", 400)
    s3.delete_bucket_tagging(Bucket="tagged")
    with pytest.raises(ClientError) as caught:
        s3.get_bucket_tagging(Bucket="tagged")
    assert error(caught) == ("NoSuchTagSet", 404)
