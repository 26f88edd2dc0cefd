"""S3 PUT and GET of one large object: irisops vs moto vs ``cp`` on the same disk.

The client is curl on a presigned URL (``-T FILE`` to PUT, ``-o FILE`` to GET), the same
for both servers; its own ``time_total`` is the measurement. The baselines are ``cp`` of
the same file in the same directory tree, and ``cp`` followed by fsync of the copy and
its directory (what irisops does for an acknowledged object with fsync on). Every
measurement starts after a ``sync`` so no one pays for another's dirty pages.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import servers
from bench.console import error_text, log
from bench.signing import client

BUCKET = "bench-transfer"
CHUNK = 1024 * 1024


@dataclass
class Settings:
    size_bytes: int
    repeats: int
    work_dir: Path


def make_source(path: Path, size: int) -> None:
    """Random bytes (nothing compresses or dedups them), written once and fsynced."""
    with path.open("wb") as f:
        left = size
        while left:
            n = min(CHUNK, left)
            f.write(os.urandom(n))
            left -= n
        f.flush()
        os.fsync(f.fileno())


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def time_cp(source: Path, target: Path, *, fsync: bool) -> float:
    os.sync()
    started = time.perf_counter()
    subprocess.run(["cp", str(source), str(target)], check=True)
    if fsync:
        fsync_path(target)
        fsync_path(target.parent)
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def curl(args: list[str], expected_bytes: int, what: str) -> float:
    """Run curl; check the status and byte count; return curl's own time_total."""
    os.sync()
    proc = subprocess.run(
        [
            "curl",
            "--silent",
            "--show-error",
            "--noproxy",
            "*",
            "-H",
            "Expect:",
            "-w",
            "%{http_code} %{time_total} %{size_upload} %{size_download}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"curl {what} failed ({proc.returncode}): {proc.stderr.strip()}")
    status, total, uploaded, downloaded = proc.stdout.split()[-4:]
    if status != "200":
        raise RuntimeError(f"{what}: HTTP {status}")
    moved = float(uploaded) + float(downloaded)
    if int(moved) < expected_bytes:
        raise RuntimeError(f"{what}: moved {int(moved)} bytes, expected {expected_bytes}")
    return float(total)


def transfer_server(url: str, source: Path, settings: Settings) -> dict[str, list[float]]:
    s3 = client("s3", url)
    s3.create_bucket(Bucket=BUCKET)
    size = settings.size_bytes
    put: list[float] = []
    for i in range(settings.repeats):
        key = f"big-{i}"
        target = s3.generate_presigned_url(
            "put_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=3600
        )
        put.append(curl(["-T", str(source), "-o", os.devnull, target], size, f"PUT {key}"))
    head = s3.head_object(Bucket=BUCKET, Key=f"big-{settings.repeats - 1}")
    if head["ContentLength"] != size:
        raise RuntimeError(f"stored object has {head['ContentLength']} bytes, sent {size}")
    get: list[float] = []
    fetched = settings.work_dir / "fetched.bin"
    for i in range(settings.repeats):
        key = f"big-{i}"
        target = s3.generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=3600
        )
        get.append(curl(["-o", str(fetched), target], size, f"GET {key}"))
        if fetched.stat().st_size != size:
            raise RuntimeError(f"GET {key} wrote {fetched.stat().st_size} bytes")
        fetched.unlink()
    return {"put": put, "get": get}


@contextlib.contextmanager
def _irisops(work_dir: Path) -> Iterator[servers.Running]:
    with servers.irisops(work_dir / "irisops-transfer", ["s3"]) as running:
        yield running


SERVERS: dict[str, Callable[[Path], contextlib.AbstractContextManager[servers.Running]]] = {
    "irisops": _irisops,
    "moto": servers.moto,
}


def run(settings: Settings) -> dict[str, Any]:
    if not shutil.which("curl"):
        return {"error": "curl is not installed"}
    work = settings.work_dir
    work.mkdir(parents=True, exist_ok=True)
    source = work / "source.bin"
    make_source(source, settings.size_bytes)
    seconds: dict[str, list[float]] = {}
    errors: dict[str, str] = {}
    log("64 MB transfers: cp baselines")
    copy = work / "copy.bin"
    seconds["cp"] = [time_cp(source, copy, fsync=False) for _ in range(settings.repeats)]
    seconds["cp_fsync"] = [time_cp(source, copy, fsync=True) for _ in range(settings.repeats)]
    for name, start in SERVERS.items():
        log(f"64 MB transfers: {name}")
        try:
            with start(work) as running:
                measured = transfer_server(running.url, source, settings)
            seconds[f"{name}_put"] = measured["put"]
            seconds[f"{name}_get"] = measured["get"]
        except Exception as exc:
            log(f"64 MB transfers: {name} failed: {error_text(exc)}")
            errors[name] = error_text(exc)
    source.unlink()
    return {
        "size_bytes": settings.size_bytes,
        "repeats": settings.repeats,
        "client": "curl, presigned URLs, -H 'Expect:'",
        "seconds": seconds,
        "errors": errors,
    }
