"""SageMaker endpoints: InvokeEndpoint through irisops vs a direct POST to the same
container, and CreateEndpoint -> InService vs a bare ``docker run`` + first ``/ping``.

irisops runs with only sagemaker-runtime (it brings sagemaker, iam, s3 and logs). The iris
inference image is built FROM the local base image; one endpoint with one instance
serves. One real boto3 InvokeEndpoint is captured (signed once) and replayed by the load
generator; the direct series replays the same body to the container's published
``127.0.0.1`` port. The two series alternate at each concurrency so both see the same
machine. Create -> InService is timed from the CreateEndpoint call to the first
DescribeEndpoint saying InService; the baseline is ``docker run -d`` of the same image
with the same model directory mounted, to its first 200 on ``/ping``.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import servers
from bench.cheap_calls import TRUST_POLICY, cpu_seconds
from bench.console import error_text, log
from bench.loadgen import LoadGenerator
from bench.profiling import profile_process
from bench.signing import ReplayRequest, capture, client

ROOT = Path(__file__).resolve().parent.parent
IMAGE_DIR = ROOT / "containers" / "inference"
BODY = json.dumps({"features": [5.1, 3.5, 1.4, 0.2]}).encode()
MODEL = {
    "type": "nearest-centroid",
    "features": ["sepal_length", "sepal_width", "petal_length", "petal_width"],
    "centroids": {
        "setosa": [5.006, 3.428, 1.462, 0.246],
        "versicolor": [5.936, 2.77, 4.26, 1.326],
        "virginica": [6.588, 2.974, 5.552, 2.026],
    },
}
POLL_S = 0.02


@dataclass
class Settings:
    concurrencies: tuple[int, ...]
    duration_s: int
    warmup_s: int
    repeats: int
    work_dir: Path
    profile_dir: Path | None = None


def base_image() -> str:
    if name := os.environ.get("IRISOPS_BASE_IMAGE", "").strip():
        return name
    recorded = ROOT / ".irisops" / "base-image"
    if recorded.is_file() and (words := recorded.read_text().split()):
        return words[0]
    return "python:3.12-slim"


def docker(*args: str, timeout: float = 300) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"docker {args[0]} failed: {done.stderr.strip()[-500:]}")
    return done.stdout.strip()


def model_tarball() -> bytes:
    data = json.dumps(MODEL).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("model.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def wait_ping(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}/ping never answered 200")
        time.sleep(POLL_S)


def create_to_in_service(sm: Any, name: str) -> float:
    started = time.perf_counter()
    sm.create_endpoint(EndpointName=name, EndpointConfigName="bench")
    while True:
        status = sm.describe_endpoint(EndpointName=name)["EndpointStatus"]
        if status == "InService":
            return time.perf_counter() - started
        if status == "Failed":
            raise RuntimeError(f"endpoint {name} failed")
        time.sleep(POLL_S)


def bare_run_to_ping(image: str, model_dir: Path) -> float:
    started = time.perf_counter()
    container = docker(
        "run", "-d", "-p", "127.0.0.1::8080", "-v", f"{model_dir}:/opt/ml/model:ro", image, "serve"
    )
    try:
        port = docker("port", container, "8080/tcp").splitlines()[0].rsplit(":", 1)[1]
        wait_ping(f"http://127.0.0.1:{port}")
        return time.perf_counter() - started
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=60)


def endpoint_port(name: str) -> int:
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{name}"
    [container] = docker("ps", "-q", "--filter", f"label=irisops.resource={arn}").split()
    return int(docker("port", container, "8080/tcp").splitlines()[0].rsplit(":", 1)[1])


def measure(
    generator: LoadGenerator,
    request: ReplayRequest,
    clients: int,
    settings: Settings,
    pid: int | None,
) -> dict[str, Any]:
    if settings.warmup_s:
        generator.run(request, clients, settings.warmup_s)
    before = cpu_seconds(pid) if pid else None
    point = generator.run(request, clients, settings.duration_s).to_json()
    after = cpu_seconds(pid) if pid else None
    if before is not None and after is not None:
        point["server_cpu_cores"] = (after - before) / point["duration_s"]
    return point


def run(generator: LoadGenerator, settings: Settings) -> dict[str, Any]:
    image = f"irisops-bench/iris-inference:{secrets.token_hex(4)}"
    try:
        docker(
            "build", "-q", "--build-arg", f"BASE_IMAGE={base_image()}", "-t", image, str(IMAGE_DIR)
        )
        return _run(image, generator, settings)
    except Exception as exc:
        log(f"invoke-endpoint failed: {error_text(exc)}")
        return {"error": error_text(exc)}
    finally:
        subprocess.run(["docker", "rmi", "-f", image], capture_output=True, timeout=120)


def _run(image: str, generator: LoadGenerator, settings: Settings) -> dict[str, Any]:
    model_dir = settings.work_dir / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "model.json").write_text(json.dumps(MODEL))
    out: dict[str, Any] = {"repeats": settings.repeats, "invoke": {}, "seconds": {}}
    with servers.irisops(settings.work_dir / "irisops", ["sagemaker-runtime"]) as running:
        s3, iam, sm = (client(n, running.url) for n in ("s3", "iam", "sagemaker"))
        s3.create_bucket(Bucket="bench-models")
        s3.put_object(Bucket="bench-models", Key="iris/model.tar.gz", Body=model_tarball())
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=TRUST_POLICY)
        sm.create_model(
            ModelName="bench",
            PrimaryContainer={
                "Image": image,
                "ModelDataUrl": "s3://bench-models/iris/model.tar.gz",
            },
            ExecutionRoleArn=role["Role"]["Arn"],
        )
        sm.create_endpoint_config(
            EndpointConfigName="bench",
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": "bench",
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
        create, bare = [], []
        for i in range(settings.repeats):
            log(f"invoke-endpoint create round {i + 1}")
            bare.append(bare_run_to_ping(image, model_dir))
            create.append(create_to_in_service(sm, f"bench-create-{i}"))
            sm.delete_endpoint(EndpointName=f"bench-create-{i}")
        out["seconds"] = {"create_to_in_service": create, "docker_run_to_ping": bare}

        create_to_in_service(sm, "bench")
        runtime = client("sagemaker-runtime", running.url)
        via = capture(
            runtime,
            "invoke_endpoint",
            EndpointName="bench",
            Body=BODY,
            ContentType="application/json",
        )
        direct = ReplayRequest(
            "POST",
            f"http://127.0.0.1:{endpoint_port('bench')}/invocations",
            {"Content-Type": "application/json"},
            BODY,
        )
        for clients in settings.concurrencies:
            log(f"invoke-endpoint {clients} clients: direct, then through irisops")
            out["invoke"][str(clients)] = {
                "direct": measure(generator, direct, clients, settings, None),
                "irisops": measure(generator, via, clients, settings, running.pid),
            }
            if settings.profile_dir is not None:
                log(f"invoke-endpoint {clients} clients: profiling irisops")
                with profile_process(running.pid, settings.profile_dir / f"invoke-{clients}"):
                    generator.run(via, clients, settings.duration_s)
    shutil.rmtree(model_dir, ignore_errors=True)
    return out
