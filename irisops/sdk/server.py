"""Run ``irisops serve`` as a child process: what tests and benchmarks start and kill.

A separate process keeps synchronous clients (boto3, git, docker) from ever sharing an
event loop with the server, and lets a test SIGKILL the server and start it again on the
same data dir.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

READY = re.compile(r"irisops ready on (http://\S+)")


class ServerProcess:
    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        extra_args: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = port
        self.host = host
        self.extra_args = extra_args or []
        self.env = env or {}
        self.url = ""
        self.proc: subprocess.Popen[str] | None = None
        self.output: deque[str] = deque(maxlen=400)
        self._reader: threading.Thread | None = None

    def start(self, timeout: float = 60) -> ServerProcess:
        args = [
            sys.executable,
            "-m",
            "irisops",
            "serve",
            "--host",
            self.host,
            "--port",
            str(self.port),
        ]
        args += ["--data-dir", str(self.data_dir)] if self.data_dir else ["--ephemeral"]
        args += self.extra_args
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self.proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            start_new_session=True,
        )
        ready = threading.Event()

        def pump() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                self.output.append(line.rstrip("\n"))
                match = READY.search(line)
                if match and not ready.is_set():
                    self.url = match.group(1)
                    ready.set()

        self._reader = threading.Thread(target=pump, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = "\n".join(self.output)
                self.stop()
                raise RuntimeError(f"irisops serve did not become ready:\n{log}")
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def kill(self) -> None:
        """SIGKILL the server: no shutdown code runs."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self._join()

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM and wait for a clean exit; SIGKILL if it does not come."""
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._join()
        return self.proc.returncode

    def _join(self) -> None:
        if self._reader:
            self._reader.join(5)

    def client(self, service: str, **kwargs: Any) -> Any:
        import boto3
        from botocore.config import Config as BotoConfig

        params: dict[str, Any] = {
            "endpoint_url": self.url,
            "region_name": "us-east-1",
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
            "config": BotoConfig(retries={"max_attempts": 1}),
        }
        params.update(kwargs)
        return boto3.client(service, **params)

    def log(self) -> str:
        return "\n".join(self.output)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            self.stop()
