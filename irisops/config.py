"""Server configuration: command-line flags over environment variables over defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from irisops.core.context import DEFAULT_ACCOUNT, DEFAULT_REGION

DEFAULT_PORT = 4566


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "irisops"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() not in {"0", "false", "no", "off", ""}


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=default_data_dir)
    ephemeral: bool = False
    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT
    log_level: str = "INFO"
    # fsync every acknowledged file and commit (power-loss safe). Off still survives
    # kill -9 of the server: the kernel holds written pages.
    fsync: bool = True
    # Largest request body for the JSON and query protocols (S3 streams its bodies).
    max_request_bytes: int = 16 * 1024 * 1024
    #: Run only these services (botocore names); empty = all.
    services: list[str] = field(default_factory=list)

    @classmethod
    def from_env(cls) -> Config:
        cfg = cls()
        cfg.host = os.environ.get("IRISOPS_HOST", cfg.host)
        cfg.port = int(os.environ.get("IRISOPS_PORT", cfg.port))
        if os.environ.get("IRISOPS_DATA_DIR"):
            cfg.data_dir = Path(os.environ["IRISOPS_DATA_DIR"])
        cfg.ephemeral = _env_bool("IRISOPS_EPHEMERAL", cfg.ephemeral)
        cfg.region = os.environ.get("IRISOPS_REGION", cfg.region)
        cfg.log_level = os.environ.get("IRISOPS_LOG_LEVEL", cfg.log_level).upper()
        cfg.fsync = _env_bool("IRISOPS_FSYNC", cfg.fsync)
        cfg.services = [s for s in os.environ.get("IRISOPS_SERVICES", "").split(",") if s]
        return cfg

    @property
    def public_host(self) -> str:
        """The host clients put in URLs (repository URIs, clone URLs)."""
        return "localhost" if self.host in {"127.0.0.1", "0.0.0.0", "::1", "::"} else self.host

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"
