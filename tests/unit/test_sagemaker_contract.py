"""The /opt/ml contract pieces: config files, channel staging from S3 as hard links,
model.tar.gz packing, metric regexes, the training job's status moves."""

from __future__ import annotations

import json
import os
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from irisops.engines.sagemaker import job_states
from irisops.engines.sagemaker.contract import (
    TrainingDirs,
    hyperparameters,
    input_data_config,
    pack_directory,
    read_failure,
    write_training_config,
)
from irisops.engines.sagemaker.job_container import written_at
from irisops.engines.sagemaker.job_metrics import MetricCollector
from irisops.engines.sagemaker.job_staging import stage_channel
from irisops.services.s3 import S3Service
from irisops.services.s3.local_files import (
    StagingError,
    ensure_bucket,
    put_directory,
    put_file,
    stage_manifest,
    stage_prefix,
    sync_directory,
)
from tests.unit.test_s3_service import close_service, open_service

ACCOUNT = "123456789012"


@pytest.fixture
async def s3(tmp_path: Path) -> AsyncIterator[S3Service]:
    service = await open_service(tmp_path / "data")
    yield service
    await close_service(service)


async def put(s3: S3Service, tmp_path: Path, bucket: str, key: str, data: bytes) -> None:
    source = tmp_path / "src.bin"
    source.write_bytes(data)
    await put_file(s3, ACCOUNT, "us-east-1", bucket, key, source)


def test_config_files(tmp_path: Path) -> None:
    dirs = TrainingDirs(tmp_path / "job")
    dirs.create()
    request = {
        "HyperParameters": {"epochs": "3", "lr": "0.1"},
        "InputDataConfig": [
            {"ChannelName": "train", "ContentType": "text/csv",
             "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/t/"}}},
            {"ChannelName": "test", "InputMode": "FastFile",
             "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/v/",
                                             "S3DataDistributionType": "ShardedByS3Key"}}},
        ],
        "ResourceConfig": {"InstanceType": "ml.c5.xlarge", "InstanceCount": 1},
    }  # fmt: skip
    write_training_config(dirs, request, "algo-1")
    assert json.loads((dirs.config / "hyperparameters.json").read_text()) == {
        "epochs": "3", "lr": "0.1",
    }  # fmt: skip
    assert json.loads((dirs.config / "inputdataconfig.json").read_text()) == {
        "train": {"ContentType": "text/csv", "TrainingInputMode": "File",
                  "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"},
        "test": {"TrainingInputMode": "FastFile", "S3DistributionType": "ShardedByS3Key",
                 "RecordWrapperType": "None"},
    }  # fmt: skip
    assert json.loads((dirs.config / "resourceconfig.json").read_text()) == {
        "current_host": "algo-1", "current_instance_type": "ml.c5.xlarge",
        "hosts": ["algo-1"], "network_interface_name": "eth0",
    }  # fmt: skip
    assert hyperparameters({"n": 3, "flag": True}) == {"n": "3", "flag": "True"}
    assert input_data_config(None) == {}
    assert dirs.binds()[0].endswith("/job/input:/opt/ml/input:ro")


