"""boto3 clients and the ``/_irisops/`` JSON routes of the server the dashboard shows.

boto3 is synchronous: every call here is made from a worker thread, never on the app's
loop. Clients are created once under a lock (client creation is not thread-safe) and
then shared (their calls are).
"""

from __future__ import annotations

import json
import threading
import urllib.request
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

REGION = "us-east-1"


class Aws:
    def __init__(self, endpoint_url: str, region: str = REGION) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.region = region
        self._session = boto3.session.Session()
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._session.client(
                    service,
                    endpoint_url=self.endpoint_url,
                    region_name=self.region,
                    aws_access_key_id="test",
                    aws_secret_access_key="test",
                    config=BotoConfig(
                        retries={"max_attempts": 2}, connect_timeout=5, read_timeout=65
                    ),
                )
            return self._clients[service]

    def internal(self, path: str) -> dict[str, Any]:
        """GET ``/_irisops/<path>`` as JSON."""
        with urllib.request.urlopen(f"{self.endpoint_url}/_irisops/{path}", timeout=10) as resp:
            body: dict[str, Any] = json.load(resp)
        return body

    def answers(self) -> bool:
        try:
            self.internal("health")
        except OSError:
            return False
        return True
