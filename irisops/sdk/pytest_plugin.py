"""The irisops pytest plugin (entry point ``pytest11``: loaded once irisops is installed).

Fixtures:

- ``irisops_stack`` (session): a :class:`~irisops.sdk.stack.Stack` started for the
  session and stopped (with every container it started) at its end; with
  ``--irisops-endpoint URL`` or ``IRISOPS_TEST_ENDPOINT`` it attaches to a running
  server instead.
- ``irisops_clean_stack`` (function): the same Stack, reset first (``POST
  /_irisops/reset``), so each test starts from an empty server.
- ``irisops_client``: ``irisops_client("s3")``, a boto3 client for the reset server.
- ready clients on the reset server: ``irisops_s3``, ``irisops_iam``, ``irisops_logs``,
  ``irisops_ecr``, ``irisops_codecommit``, ``irisops_codebuild``,
  ``irisops_codepipeline``, ``irisops_sagemaker``, ``irisops_sagemaker_runtime``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from irisops.sdk.stack import Stack

ENDPOINT_ENV = "IRISOPS_TEST_ENDPOINT"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("irisops")
    group.addoption(
        "--irisops-endpoint",
        default=None,
        help=f"run the irisops fixtures against this running server ({ENDPOINT_ENV})",
    )


@pytest.fixture(scope="session")
def irisops_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """One irisops server for the whole session."""
    url = request.config.getoption("--irisops-endpoint") or os.environ.get(ENDPOINT_ENV)
    stack = Stack.attach(url) if url else Stack()
    with stack:
        yield stack


@pytest.fixture
def irisops_clean_stack(irisops_stack: Stack) -> Stack:
    """The session's Stack, wiped clean for this test."""
    irisops_stack.reset_blocking()
    return irisops_stack


@pytest.fixture
def irisops_client(irisops_clean_stack: Stack) -> Callable[..., Any]:
    """``irisops_client("ecr", **boto3_kwargs)``: a boto3 client on the reset server."""
    return irisops_clean_stack.client


def _client_fixture(service: str) -> Any:
    def fixture(irisops_clean_stack: Stack) -> Any:
        return irisops_clean_stack.client(service)

    fixture.__name__ = f"irisops_{service.replace('-', '_')}"
    fixture.__doc__ = f"A boto3 {service} client on the reset irisops server."
    return pytest.fixture(fixture, name=fixture.__name__)


irisops_s3 = _client_fixture("s3")
irisops_iam = _client_fixture("iam")
irisops_logs = _client_fixture("logs")
irisops_ecr = _client_fixture("ecr")
irisops_codecommit = _client_fixture("codecommit")
irisops_codebuild = _client_fixture("codebuild")
irisops_codepipeline = _client_fixture("codepipeline")
irisops_sagemaker = _client_fixture("sagemaker")
irisops_sagemaker_runtime = _client_fixture("sagemaker-runtime")
