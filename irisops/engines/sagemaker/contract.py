"""The SageMaker container contract on disk: a job's /opt/ml as a host directory.

A training container sees (AWS-REFERENCE.md section 1)::

    /opt/ml/input/config/{hyperparameters,inputdataconfig,resourceconfig}.json
    /opt/ml/input/data/<channel>/...      staged from S3 (read-only mount)
    /opt/ml/model/                        -> <S3OutputPath>/<job>/output/model.tar.gz
    /opt/ml/output/data/                  -> <S3OutputPath>/<job>/output/output.tar.gz
    /opt/ml/output/failure                -> FailureReason (first 1024 chars)

A processing container gets ``/opt/ml/config/{processingjobconfig,resourceconfig}.json``
and its inputs and outputs at the LocalPath each names (section 4).
"""

from __future__ import annotations

import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from irisops.core.files import atomic_write

ML = "/opt/ml"
FAILURE_CHARS = 1024
DEFAULT_INSTANCE_TYPE = "ml.m5.large"
DEFAULT_CHECKPOINTS = f"{ML}/checkpoints"


@dataclass(frozen=True)
class TrainingDirs:
    """The host side of one training job's /opt/ml."""

    root: Path

    @property
    def input(self) -> Path:
        return self.root / "input"

    @property
    def config(self) -> Path:
        return self.root / "input" / "config"

    @property
    def data(self) -> Path:
        return self.root / "input" / "data"

    @property
    def model(self) -> Path:
        return self.root / "model"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def output_data(self) -> Path:
        return self.root / "output" / "data"

    @property
    def failure(self) -> Path:
        return self.root / "output" / "failure"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def packed(self) -> Path:
        """Where the archives are built (outside what the container sees)."""
        return self.root / "packed"

    def create(self) -> None:
        dirs = (self.config, self.data, self.model, self.output_data, self.checkpoints, self.packed)
        for path in dirs:
            path.mkdir(parents=True, exist_ok=True)

    def binds(self, checkpoints: str | None = None) -> list[str]:
        """Docker binds: the input read-only (staged files are hard links to S3's
        immutable blobs), model and output writable, and the checkpoint dir at
        ``checkpoints`` (CheckpointConfig.LocalPath) when the job has one."""
        binds = [
            f"{self.input}:{ML}/input:ro",
            f"{self.model}:{ML}/model",
            f"{self.output}:{ML}/output",
        ]
        if checkpoints:
            binds.append(f"{self.checkpoints}:{checkpoints}")
        return binds


def hyperparameters(values: dict[str, Any] | None) -> dict[str, str]:
    """hyperparameters.json: a flat object whose values are strings."""
    return {str(key): str(value) for key, value in (values or {}).items()}


def input_data_config(channels: list[dict[str, Any]] | None) -> dict[str, dict[str, str]]:
    """inputdataconfig.json: per channel its input mode, distribution and wrapper, and
    ContentType only when the channel sets it."""
    config: dict[str, dict[str, str]] = {}
    for channel in channels or []:
        s3 = (channel.get("DataSource") or {}).get("S3DataSource") or {}
        entry: dict[str, str] = {}
        if channel.get("ContentType"):
            entry["ContentType"] = channel["ContentType"]
        entry["TrainingInputMode"] = channel.get("InputMode") or "File"
        entry["S3DistributionType"] = s3.get("S3DataDistributionType") or "FullyReplicated"
        entry["RecordWrapperType"] = channel.get("RecordWrapperType") or "None"
        config[channel["ChannelName"]] = entry
    return config


def host_names(count: int) -> list[str]:
    return [f"algo-{i}" for i in range(1, max(count, 1) + 1)]


def resource_config(current_host: str, hosts: list[str], instance_type: str) -> dict[str, Any]:
    """resourceconfig.json as SageMaker writes it (``current_instance_type`` too: the
    SDK's drivers require it)."""
    return {
        "current_host": current_host,
        "current_instance_type": instance_type,
        "hosts": sorted(hosts),
        "network_interface_name": "eth0",
    }


def write_json(path: Path, value: Any) -> None:
    atomic_write(path, (json.dumps(value, indent=2) + "\n").encode(), fsync=False)


def write_training_config(dirs: TrainingDirs, request: dict[str, Any], host: str) -> None:
    """The three config files of ``host`` for a CreateTrainingJob request."""
    resources = request.get("ResourceConfig") or {}
    hosts = host_names(int(resources.get("InstanceCount") or 1))
    instance_type = resources.get("InstanceType") or DEFAULT_INSTANCE_TYPE
    write_json(
        dirs.config / "hyperparameters.json", hyperparameters(request.get("HyperParameters"))
    )
    write_json(
        dirs.config / "inputdataconfig.json", input_data_config(request.get("InputDataConfig"))
    )
    write_json(dirs.config / "resourceconfig.json", resource_config(host, hosts, instance_type))


def read_failure(path: Path) -> str | None:
    """The first 1024 characters of a failure (or message) file, None when absent."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(FAILURE_CHARS * 4)
    except (FileNotFoundError, IsADirectoryError):
        return None
    text = raw.decode("utf-8", errors="replace").strip()
    return text[:FAILURE_CHARS] or None


def has_files(directory: Path) -> bool:
    return directory.is_dir() and any(directory.iterdir())


def pack_directory(source: Path, archive: Path) -> Path:
    """A gzip tar of ``source``'s contents at the archive root (``model.json``, not
    ``model/model.json``), as SageMaker packs model.tar.gz. Symlinks are stored as
    links, never followed."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    temp = archive.with_name(f".tmp-{archive.name}")
    with tarfile.open(temp, "w:gz", compresslevel=6) as tar:
        for entry in sorted(os.listdir(source)) if source.is_dir() else []:
            tar.add(source / entry, arcname=entry)
    os.replace(temp, archive)
    return archive
