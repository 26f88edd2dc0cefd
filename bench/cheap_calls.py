"""Cheap-call throughput and latency: irisops vs moto's server, same request, same generator.

For every call, each server is started fresh, the resource the call reads is created
with boto3, one real boto3 call is captured (signed once) and then replayed by the load
generator at each concurrency. The same captured request, pointed at the trivial
responder, measures the generator's own ceiling.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import servers
from bench.console import error_text, log
from bench.loadgen import LoadGenerator, LoadResult
from bench.profiling import profile_process
from bench.signing import ReplayRequest, capture, client

BUCKET = "bench-cheap"
ROLE = "bench-role"
TRUST_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def prepare_s3_head_object(endpoint: str) -> ReplayRequest:
    s3 = client("s3", endpoint)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="small.txt", Body=b"x" * 1024)
    return capture(s3, "head_object", Bucket=BUCKET, Key="small.txt")


def prepare_iam_get_role(endpoint: str) -> ReplayRequest:
    iam = client("iam", endpoint)
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=TRUST_POLICY)
    return capture(iam, "get_role", RoleName=ROLE)


def prepare_sts_get_caller_identity(endpoint: str) -> ReplayRequest:
    return capture(client("sts", endpoint), "get_caller_identity")


@dataclass(frozen=True)
class CheapCall:
    name: str
    #: The irisops services to run for it (a service brings what it needs along).
    services: tuple[str, ...]
    prepare: Callable[[str], ReplayRequest]


CALLS = [
    CheapCall("s3-head-object", ("s3",), prepare_s3_head_object),
    CheapCall("iam-get-role", ("iam",), prepare_iam_get_role),
    CheapCall("sts-get-caller-identity", ("sts",), prepare_sts_get_caller_identity),
]


@dataclass
class Settings:
    concurrencies: tuple[int, ...]
    duration_s: int
    warmup_s: int
    work_dir: Path
    profile_dir: Path | None = None


def cpu_seconds(pid: int) -> float | None:
    """User+system CPU time of a process and all its threads (Linux /proc), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    generator: LoadGenerator, request: ReplayRequest, clients: int, settings: Settings, pid: int
) -> dict[str, Any]:
    """Warm up, then one measured run; adds the server's CPU use (cores busy) as context."""
    if settings.warmup_s:
        generator.run(request, clients, settings.warmup_s)
    before = cpu_seconds(pid)
    result: LoadResult = generator.run(request, clients, settings.duration_s)
    after = cpu_seconds(pid)
    point = result.to_json()
    if before is not None and after is not None:
        point["server_cpu_cores"] = (after - before) / result.duration_s
    return point


@contextlib.contextmanager
def started(name: str, call: CheapCall, settings: Settings) -> Iterator[servers.Running]:
    """The named server: irisops, moto or the trivial responder."""
    if name == "irisops":
        server = servers.irisops(settings.work_dir / f"irisops-{call.name}", list(call.services))
    elif name == "moto":
        server = servers.moto(settings.work_dir)
    else:
        server = servers.trivial_responder()
    with server as running:
        yield running


def profile(
    running: servers.Running,
    request: ReplayRequest,
    call: CheapCall,
    generator: LoadGenerator,
    settings: Settings,
) -> None:
    """An extra, unmeasured run at the highest concurrency with py-spy sampling."""
    assert settings.profile_dir is not None
    clients = max(settings.concurrencies)
    log(f"{call.name} {running.name}: profiling under {clients} clients")
    try:
        with profile_process(running.pid, settings.profile_dir / call.name):
            generator.run(request, clients, settings.duration_s)
    except Exception as exc:
        log(f"profiling {call.name} failed: {error_text(exc)}")


def bench_server(
    name: str, call: CheapCall, generator: LoadGenerator, settings: Settings
) -> tuple[dict[str, Any], ReplayRequest | None]:
    try:
        with started(name, call, settings) as running:
            request = call.prepare(running.url)
            points: dict[str, Any] = {}
            for clients in settings.concurrencies:
                log(f"{call.name} {name} {clients} clients")
                points[str(clients)] = measure(generator, request, clients, settings, running.pid)
            if name == "irisops" and settings.profile_dir is not None:
                profile(running, request, call, generator, settings)
            return points, request
    except Exception as exc:
        log(f"{call.name} {name} failed: {error_text(exc)}")
        return {"error": error_text(exc)}, None


def bench_ceiling(
    call: CheapCall, request: ReplayRequest, generator: LoadGenerator, settings: Settings
) -> dict[str, Any]:
    try:
        with started("responder", call, settings) as responder:
            pointed = request.with_origin(responder.url)
            return {
                str(clients): measure(generator, pointed, clients, settings, responder.pid)
                for clients in settings.concurrencies
            }
    except Exception as exc:
        return {"error": error_text(exc)}


def run(calls: list[CheapCall], generator: LoadGenerator, settings: Settings) -> dict[str, Any]:
    return {call.name: bench_call(call, generator, settings) for call in calls}


def bench_call(call: CheapCall, generator: LoadGenerator, settings: Settings) -> dict[str, Any]:
    started_at = time.monotonic()
    entry: dict[str, Any] = {}
    requests: list[ReplayRequest] = []
    for name in ("irisops", "moto"):
        entry[name], request = bench_server(name, call, generator, settings)
        if request is not None:
            requests.append(request)
    if requests:
        log(f"{call.name} generator ceiling")
        entry["ceiling"] = bench_ceiling(call, requests[0], generator, settings)
    else:
        entry["ceiling"] = {"error": "no server answered the call"}
    log(f"{call.name} done in {time.monotonic() - started_at:.0f}s")
    return entry
