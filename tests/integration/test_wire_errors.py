"""Bad input against the real server and real services: the right AWS error in each
protocol family's shape, nothing changed, and the server keeps serving."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from irisops.sdk.server import ServerProcess

SIGNED = (
    "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/{svc}/aws4_request, "
    "SignedHeaders=host, Signature=0"
)


def send(
    server: ServerProcess, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(server.url + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def unchecked(client: Callable[..., Any], service: str) -> Any:
    return client(
        service, config=BotoConfig(parameter_validation=False, retries={"max_attempts": 1})
    )


def assert_still_serving(server: ServerProcess) -> None:
    assert server.client("sts").get_caller_identity()["Account"] == "123456789012"


def test_json_family_errors(clean_server: ServerProcess, client: Callable[..., Any]) -> None:
    logs_headers = {
        "X-Amz-Target": "Logs_20140328.CreateLogGroup",
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": SIGNED.format(svc="logs"),
    }
    status, headers, body = send(clean_server, "POST", "/", b'{"logGroupName": ', logs_headers)
    assert headers["x-amzn-ErrorType"] == "SerializationException"
    assert status == 400 and json.loads(body)["__type"] == "SerializationException"
    status, _, body = send(clean_server, "POST", "/", b'{"logGroupName": ["x"]}', logs_headers)
    assert status == 400 and json.loads(body)["__type"] == "SerializationException"
    with pytest.raises(ClientError) as err:
        unchecked(client, "logs").create_log_group()
    # CloudWatch Logs reports constraint failures as InvalidParameterException.
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "Member must not be null" in err.value.response["Error"]["Message"]
    status, _, body = send(
        clean_server,
        "POST",
        "/",
        b"{}",
        {**logs_headers, "X-Amz-Target": "Logs_20140328.NoSuchOperation"},
    )
    assert status == 400 and json.loads(body)["__type"] == "UnknownOperationException"
    big = b'{"logGroupName": "' + b"x" * (17 * 1024 * 1024) + b'"}'
    status, _, body = send(clean_server, "POST", "/", big, logs_headers)
    assert status == 413 and json.loads(body)["__type"] == "RequestEntityTooLarge"
    assert client("logs").describe_log_groups()["logGroups"] == []
    assert_still_serving(clean_server)


def test_query_family_errors(clean_server: ServerProcess, client: Callable[..., Any]) -> None:
    with pytest.raises(ClientError) as err:
        unchecked(client, "iam").create_role(RoleName="r")
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert "assumeRolePolicyDocument" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        unchecked(client, "iam").list_roles(MaxItems="many")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    status, _, body = send(
        clean_server,
        "POST",
        "/",
        b"Action=Explode&Version=2010-05-08",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": SIGNED.format(svc="iam"),
        },
    )
    assert status == 400 and b"<Code>InvalidAction</Code>" in body
    assert b"<ErrorResponse" in body
    assert client("iam").list_roles()["Roles"] == []
    assert_still_serving(clean_server)


def test_rest_xml_family_errors(clean_server: ServerProcess, client: Callable[..., Any]) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="errs")
    status, _, body = send(
        clean_server,
        "PUT",
        "/errs?tagging",
        b"<Tagging><TagSet><Tag>",
        {"Authorization": SIGNED.format(svc="s3")},
    )
    assert status == 400 and b"<Code>MalformedXML</Code>" in body
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="errs", Key="missing")
    assert err.value.response["Error"]["Code"] == "NoSuchKey"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as err:
        s3.get_bucket_tagging(Bucket="errs")
    assert err.value.response["Error"]["Code"] == "NoSuchTagSet"
    assert s3.list_objects_v2(Bucket="errs")["KeyCount"] == 0
    assert_still_serving(clean_server)


def test_unimplemented_operation_is_named(
    clean_server: ServerProcess, client: Callable[..., Any]
) -> None:
    with pytest.raises(ClientError) as err:
        client("iam").create_saml_provider(SAMLMetadataDocument="x" * 1000, Name="saml")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    message = err.value.response["Error"]["Message"]
    assert "iam" in message and "CreateSAMLProvider" in message
    assert_still_serving(clean_server)


def test_unknown_service_is_named(clean_server: ServerProcess) -> None:
    status, _, body = send(
        clean_server,
        "POST",
        "/",
        b"{}",
        {
            "X-Amz-Target": "AmazonSSM.GetParameter",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": SIGNED.format(svc="ssm"),
        },
    )
    assert status == 400
    assert "AmazonSSM.GetParameter" in json.loads(body)["message"]
    assert_still_serving(clean_server)
