"""S3 requests boto3 does not make over plain HTTP, sent raw: ``aws-chunked`` payloads
(signed chunks, unsigned chunks with a checksum trailer, under HTTP chunked transfer
encoding), and a client that goes away in the middle of an upload."""

from __future__ import annotations

import base64
import http.client
import os
import socket
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from irisops.sdk.server import ServerProcess

Client = Callable[..., Any]
BUCKET = "wire"
AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
)


def crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def framed(data: bytes, chunk: int, *, signed: bool, trailer: str | None = None) -> bytes:
    signature = b";chunk-signature=" + b"f" * 64 if signed else b""
    out = b""
    for start in range(0, len(data), chunk):
        part = data[start : start + chunk]
        out += b"%x%s\r\n%s\r\n" % (len(part), signature, part)
    out += b"0%s\r\n" % signature
    if trailer is not None:
        out += f"x-amz-checksum-crc32:{trailer}\r\n".encode()
    return out + b"\r\n"


def send(url: str, path: str, body: bytes, headers: dict[str, str], *, chunked: bool = False):
    target = urlparse(url)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    base = {"Authorization": AUTH, "x-amz-date": "20260101T000000Z"}
    if chunked:
        conn.putrequest("PUT", path)
        for name, value in {**base, **headers, "Transfer-Encoding": "chunked"}.items():
            conn.putheader(name, value)
        conn.endheaders()
        for start in range(0, len(body), 40_000):
            piece = body[start : start + 40_000]
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        conn.send(b"0\r\n\r\n")
    else:
        conn.request("PUT", path, body=body, headers={**base, **headers})
    response = conn.getresponse()
    return response.status, dict(response.getheaders()), response.read()


@pytest.fixture
def s3(client: Client) -> Any:
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    return s3


def test_signed_aws_chunked_put(s3: Any, clean_server: ServerProcess) -> None:
    data = os.urandom(200_000)
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "x-amz-decoded-content-length": str(len(data)),
        "Content-Type": "application/octet-stream",
    }
    status, _, body = send(
        clean_server.url, f"/{BUCKET}/signed", framed(data, 65536, signed=True), headers
    )
    assert status == 200, body
    got = s3.get_object(Bucket=BUCKET, Key="signed")
    assert got["Body"].read() == data and got["ContentLength"] == len(data)
    assert "ContentEncoding" not in got


@pytest.mark.parametrize("chunked", [False, True])
def test_unsigned_aws_chunked_put_with_checksum_trailer(
    s3: Any, clean_server: ServerProcess, chunked: bool
) -> None:
    data = os.urandom(150_000)
    headers = {
        "Content-Encoding": "gzip,aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-trailer": "x-amz-checksum-crc32",
        "x-amz-sdk-checksum-algorithm": "CRC32",
        "x-amz-decoded-content-length": str(len(data)),
    }
    wire = framed(data, 50_000, signed=False, trailer=crc32(data))
    status, response_headers, body = send(
        clean_server.url, f"/{BUCKET}/trailed", wire, headers, chunked=chunked
    )
    assert status == 200, body
    assert response_headers["x-amz-checksum-crc32"] == crc32(data)
    got = s3.get_object(Bucket=BUCKET, Key="trailed", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got["ChecksumCRC32"] == crc32(data) and got["ContentEncoding"] == "gzip"

    wrong = framed(data, 50_000, signed=False, trailer=crc32(b"other"))
    status, _, body = send(clean_server.url, f"/{BUCKET}/wrong", wrong, headers, chunked=chunked)
    assert status == 400 and b"<Code>BadDigest</Code>" in body
    short = {**headers, "x-amz-decoded-content-length": str(len(data) + 1)}
    status, _, body = send(clean_server.url, f"/{BUCKET}/short", wire, short, chunked=chunked)
    assert status == 400 and b"<Code>IncompleteBody</Code>" in body
    listed = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [o["Key"] for o in listed] == ["trailed"]


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def test_a_client_leaving_mid_upload_leaves_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with ServerProcess(data_dir) as server:
        s3 = server.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        blobs = data_dir / "s3" / "blobs"
        target = urlparse(server.url)
        sock = socket.create_connection((target.hostname, target.port))
        size = 64 * 1024 * 1024
        head = f"PUT /{BUCKET}/half HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n"
        sock.sendall(head.encode() + b"x" * (8 * 1024 * 1024))
        wait_for(lambda: any(n.startswith(".tmp-") for n in os.listdir(blobs)), "a temp file")
        sock.close()
        wait_for(lambda: not os.listdir(blobs), "the temp file to go")
        assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
        s3.put_object(Bucket=BUCKET, Key="after", Body=b"still serving")
        assert s3.get_object(Bucket=BUCKET, Key="after")["Body"].read() == b"still serving"
        assert [n for n in os.listdir(blobs) if n.startswith(".tmp-")] == []


def test_virtual_hosted_style_addressing(client: Client, clean_server: ServerProcess) -> None:
    """``bucket.localhost:PORT`` in the Host header names the bucket, as
    ``bucket.s3.amazonaws.com`` does; the connection still goes to 127.0.0.1."""
    s3 = client("s3")
    s3.create_bucket(Bucket="vhost")
    target = urlparse(clean_server.url)
    host = f"vhost.localhost:{target.port}"
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    conn.request(
        "PUT", "/dir/obj.txt", body=b"by host", headers={"Host": host, "Authorization": AUTH}
    )
    assert conn.getresponse().read() is not None
    conn.request("GET", "/dir/obj.txt", headers={"Host": host, "Authorization": AUTH})
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b"by host"
    conn.request("GET", "/?list-type=2", headers={"Host": host, "Authorization": AUTH})
    listing = conn.getresponse().read()
    assert b"<Name>vhost</Name>" in listing and b"<Key>dir/obj.txt</Key>" in listing
    conn.close()
    assert s3.get_object(Bucket="vhost", Key="dir/obj.txt")["Body"].read() == b"by host"
