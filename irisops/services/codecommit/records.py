"""Repositories as the API describes them: metadata, ARNs, clone URLs, names."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from irisops.config import Config
from irisops.core.arns import arn, parse_arn
from irisops.core.clock import from_epoch_ms
from irisops.services.codecommit.errors import CodeCommitError

_NAME = re.compile(r"[\w.-]{1,100}", re.ASCII)


def repository_arn(region: str, account: str, name: str) -> str:
    return arn("codecommit", region, account, name)


def parse_repository_arn(value: str) -> tuple[str, str, str]:
    """``(account, region, name)`` of a repository ARN; InvalidResourceArnException else."""
    parts = parse_arn(value)
    if parts is None or parts["service"] != "codecommit" or not parts["resource"]:
        raise CodeCommitError("InvalidResourceArnException")
    return parts["account"], parts["region"], parts["resource"]


def clone_url_http(config: Config, name: str) -> str:
    return f"http://{config.public_host}:{config.port}/v1/repos/{name}"


def clone_url_ssh(config: Config, name: str) -> str:
    """AWS hands out an SSH URL too; irisops serves no SSH, so this one is not usable."""
    return f"ssh://{config.public_host}/v1/repos/{name}"


def check_name(name: str | None) -> str:
    """A repository name as CodeCommit accepts it (``[\\w.-]+``, at most 100, no ``.git``)."""
    if not name:
        raise CodeCommitError("RepositoryNameRequiredException")
    if not _NAME.fullmatch(name) or name.endswith(".git"):
        raise CodeCommitError("InvalidRepositoryNameException")
    return name


def metadata(config: Config, row: sqlite3.Row) -> dict[str, Any]:
    name = row["name"]
    out: dict[str, Any] = {
        "accountId": row["account"],
        "repositoryId": row["id"],
        "repositoryName": name,
    }
    if row["description"] is not None:
        out["repositoryDescription"] = row["description"]
    if row["default_branch"]:
        out["defaultBranch"] = row["default_branch"]
    out["lastModifiedDate"] = from_epoch_ms(row["last_modified_date"])
    out["creationDate"] = from_epoch_ms(row["creation_date"])
    out["cloneUrlHttp"] = clone_url_http(config, name)
    out["cloneUrlSsh"] = clone_url_ssh(config, name)
    out["Arn"] = repository_arn(row["region"], row["account"], name)
    if row["kms_key_id"]:
        out["kmsKeyId"] = row["kms_key_id"]
    return out


def load_tags(row: sqlite3.Row) -> dict[str, str]:
    tags: dict[str, str] = json.loads(row["tags"])
    return tags
