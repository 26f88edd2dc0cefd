"""A SageMaker training job's wall time (CreateTrainingJob -> Completed, polled every
20 ms) vs a bare ``docker run IMAGE train`` of the same iris training image with the
same /opt/ml layout (the CSV in input/data/train, the three config files), measured
back to back in the same run. Target: the job takes at most the bare run + 2 s.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import servers
from bench.console import error_text, log
from bench.docker_push import base_image
from bench.signing import client

ROOT = Path(__file__).resolve().parent.parent
CONTAINER = ROOT / "containers" / "training"
DATA = ROOT / "demo" / "iris.csv"
SERVICES = ["sagemaker"]
BUCKET = "bench-training"
POLL_S = 0.02
JOB_TIMEOUT_S = 300
EXTRA_SECONDS = 2.0


@dataclass
class Settings:
    repeats: int
    work_dir: Path


def build_image(base: str, tag: str) -> None:
    subprocess.run(
        ["docker", "build", "-q", "--build-arg", f"BASE_IMAGE={base}", "-t", tag, str(CONTAINER)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip


def bare_layout(root: Path) -> Path:
    """/opt/ml as the job gets it: the data, the config files, empty model and output."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "input" / "data" / "train").mkdir(parents=True)
    (root / "input" / "config").mkdir(parents=True)
    (root / "model").mkdir()
    (root / "output" / "data").mkdir(parents=True)
    shutil.copyfile(DATA, root / "input" / "data" / "train" / "iris.csv")
    config = root / "input" / "config"
    (config / "hyperparameters.json").write_text("{}")
    (config / "inputdataconfig.json").write_text(
        json.dumps({"train": {"TrainingInputMode": "File"}})
    )
    (config / "resourceconfig.json").write_text(json.dumps({
        "current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "eth0",
    }))  # fmt: skip
    return root


def bare_run(image: str, root: Path) -> float:
    layout = bare_layout(root)
    started = time.perf_counter()
    subprocess.run(
        ["docker", "run", "--rm", "-v", f"{layout}:/opt/ml", image, "train"],
        check=True, capture_output=True, timeout=JOB_TIMEOUT_S,
    )  # fmt: skip
    return time.perf_counter() - started


def job_run(sm: Any, image: str, name: str) -> float:
    started = time.perf_counter()
    sm.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        RoleArn="arn:aws:iam::123456789012:role/bench",
        InputDataConfig=[{
            "ChannelName": "train",
            "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/train/",
            }},
        }],
        OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": JOB_TIMEOUT_S},
    )  # fmt: skip
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        job = sm.describe_training_job(TrainingJobName=name)
        if job["TrainingJobStatus"] == "Completed":
            return time.perf_counter() - started
        if job["TrainingJobStatus"] in ("Failed", "Stopped"):
            raise RuntimeError(f"{name}: {job['TrainingJobStatus']}: {job.get('FailureReason')}")
        time.sleep(POLL_S)
    raise RuntimeError(f"{name} did not complete within {JOB_TIMEOUT_S} s")


def run(settings: Settings) -> dict[str, Any]:
    work = settings.work_dir
    work.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {
        "repeats": settings.repeats,
        "seconds": {"irisops": [], "docker_run": []},
    }
    base = base_image()
    image = f"irisops-bench/iris-training:{secrets.token_hex(4)}"
    try:
        if base is None:
            raise RuntimeError("no base image recorded (.irisops/base-image or IRISOPS_BASE_IMAGE)")
        build_image(base, image)
        with servers.irisops(work / "irisops-data", SERVICES) as running:
            sm, s3 = client("sagemaker", running.url), client("s3", running.url)
            s3.create_bucket(Bucket=BUCKET)
            s3.put_object(Bucket=BUCKET, Key="train/iris.csv", Body=DATA.read_bytes())
            bare_run(image, work / "ml")  # warm-up: page cache, engine
            job_run(sm, image, "bench-warmup")
            for index in range(settings.repeats):
                out["seconds"]["docker_run"].append(bare_run(image, work / "ml"))
                out["seconds"]["irisops"].append(job_run(sm, image, f"bench-{index}"))
                log(
                    f"training-job round {index + 1}/{settings.repeats}: "
                    f"job {out['seconds']['irisops'][-1]:.2f} s, "
                    f"docker run {out['seconds']['docker_run'][-1]:.2f} s"
                )
    except Exception as exc:  # a failed bench is reported, not raised
        out["error"] = error_text(exc)
    finally:
        subprocess.run(["docker", "rmi", "-f", image], capture_output=True, timeout=120)
    return out
