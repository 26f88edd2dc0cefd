"""S3 PUT and GET of one large object: irisops vs moto vs ``cp`` on the same disk.

Client: curl on a presigned URL, the same for both servers (``-T FILE`` to PUT; GETs go
into /dev/null, because writing the download to a file caps curl itself at about what
the servers send; one untimed GET per server into a file is compared byte for byte with
what was PUT). curl's own ``time_total`` is the measurement. The same curl against the
trivial responder (drops a PUT body, ``sendfile``s a GET) shows what client and loopback
manage at all: a server near it is limited by them, not by itself.

Baselines: ``cp`` of the same file in the same directory tree, and ``cp`` followed by
fsync of the copy and its directory (what irisops does for an acknowledged object with
fsync on). All servers run at once and every round measures everything back to back,
each after a ``sync``, so drift on the machine and dirty pages hit all alike.
"""

from __future__ import annotations

import contextlib
import filecmp
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
from bench.profiling import profile_process
from bench.signing import client

BUCKET = "bench-transfer"
CHUNK = 1024 * 1024
OPS = ("put", "get")


@dataclass
class Settings:
    size_bytes: int
    repeats: int
    work_dir: Path
    profile_dir: Path | None = None


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


class Endpoint:
    """One server under test, or the trivial responder, as curl sees it."""

    def __init__(
        self, name: str, running: servers.Running, settings: Settings, *, s3: bool = True
    ) -> None:
        self.name = name
        self.url = running.url
        self.pid = running.pid
        self.settings = settings
        self.s3 = client("s3", self.url) if s3 else None
        if self.s3 is not None:
            self.s3.create_bucket(Bucket=BUCKET)

    def _url(self, operation: str, key: str) -> str:
        if self.s3 is None:  # the trivial responder: any PUT path, GET /blob
            return f"{self.url}/{'blob' if operation == 'get_object' else 'sink'}"
        return self.s3.generate_presigned_url(
            operation, Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=3600
        )

    def put(self, source: Path, key: str) -> float:
        target = self._url("put_object", key)
        return curl(["-T", str(source), "-o", os.devnull, target], self.settings.size_bytes, key)

    def get(self, key: str) -> float:
        return curl(["-o", os.devnull, self._url("get_object", key)], self.settings.size_bytes, key)

    def verify(self, source: Path, key: str) -> None:
        """One untimed GET into a file, compared byte for byte with what was PUT."""
        fetched = self.settings.work_dir / f"fetched-{self.name}.bin"
        curl(["-o", str(fetched), self._url("get_object", key)], self.settings.size_bytes, key)
        same = filecmp.cmp(source, fetched, shallow=False)
        fetched.unlink()
        if not same:
            raise RuntimeError(f"{key} read back from {self.name} differs from the file sent")


@contextlib.contextmanager
def _irisops(work_dir: Path) -> Iterator[servers.Running]:
    with servers.irisops(work_dir / "irisops-transfer", ["s3"]) as running:
        yield running


SERVERS: dict[str, Callable[[Path], contextlib.AbstractContextManager[servers.Running]]] = {
    "irisops": _irisops,
    "moto": servers.moto,
}


def measure_round(
    round_no: int,
    source: Path,
    copy: Path,
    endpoints: dict[str, Endpoint],
    seconds: dict[str, list[float]],
    errors: dict[str, str],
) -> None:
    """One of each measurement, back to back, so drift on the machine hits all alike."""
    seconds["cp"].append(time_cp(source, copy, fsync=False))
    seconds["cp_fsync"].append(time_cp(source, copy, fsync=True))
    key = f"big-{round_no}"
    for name, endpoint in list(endpoints.items()):
        try:
            seconds[f"{name}_put"].append(endpoint.put(source, key))
            seconds[f"{name}_get"].append(endpoint.get(key))
        except Exception as exc:
            log(f"64 MB transfers: {name} failed: {error_text(exc)}")
            errors[name] = error_text(exc)
            del endpoints[name]


def profile(endpoint: Endpoint, source: Path, settings: Settings) -> None:
    """Extra, unmeasured PUTs and then GETs with py-spy sampling the server."""
    assert settings.profile_dir is not None
    try:
        for op in OPS:
            log(f"64 MB transfers: profiling {endpoint.name} {op.upper()}")
            with profile_process(endpoint.pid, settings.profile_dir / f"s3-64mb-{op}"):
                for i in range(settings.repeats):
                    if op == "put":
                        endpoint.put(source, f"profiled-{i}")
                    else:
                        endpoint.get(f"profiled-{i}")
    except Exception as exc:
        log(f"profiling the 64 MB transfers failed: {error_text(exc)}")


def run(settings: Settings) -> dict[str, Any]:
    if not shutil.which("curl"):
        return {"error": "curl is not installed"}
    work = settings.work_dir
    work.mkdir(parents=True, exist_ok=True)
    source = work / "source.bin"
    make_source(source, settings.size_bytes)
    names = ["trivial", *SERVERS]
    seconds: dict[str, list[float]] = {
        name: [] for name in ["cp", "cp_fsync", *(f"{n}_{op}" for n in names for op in OPS)]
    }
    errors: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        responder = stack.enter_context(servers.trivial_responder(source))
        endpoints = {"trivial": Endpoint("trivial", responder, settings, s3=False)}
        for name, start in SERVERS.items():
            try:
                running = stack.enter_context(start(work))
                endpoints[name] = Endpoint(name, running, settings)
            except Exception as exc:
                log(f"64 MB transfers: {name} did not start: {error_text(exc)}")
                errors[name] = error_text(exc)
        for round_no in range(settings.repeats):
            log(f"64 MB transfers: round {round_no + 1} of {settings.repeats}")
            measure_round(round_no, source, work / "copy.bin", endpoints, seconds, errors)
        if settings.profile_dir is not None and "irisops" in endpoints:
            profile(endpoints["irisops"], source, settings)
        for name, endpoint in endpoints.items():
            if name != "trivial":
                try:
                    endpoint.verify(source, f"big-{settings.repeats - 1}")
                except Exception as exc:
                    errors[name] = error_text(exc)
    source.unlink()
    return {
        "size_bytes": settings.size_bytes,
        "repeats": settings.repeats,
        "client": "curl, presigned URLs, no Expect: 100-continue, GET into /dev/null",
        "seconds": seconds,
        "errors": errors,
    }
