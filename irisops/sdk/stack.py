"""``irisops.Stack``: an irisops server for a test or a script, and what to do with it.

``async with Stack() as stack`` starts ``irisops serve`` as a child process on a free
port with a data dir of its own, so synchronous clients (boto3, git, docker) called from
the test never share an event loop with the server; leaving the block stops the server,
removes every container it started and the images its builds left, and deletes the data
dir. ``Stack.attach(url)`` uses a server that is already running (and leaves it running).

The Stack holds no event loop: its async methods work from any loop (a session-scoped
fixture's Stack serves function-scoped async tests), and ``with Stack() as stack`` does
the same start and stop synchronously.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import threading
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from irisops.sdk.cicd import CiCdHelpers
from irisops.sdk.events import EventFilter, EventStream
from irisops.sdk.sagemaker import SageMakerHelpers
from irisops.sdk.server import ServerProcess
from irisops.sdk.waiters import wait_for_status

DEFAULT_REGION = "us-east-1"
DOCKER_TIMEOUT_S = 120


class Stack(CiCdHelpers, SageMakerHelpers):
    """An irisops server and the clients, waiters and helpers to drive it."""

    def __init__(
        self,
        *,
        data_dir: Path | None = None,
        port: int = 0,
        region: str = DEFAULT_REGION,
        env: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
    ) -> None:
        """A Stack to start: ``data_dir`` defaults to a temporary directory removed at
        exit, ``port`` 0 to a free one; ``env`` is added to the server's environment."""
        self.region = region
        self._data_dir = data_dir
        self._own_data_dir: Path | None = None
        self._port = port
        self._env = env or {}
        self._extra_args = extra_args or []
        self.server: ServerProcess | None = None
        self._url = ""
        self._clients: dict[tuple[str, str], Any] = {}
        self._clients_lock = threading.Lock()
        self._owner = ""

    @classmethod
    def attach(cls, url: str, *, region: str = DEFAULT_REGION) -> Stack:
        """A Stack on a server already running at ``url``; closing it leaves it running."""
        stack = cls(region=region)
        stack._url = url.rstrip("/")
        return stack

    # -- lifecycle --------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT``: what boto3's ``endpoint_url`` takes."""
        if not self._url:
            raise RuntimeError("the Stack is not started: use `async with Stack() as stack`")
        return self._url

    @property
    def port(self) -> int:
        return int(self.endpoint_url.rsplit(":", 1)[1])

    @property
    def registry(self) -> str:
        """``localhost:PORT``: the ECR registry's host, as in ``repositoryUri``."""
        return f"localhost:{self.port}"

    @property
    def owns_server(self) -> bool:
        return self.server is not None

    def start(self, timeout: float = 60) -> Stack:
        """Start the server (blocking); a Stack from :meth:`attach` only checks health."""
        if self._url and self.server is None:
            self.health()
            return self
        data_dir = self._data_dir
        if data_dir is None:
            data_dir = self._own_data_dir = Path(tempfile.mkdtemp(prefix="irisops-stack-"))
        args = ["--region", self.region, *self._extra_args]
        self.server = ServerProcess(data_dir, port=self._port, extra_args=args, env=self._env)
        try:
            self.server.start(timeout)
        except BaseException:
            self._remove_data_dir()
            raise
        self._url = self.server.url
        self._owner = str(self.health()["data_dir"])
        return self

    def stop(self) -> None:
        """Stop the server this Stack started, remove what it left behind (blocking)."""
        server, self.server = self.server, None
        if server is None:
            return
        try:
            server.stop()
        finally:
            remove_owned_containers(self._owner or str(server.data_dir))
            remove_registry_images(f"localhost:{server.port}")
            self._remove_data_dir()
            self._clients.clear()

    def _remove_data_dir(self) -> None:
        if self._own_data_dir is not None:
            shutil.rmtree(self._own_data_dir, ignore_errors=True)
            self._own_data_dir = None

    def server_log(self) -> str:
        """The server's recent output (empty for an attached server)."""
        return self.server.log() if self.server else ""

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Stack:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    # -- clients and server endpoints -------------------------------------------------

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for ``service`` pointed at this server (test credentials, this
        Stack's region, no retries). Clients without ``kwargs`` are cached and shared:
        boto3 clients are safe to call from several threads."""
        import boto3
        from botocore.config import Config as BotoConfig

        key = (
            (service, json.dumps(kwargs, sort_keys=True, default=str)) if kwargs else (service, "")
        )
        with self._clients_lock:
            if not kwargs and key in self._clients:
                return self._clients[key]
            params: dict[str, Any] = {
                "endpoint_url": self.endpoint_url,
                "region_name": self.region,
                "aws_access_key_id": "test",
                "aws_secret_access_key": "test",
                "config": BotoConfig(retries={"max_attempts": 1}, read_timeout=300),
            }
            params.update(kwargs)
            made = boto3.client(service, **params)
            # Build the exception classes now, under the lock: built lazily, two threads
            # meeting the first error at once can each build their own.
            _ = made.exceptions
            if not kwargs:
                self._clients[key] = made
            return made

    async def call(self, service: str, operation: str, **params: Any) -> Any:
        """``await stack.call("s3", "list_buckets")``: one boto3 call, off the loop."""
        return await asyncio.to_thread(getattr(self.client(service), operation), **params)

    def _get_json(self, path: str, method: str = "GET") -> dict[str, Any]:
        data = b"" if method == "POST" else None
        req = urllib.request.Request(self.endpoint_url + path, method=method, data=data)
        with urllib.request.urlopen(req, timeout=120) as resp:
            return dict(json.load(resp))

    def health(self) -> dict[str, Any]:
        """``GET /_irisops/health``."""
        return self._get_json("/_irisops/health")

    async def state(self) -> dict[str, Any]:
        """``GET /_irisops/state``: the snapshot of every service."""
        return await asyncio.to_thread(self._get_json, "/_irisops/state")

    async def reset(self) -> None:
        """``POST /_irisops/reset``: wipe every resource and container of the server."""
        await asyncio.to_thread(self.reset_blocking)

    def reset_blocking(self) -> None:
        """:meth:`reset` for synchronous code (a fixture, a script)."""
        self._get_json("/_irisops/reset", "POST")

    # -- events and waiting -----------------------------------------------------------

    def events(
        self,
        event_filter: EventFilter | None = None,
        *,
        service: str | Iterable[str] | None = None,
        type: str | None = None,
        resource: str | None = None,
        where: Callable[[Any], bool] | None = None,
    ) -> EventStream:
        """``async for event in stack.events(type="sagemaker.")``: the server's events,
        filtered by service, type prefix, resource (ARN or name) and/or a predicate.
        ``async with stack.events(...) as stream`` returns once subscribed."""
        if event_filter is None:
            event_filter = EventFilter(service=service, type=type, resource=resource, where=where)
        return EventStream(self.endpoint_url, event_filter)

    async def wait_for(
        self,
        arn_or_name: str,
        status: str | Iterable[str],
        timeout: float = 300,
        *,
        kind: str | None = None,
        on_status: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Wait until a training/processing/transform job, an endpoint or a CodeBuild
        build (by ARN, name or build id) is in ``status`` (one or several); return its
        description. Driven by the event stream: subscribes, reads the state once, then
        follows events. A final status other than the wanted one (Failed, Stopped, ...)
        raises :class:`ResourceFailed` with the reason and its container's last log
        lines; no wanted status within ``timeout`` seconds raises :class:`WaitTimeout`.
        ``kind`` (``endpoint``, ``training-job``, ``processing-job``, ``transform-job``,
        ``build``) is needed for a name that does not exist yet."""
        return await wait_for_status(self, arn_or_name, status, timeout, kind, on_status)


def remove_owned_containers(owner: str) -> None:
    """Force-remove the containers labelled ``irisops.owner=<owner>`` (never raises)."""
    try:
        found = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"label=irisops.owner={owner}"],
            capture_output=True, text=True, timeout=DOCKER_TIMEOUT_S, check=False,
        ).stdout.split()  # fmt: skip
        if found:
            subprocess.run(
                ["docker", "rm", "-f", *found],
                capture_output=True, timeout=DOCKER_TIMEOUT_S, check=False,
            )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        pass


def remove_registry_images(registry: str) -> None:
    """Remove local images tagged ``<registry>/...``: what builds pushed to a registry
    that is gone with its server (never raises)."""
    try:
        listed = subprocess.run(
            ["docker", "images", "--format", "{{.Repository}}:{{.Tag}}"],
            capture_output=True, text=True, timeout=DOCKER_TIMEOUT_S, check=False,
        ).stdout.split()  # fmt: skip
        mine = [name for name in listed if name.startswith(f"{registry}/")]
        if mine:
            subprocess.run(
                ["docker", "rmi", "-f", *mine],
                capture_output=True, timeout=DOCKER_TIMEOUT_S, check=False,
            )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        pass
