"""The gateway on its own: each protocol family round-trips through botocore's own
serializers and parsers (real boto3 clients), and bad input gets AWS-shaped errors.

The services here are small test doubles of the real ones: this file tests the wire
layer, the real services have their own integration tests.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import boto3
import pytest
from aiohttp import web
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from irisops.config import Config
from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.gateway.app import SERVICES, make_app
from irisops.gateway.body import FileBody, RequestBody
from irisops.services.base import Service


class FakeS3(Service):
    name = "s3"
    xml_roots: ClassVar[dict[str, str]] = {"ListObjectsV2": "ListBucketResult"}
    xml_namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

    def __init__(self, runtime: Any) -> None:
        super().__init__(runtime)
        self.objects: dict[tuple[str, str], tuple[bytes, dict[str, str]]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def create_bucket(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("CreateBucket", p))
        return {"Location": f"/{p['Bucket']}"}

    async def put_object(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        body: RequestBody = p["Body"]
        data = await body.read()
        self.objects[(p["Bucket"], p["Key"])] = (data, p.get("Metadata", {}))
        return {"ETag": '"abc"'}

    async def get_object(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        key = (p["Bucket"], p["Key"])
        if key not in self.objects:
            raise AwsError(
                "The specified key does not exist.", code="NoSuchKey", status=404, Key=p["Key"]
            )
        data, meta = self.objects[key]
        path = self.runtime.data_dir / "obj"
        path.write_bytes(data)
        return {
            "Body": FileBody(path),
            "Metadata": meta,
            "ContentLength": len(data),
            "LastModified": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        }

    async def head_object(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        key = (p["Bucket"], p["Key"])
        if key not in self.objects:
            raise AwsError("Not Found", code="404", status=404)
        return {"ContentLength": len(self.objects[key][0]), "ETag": '"abc"'}

    async def list_objects_v2(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        keys = sorted(k for b, k in self.objects if b == p["Bucket"])
        return {
            "Name": p["Bucket"],
            "KeyCount": len(keys),
            "IsTruncated": False,
            "Contents": [{"Key": k, "Size": 1} for k in keys],
            "Prefix": p.get("Prefix", ""),
        }

    async def put_bucket_tagging(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("PutBucketTagging", p))
        return {}

    async def delete_objects(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        return {"Deleted": [{"Key": o["Key"]} for o in p["Delete"]["Objects"]]}


class FakeIam(Service):
    name = "iam"

    async def create_role(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        if p["RoleName"] == "exists":
            raise AwsError(
                "Role with name exists already exists.", code="EntityAlreadyExists", status=409
            )
        return {
            "Role": {
                "Path": p.get("Path", "/"),
                "RoleName": p["RoleName"],
                "RoleId": "AROAEXAMPLE1234567890",
                "Arn": f"arn:aws:iam::{ctx.account}:role/{p['RoleName']}",
                "CreateDate": datetime(2024, 1, 1, tzinfo=UTC),
                "Tags": p.get("Tags", []),
            }
        }

    async def list_roles(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("boom")


class FakeLogs(Service):
    name = "logs"

    async def create_log_group(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        return {}

    async def describe_log_groups(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "logGroups": [
                {
                    "logGroupName": p.get("logGroupNamePrefix", "x"),
                    "creationTime": 1700000000000,
                    "arn": f"arn:aws:logs:{ctx.region}:{ctx.account}:log-group:x",
                }
            ]
        }


class FakeRuntime(Service):
    name = "sagemaker-runtime"

    async def invoke_endpoint(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "Body": b"echo:" + p["Body"],
            "ContentType": p.get("ContentType", ""),
            "InvokedProductionVariant": "AllTraffic",
            "CustomAttributes": p.get("CustomAttributes"),
        }


class FakeCodeBuild(Service):
    name = "codebuild"

    async def batch_get_projects(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "projects": [
                {
                    "name": n,
                    "created": datetime(2024, 5, 6, tzinfo=UTC),
                    "environment": {
                        "type": "LINUX_CONTAINER",
                        "image": "img",
                        "computeType": "BUILD_GENERAL1_SMALL",
                        "privilegedMode": True,
                    },
                }
                for n in p["names"]
            ],
            "projectsNotFound": [],
        }

    async def start_build(self, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
        raise AwsError(
            f"Project cannot be found: arn:aws:codebuild:{ctx.region}:"
            f"{ctx.account}:project/{p['projectName']}",
            code="ResourceNotFoundException",
        )


class ThreadServer:
    """The real app on its own loop in a thread (boto3 is synchronous)."""

    def __init__(self, data_dir: Path) -> None:
        self.config = Config(port=0, data_dir=data_dir, fsync=False, max_request_bytes=1024 * 1024)
        self.loop = asyncio.new_event_loop()
        self.app = make_app(self.config, [FakeIam, FakeS3, FakeLogs, FakeRuntime, FakeCodeBuild])
        self.runner = web.AppRunner(self.app)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(30)

    async def _start(self) -> None:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def client(self, name: str, **kw: Any) -> Any:
        params: dict[str, Any] = dict(
            endpoint_url=self.url,
            region_name="eu-west-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=BotoConfig(retries={"max_attempts": 1}),
        )
        params.update(kw)
        return boto3.client(name, **params)


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    server = ThreadServer(tmp_path_factory.mktemp("gw"))
    server.start()
    yield server
    server.stop()


def raw(
    gw: ThreadServer,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(
        gw.url + path, data=body or None, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


# -- query protocol (IAM) -----------------------------------------------------------------


def test_query_round_trip(gw: ThreadServer) -> None:
    iam = gw.client("iam")
    role = iam.create_role(
        RoleName="r1", AssumeRolePolicyDocument="{}", Tags=[{"Key": "a", "Value": "b"}]
    )["Role"]
    assert role["RoleName"] == "r1"
    assert role["Arn"] == "arn:aws:iam::123456789012:role/r1"
    assert role["CreateDate"] == datetime(2024, 1, 1, tzinfo=UTC)
    assert role["Tags"] == [{"Key": "a", "Value": "b"}]


def test_query_error_shape(gw: ThreadServer) -> None:
    with pytest.raises(ClientError) as err:
        gw.client("iam").create_role(RoleName="exists", AssumeRolePolicyDocument="{}")
    assert err.value.response["Error"]["Code"] == "EntityAlreadyExists"
    assert err.value.response["Error"]["Type"] == "Sender"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert err.value.response["ResponseMetadata"]["RequestId"]


def test_query_validation_error_names_member_and_pattern(gw: ThreadServer) -> None:
    with pytest.raises(ClientError) as err:
        gw.client("iam").create_role(RoleName="bad name!", AssumeRolePolicyDocument="{}")
    error = err.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert error["Message"].startswith(
        "1 validation error detected: Value 'bad name!' at "
        "'roleName' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: "
    )


def test_query_unknown_action(gw: ThreadServer) -> None:
    status, _, body = raw(
        gw,
        "POST",
        "/",
        b"Action=NoSuchThing&Version=2010-05-08",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/iam/aws4_request,"
            " SignedHeaders=host, Signature=x",
        },
    )
    assert status == 400
    assert b"<Code>InvalidAction</Code>" in body


def test_unexpected_exception_is_internal_failure_and_server_keeps_serving(
    gw: ThreadServer,
) -> None:
    iam = gw.client("iam")
    with pytest.raises(ClientError) as err:
        iam.list_roles()
    assert err.value.response["Error"]["Code"] == "InternalFailure"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert iam.create_role(RoleName="still", AssumeRolePolicyDocument="{}")["Role"]


def test_not_implemented_operation_names_service_and_operation(gw: ThreadServer) -> None:
    with pytest.raises(ClientError) as err:
        gw.client("iam").list_users()
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "iam" in err.value.response["Error"]["Message"]
    assert "ListUsers" in err.value.response["Error"]["Message"]


# -- json protocol (Logs) -----------------------------------------------------------------


def test_json_round_trip_uses_region_from_signature(gw: ThreadServer) -> None:
    logs = gw.client("logs", region_name="ap-south-1", aws_access_key_id="210987654321")
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/x")["logGroups"]
    assert groups[0]["logGroupName"] == "/aws/x"
    assert groups[0]["arn"] == "arn:aws:logs:ap-south-1:210987654321:log-group:x"


def test_json_validation_error(gw: ThreadServer) -> None:
    with pytest.raises(ClientError) as err:
        gw.client("logs").create_log_group(logGroupName="bad name with space&")
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "at 'logGroupName'" in err.value.response["Error"]["Message"]


def _json_call(gw: ThreadServer, body: bytes, target: str = "Logs_20140328.CreateLogGroup"):
    return raw(
        gw,
        "POST",
        "/",
        body,
        {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
    )


def test_json_malformed_body(gw: ThreadServer) -> None:
    status, headers, body = _json_call(gw, b"{not json")
    assert status == 400
    assert json.loads(body)["__type"] == "SerializationException"
    assert headers["x-amzn-ErrorType"] == "SerializationException"


def test_json_wrong_type(gw: ThreadServer) -> None:
    status, _, body = _json_call(gw, b'{"logGroupName": 5}')
    assert status == 400
    assert json.loads(body)["__type"] == "SerializationException"


def test_json_missing_required(gw: ThreadServer) -> None:
    status, _, body = _json_call(gw, b"{}")
    assert status == 400
    doc = json.loads(body)
    assert doc["__type"] == "ValidationException"
    assert (
        "Value null at 'logGroupName' failed to satisfy constraint: Member must not be "
        "null" in doc["message"]
    )


def test_json_unknown_operation(gw: ThreadServer) -> None:
    status, _, body = _json_call(gw, b"{}", "Logs_20140328.Frobnicate")
    assert status == 400
    assert json.loads(body)["__type"] == "UnknownOperationException"


def test_oversized_body_is_413_and_server_keeps_serving(gw: ThreadServer) -> None:
    status, _, body = _json_call(gw, b'{"logGroupName": "' + b"x" * (2 << 20) + b'"}')
    assert status == 413
    assert json.loads(body)["__type"] == "RequestEntityTooLarge"
    assert gw.client("logs").describe_log_groups()["logGroups"]


# -- rest-xml (S3) ------------------------------------------------------------------------


def test_rest_xml_streaming_round_trip_with_metadata(gw: ThreadServer) -> None:
    s3 = gw.client("s3")
    s3.create_bucket(Bucket="b1", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    created = gw.app[SERVICES]["s3"].calls[0][1]
    assert created["CreateBucketConfiguration"] == {"LocationConstraint": "eu-west-1"}
    s3.put_object(Bucket="b1", Key="dir/a b+c.txt", Body=b"hello", Metadata={"Who": "me"})
    got = s3.get_object(Bucket="b1", Key="dir/a b+c.txt")
    assert got["Body"].read() == b"hello"
    assert got["Metadata"] == {"who": "me"}
    assert got["LastModified"] == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_rest_xml_key_with_dot_segments_is_a_key(gw: ThreadServer) -> None:
    s3 = gw.client("s3")
    s3.put_object(Bucket="b1", Key="../../etc/passwd", Body=b"k")
    assert ("b1", "../../etc/passwd") in gw.app[SERVICES]["s3"].objects


def test_rest_xml_head_keeps_content_length(gw: ThreadServer) -> None:
    s3 = gw.client("s3")
    s3.put_object(Bucket="b1", Key="sized", Body=b"12345")
    assert s3.head_object(Bucket="b1", Key="sized")["ContentLength"] == 5


def test_rest_xml_list_and_payload_structures(gw: ThreadServer) -> None:
    s3 = gw.client("s3")
    s3.put_object(Bucket="b2", Key="k1", Body=b"1")
    listed = s3.list_objects_v2(Bucket="b2", Prefix="k")
    assert [c["Key"] for c in listed["Contents"]] == ["k1"]
    s3.put_bucket_tagging(Bucket="b2", Tagging={"TagSet": [{"Key": "x", "Value": "y"}]})
    assert gw.app[SERVICES]["s3"].calls[-1][1]["Tagging"] == {
        "TagSet": [{"Key": "x", "Value": "y"}]
    }
    deleted = s3.delete_objects(Bucket="b2", Delete={"Objects": [{"Key": "k1"}]})
    assert deleted["Deleted"] == [{"Key": "k1"}]


def test_rest_xml_error_shape_with_extra_fields(gw: ThreadServer) -> None:
    with pytest.raises(ClientError) as err:
        gw.client("s3").get_object(Bucket="b1", Key="missing")
    assert err.value.response["Error"]["Code"] == "NoSuchKey"
    assert err.value.response["Error"]["Key"] == "missing"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert err.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"]


def test_rest_xml_malformed_xml(gw: ThreadServer) -> None:
    status, _, body = raw(
        gw,
        "PUT",
        "/b1?tagging",
        b"<Tagging><TagSet>",
        {
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request,"
            " SignedHeaders=host, Signature=x"
        },
    )
    assert status == 400
    assert b"<Code>MalformedXML</Code>" in body


def test_rest_xml_virtual_hosted_addressing(gw: ThreadServer) -> None:
    status, _, body = raw(gw, "GET", "/?list-type=2", headers={"Host": f"vb.localhost:{gw.port}"})
    assert status == 200
    assert b"<Name>vb</Name>" in body


def test_presigned_url(gw: ThreadServer) -> None:
    s3 = gw.client("s3")
    s3.put_object(Bucket="b1", Key="p", Body=b"presigned")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "b1", "Key": "p"})
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b"presigned"


# -- rest-json (SageMaker Runtime) ----------------------------------------------------------


def test_rest_json_blob_payload_and_headers(gw: ThreadServer) -> None:
    runtime = gw.client("sagemaker-runtime")
    out = runtime.invoke_endpoint(
        EndpointName="ep", Body=b"[1,2]", ContentType="text/csv", CustomAttributes="c=1"
    )
    assert out["Body"].read() == b"echo:[1,2]"
    assert out["ContentType"] == "text/csv"
    assert out["InvokedProductionVariant"] == "AllTraffic"
    assert out["CustomAttributes"] == "c=1"


# -- smithy-rpc-v2-cbor (CodeBuild, as boto3 >= 1.40 calls it) ----------------------------


def test_rpc_v2_cbor_round_trip(gw: ThreadServer) -> None:
    codebuild = gw.client("codebuild")
    assert codebuild.meta.service_model.protocol == "smithy-rpc-v2-cbor"
    project = codebuild.batch_get_projects(names=["p1"])["projects"][0]
    assert project["name"] == "p1"
    assert project["created"] == datetime(2024, 5, 6, tzinfo=UTC)
    assert project["environment"]["privilegedMode"] is True


def test_rpc_v2_cbor_error(gw: ThreadServer) -> None:
    with pytest.raises(ClientError) as err:
        gw.client("codebuild").start_build(projectName="nope")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert err.value.response["Error"]["Message"].endswith(":project/nope")


def test_rpc_v2_cbor_validation(gw: ThreadServer) -> None:
    with pytest.raises(ClientError) as err:
        unchecked = BotoConfig(parameter_validation=False, retries={"max_attempts": 1})
        gw.client("codebuild", config=unchecked).batch_get_projects(names=[])
    assert err.value.response["Error"]["Code"] == "ValidationException"


# -- irisops' own API --------------------------------------------------------------------------


def test_health_and_state(gw: ThreadServer) -> None:
    status, _, body = raw(gw, "GET", "/_irisops/health")
    health = json.loads(body)
    assert status == 200 and health["status"] == "ok" and "docker" in health
    status, _, body = raw(gw, "GET", "/_irisops/state")
    assert status == 200 and set(json.loads(body)["services"]) >= {"s3", "iam"}


def test_event_stream_delivers_published_events(gw: ThreadServer) -> None:
    received: list[dict[str, Any]] = []
    connected = threading.Event()

    def listen() -> None:
        with urllib.request.urlopen(
            f"{gw.url}/_irisops/events?service=irisops", timeout=10
        ) as resp:
            for line in resp:
                if line.startswith(b": irisops events"):
                    connected.set()
                if line.startswith(b"data: "):
                    received.append(json.loads(line[6:]))
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert connected.wait(10)
    status, _, body = raw(gw, "POST", "/_irisops/reset")
    assert status == 200 and json.loads(body) == {"reset": True}
    listener.join(10)
    assert received and received[0]["type"] == "irisops.Reset"
    assert received[0]["seq"] >= 1