async def test_stage_prefix_links_blobs(s3: S3Service, tmp_path: Path) -> None:
    await ensure_bucket(s3, ACCOUNT, "us-east-1", "data")
    await put(s3, tmp_path, "data", "train/a.csv", b"1,2\n")
    await put(s3, tmp_path, "data", "train/sub/b.csv", b"3,4\n")
    await put(s3, tmp_path, "data", "training-other.csv", b"no\n")
    dest = tmp_path / "staged"
    assert await stage_prefix(s3, ACCOUNT, "s3://data/train/", dest) == 2
    assert (dest / "a.csv").read_bytes() == b"1,2\n"
    assert (dest / "sub" / "b.csv").read_bytes() == b"3,4\n"
    assert os.stat(dest / "a.csv").st_nlink == 2  # a hard link to S3's blob
    single = tmp_path / "single"
    assert await stage_prefix(s3, ACCOUNT, "s3://data/train/a.csv", single) == 1
    assert (single / "a.csv").exists()
    with pytest.raises(StagingError, match="no S3 objects found"):
        await stage_prefix(s3, ACCOUNT, "s3://data/none/", tmp_path / "x")
    first, second = tmp_path / "shard-1", tmp_path / "shard-2"
    assert await stage_prefix(s3, ACCOUNT, "s3://data/train/", first, shard=(0, 2)) == 1
    assert await stage_prefix(s3, ACCOUNT, "s3://data/train/", second, shard=(1, 2)) == 1
    staged = {p.relative_to(d).as_posix() for d in (first, second) for p in d.rglob("*.csv")}
    assert staged == {"a.csv", "sub/b.csv"}
    with pytest.raises(StagingError, match="does not exist"):
        await stage_prefix(s3, "999999999999", "s3://data/train/", tmp_path / "x")


async def test_stage_manifest_and_channel(s3: S3Service, tmp_path: Path) -> None:
    await ensure_bucket(s3, ACCOUNT, "us-east-1", "data")
    await put(s3, tmp_path, "data", "all/x.csv", b"x\n")
    await put(s3, tmp_path, "data", "all/y.csv", b"y\n")
    manifest = json.dumps([{"prefix": "s3://data/all/"}, "y.csv"]).encode()
    await put(s3, tmp_path, "data", "m.manifest", manifest)
    dest = tmp_path / "m"
    assert await stage_manifest(s3, ACCOUNT, "s3://data/m.manifest", dest) == 1
    assert sorted(os.listdir(dest)) == ["y.csv"]
    channel = {
        "ChannelName": "train",
        "DataSource": {"S3DataSource": {"S3DataType": "ManifestFile", "S3Uri": "s3://data/m.manifest"}},
    }  # fmt: skip
    assert await stage_channel(s3, ACCOUNT, channel, tmp_path / "c") == 1
    await put(s3, tmp_path, "data", "bad.manifest", b"[{}]")
    with pytest.raises(StagingError, match="not a valid manifest"):
        await stage_manifest(s3, ACCOUNT, "s3://data/bad.manifest", tmp_path / "b")
    with pytest.raises(StagingError, match="Pipe"):
        await stage_channel(s3, ACCOUNT, {**channel, "InputMode": "Pipe"}, tmp_path / "p")


async def test_put_directory(s3: S3Service, tmp_path: Path) -> None:
    await ensure_bucket(s3, ACCOUNT, "us-east-1", "out")
    source = tmp_path / "outputs"
    (source / "d").mkdir(parents=True)
    (source / "a.txt").write_text("a")
    (source / "d" / "b.txt").write_text("b")
    (source / "link").symlink_to(source / "a.txt")
    assert await put_directory(s3, ACCOUNT, "us-east-1", "s3://out/p/", source) == 2
    assert s3.object_record("out", "p/a.txt") is not None
    assert s3.object_record("out", "p/d/b.txt") is not None
    assert s3.object_record("out", "p/link") is None


async def test_sync_directory_puts_and_deletes(s3: S3Service, tmp_path: Path) -> None:
    await ensure_bucket(s3, ACCOUNT, "us-east-1", "ckpt")
    await put(s3, tmp_path, "ckpt", "run/stale.bin", b"old")
    await put(s3, tmp_path, "ckpt", "run-other/keep.bin", b"other prefix")
    local = tmp_path / "checkpoints"
    local.mkdir()
    (local / "step").write_text("2")
    assert await sync_directory(s3, ACCOUNT, "us-east-1", "s3://ckpt/run", local) == (1, 1)
    assert s3.object_record("ckpt", "run/step") is not None
    assert s3.object_record("ckpt", "run/stale.bin") is None
    assert s3.object_record("ckpt", "run-other/keep.bin") is not None
    copied = tmp_path / "copied"
    assert await stage_prefix(s3, ACCOUNT, "s3://ckpt/run/", copied, copy=True) == 1
    assert os.stat(copied / "step").st_nlink == 1  # a copy: the container may change it
    assert await stage_prefix(s3, ACCOUNT, "s3://ckpt/none/", tmp_path / "e", empty_ok=True) == 0


