"""Starting and stopping the servers a benchmark measures, each as its own process.

irisops runs as ``irisops serve`` (through ``ServerProcess``) with its default fsync
setting; moto runs as moto's own server (werkzeug, threaded) with its per-request log
turned off so the baseline is at its best; the trivial responder is what the load
generator is checked against.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from irisops.config import Config
from irisops.sdk.server import ServerProcess

BENCH_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"

#: moto's own entry point, with werkzeug's per-request access log off.
MOTO_MAIN = (
    "import logging, sys; "
    "logging.getLogger('werkzeug').setLevel(logging.ERROR); "
    "from moto.server import main; main(sys.argv[1:])"
)


@dataclass
class Running:
    """A started server: what a benchmark needs to talk to it and to profile it."""

    name: str
    url: str
    pid: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {HOST}:{port} after {timeout:.0f}s")


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def irisops_fsync() -> bool:
    """The fsync setting a default ``irisops serve`` runs with in this environment."""
    return Config.from_env().fsync


@contextlib.contextmanager
def irisops(data_dir: Path, services: list[str]) -> Iterator[Running]:
    """``irisops serve`` on a free port running only ``services``, state in data_dir."""
    server = ServerProcess(data_dir, extra_args=["--services", ",".join(services)])
    server.start()
    try:
        assert server.proc is not None
        yield Running("irisops", server.url, server.proc.pid)
    finally:
        server.stop()


@contextlib.contextmanager
def moto(work_dir: Path) -> Iterator[Running]:
    """moto's server on a free port; its spooled object files go to work_dir."""
    port = free_port()
    log = (work_dir / "moto.log").open("ab")
    env = {**os.environ, "TMPDIR": str(work_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-c", MOTO_MAIN, "-H", HOST, "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_for_port(port, proc)
        yield Running("moto", f"http://{HOST}:{port}", proc.pid)
    finally:
        stop_process(proc)
        log.close()


@contextlib.contextmanager
def trivial_responder(blob: Path | None = None) -> Iterator[Running]:
    """bench/responder.py: a canned 200 for every request (and ``GET /blob``: the blob)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(BENCH_DIR / "responder.py"), HOST, str(port)]
        + ([str(blob)] if blob else []),
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, proc)
        yield Running("responder", f"http://{HOST}:{port}", proc.pid)
    finally:
        stop_process(proc)
