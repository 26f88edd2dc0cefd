"""The ``irisops serve`` contract other tools rely on: ready line, health, status,
clean exit on SIGTERM, state kept across SIGKILL."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from irisops.sdk.server import ServerProcess

SAGEMAKER_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
            }
        ],
    }
)


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.status == 200
        return json.load(resp)


def test_ready_line_health_and_sigterm(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data").start()
    try:
        health = get_json(f"{server.url}/_irisops/health")
        assert health["status"] == "ok"
        assert health["data_dir"] == str(tmp_path / "data")
        assert set(health["services"]) >= {"s3", "iam", "sts", "logs"}
        assert "available" in health["docker"]
    finally:
        assert server.stop() == 0
    assert (tmp_path / "data" / "state.db").exists()


def test_status_command_reports_what_the_server_holds(clean_server: ServerProcess) -> None:
    clean_server.client("s3").create_bucket(Bucket="status-bucket")
    out = subprocess.run(
        [sys.executable, "-m", "irisops", "status", "--endpoint", clean_server.url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert clean_server.url in out.stdout
    assert "s3" in out.stdout
    raw = subprocess.run(
        [sys.executable, "-m", "irisops", "status", "--json", "--endpoint", clean_server.url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "status-bucket" in raw.stdout


def test_status_without_server_fails_clearly() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "irisops", "status", "--endpoint", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert "no server answers" in out.stderr


def test_everything_acknowledged_survives_sigkill(tmp_path: Path) -> None:
    data = tmp_path / "data"
    payload = bytes(range(256)) * 4096 + b"tail"
    # PutLogEvents rejects events older than 14 days, as AWS does: stamp them now.
    now_ms = int(time.time() * 1000)
    server = ServerProcess(data).start()
    try:
        s3, iam, logs = server.client("s3"), server.client("iam"), server.client("logs")
        s3.create_bucket(Bucket="keep")
        s3.put_object(Bucket="keep", Key="dir/blob.bin", Body=payload, Metadata={"a": "1"})
        iam.create_role(
            RoleName="keeper",
            AssumeRolePolicyDocument=SAGEMAKER_TRUST,
        )
        logs.create_log_group(logGroupName="/keep")
        logs.create_log_stream(logGroupName="/keep", logStreamName="s")
        logs.put_log_events(
            logGroupName="/keep",
            logStreamName="s",
            logEvents=[{"timestamp": now_ms + i, "message": f"line {i}"} for i in range(100)],
        )
    finally:
        server.kill()
    assert server.proc is not None and server.proc.returncode == -9

    again = ServerProcess(data).start()
    try:
        s3, iam, logs = again.client("s3"), again.client("iam"), again.client("logs")
        got = s3.get_object(Bucket="keep", Key="dir/blob.bin")
        assert got["Body"].read() == payload
        assert got["Metadata"] == {"a": "1"}
        assert iam.get_role(RoleName="keeper")["Role"]["RoleName"] == "keeper"
        events = logs.get_log_events(logGroupName="/keep", logStreamName="s", startFromHead=True)[
            "events"
        ]
        assert [e["message"] for e in events] == [f"line {i}" for i in range(100)]
    finally:
        again.stop()


def test_accounts_and_regions_are_isolated(clean_server: ServerProcess) -> None:
    logs_east = clean_server.client("logs", region_name="us-east-1")
    logs_west = clean_server.client("logs", region_name="eu-west-1")
    logs_east.create_log_group(logGroupName="/only-east")
    assert [g["logGroupName"] for g in logs_east.describe_log_groups()["logGroups"]] == [
        "/only-east"
    ]
    assert logs_west.describe_log_groups()["logGroups"] == []

    iam_a = clean_server.client("iam", aws_access_key_id="111111111111")
    iam_b = clean_server.client("iam", aws_access_key_id="222222222222")
    iam_a.create_role(RoleName="mine", AssumeRolePolicyDocument=SAGEMAKER_TRUST)
    assert iam_a.get_role(RoleName="mine")["Role"]["Arn"] == "arn:aws:iam::111111111111:role/mine"
    with pytest.raises(ClientError) as err:
        iam_b.get_role(RoleName="mine")
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
    sts = clean_server.client("sts", aws_access_key_id="222222222222")
    assert sts.get_caller_identity()["Account"] == "222222222222"