def test_docker_log_timestamps() -> None:
    assert written_at("2026-12-01T20:43:18.250000000Z") == pytest.approx(1796157798.25)
    assert written_at("2026-12-01T20:43:18Z") == pytest.approx(1796157798.0)
    assert written_at("not-a-time") == 0.0


def test_pack_directory_puts_contents_at_the_root(tmp_path: Path) -> None:
    model = tmp_path / "model"
    (model / "extra").mkdir(parents=True)
    (model / "model.json").write_text("{}")
    (model / "extra" / "vocab.txt").write_text("v")
    archive = pack_directory(model, tmp_path / "packed" / "model.tar.gz")
    with tarfile.open(archive, "r:gz") as tar:
        assert sorted(tar.getnames()) == ["extra", "extra/vocab.txt", "model.json"]
    empty = pack_directory(tmp_path / "missing", tmp_path / "empty.tar.gz")
    with tarfile.open(empty, "r:gz") as tar:
        assert tar.getnames() == []


def test_failure_file(tmp_path: Path) -> None:
    assert read_failure(tmp_path / "failure") is None
    (tmp_path / "failure").write_text("ValueError: bad\n" + "x" * 3000)
    reason = read_failure(tmp_path / "failure")
    assert reason is not None and reason.startswith("ValueError: bad") and len(reason) == 1024


def test_metric_regexes_keep_the_last_value() -> None:
    metrics = MetricCollector(
        [
            {"Name": "acc", "Regex": r"train_accuracy=([0-9.]+)"},
            {"Name": "loss", "Regex": r"loss: (\S+);"},
            {"Name": "broken", "Regex": "("},
        ]
    )
    metrics.feed("epoch=1 train_accuracy=0.5", 10.0)
    metrics.feed("loss: nan-ish; ignored", 11.0)
    metrics.feed("epoch=2 train_accuracy=0.93", 12.0)
    metrics.feed("loss: 0.25;", 13.0)
    assert metrics.final() == [
        {"MetricName": "acc", "Value": 0.93, "Timestamp": 12.0},
        {"MetricName": "loss", "Value": 0.25, "Timestamp": 13.0},
    ]


def test_status_moves_and_durations() -> None:
    doc: dict = {"SecondaryStatusTransitions": job_states.new_transitions(100.0)}
    doc["TrainingStartTime"] = 101.0
    job_states.move(doc, "InProgress", "Downloading", 101.0)
    job_states.move(doc, "InProgress", "Training", 102.0)
    job_states.finish(doc, "Stopped", "MaxRuntimeExceeded", 101.2 + 5)
    transitions = doc["SecondaryStatusTransitions"]
    assert [t["Status"] for t in transitions] == [
        "Starting", "Downloading", "Training", "MaxRuntimeExceeded",
    ]  # fmt: skip
    assert [t.get("EndTime") for t in transitions] == [101.0, 102.0, 106.2, 106.2]
    assert (doc["TrainingJobStatus"], doc["SecondaryStatus"]) == ("Stopped", "MaxRuntimeExceeded")
    assert doc["TrainingEndTime"] == doc["LastModifiedTime"] == 106.2
    assert doc["TrainingTimeInSeconds"] == doc["BillableTimeInSeconds"] == 5
    quick: dict = {"TrainingStartTime": 1.0}
    job_states.finish(quick, "Completed", "Completed", 1.1)
    assert quick["TrainingTimeInSeconds"] == 1
