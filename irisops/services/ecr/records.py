"""Rows to the shapes the ECR API answers with; ARNs and URIs."""

from __future__ import annotations

import fnmatch
import json
import sqlite3
from typing import Any

from irisops.config import Config
from irisops.core.arns import arn, parse_arn
from irisops.core.clock import from_epoch_ms


def repository_arn(region: str, account: str, name: str) -> str:
    return arn("ecr", region, account, f"repository/{name}")


def name_from_arn(value: str) -> tuple[str, str, str] | None:
    """``(account, region, name)`` of a repository ARN, None when it is not one."""
    parsed = parse_arn(value)
    if parsed is None or parsed["service"] != "ecr":
        return None
    kind, _, name = parsed["resource"].partition("/")
    if kind != "repository" or not name:
        return None
    return parsed["account"], parsed["region"], name


def registry_host(config: Config) -> str:
    return f"{config.public_host}:{config.port}"


def repository_uri(config: Config, name: str) -> str:
    return f"{registry_host(config)}/{name}"


def tag_is_immutable(mutability: str, filters: list[dict[str, str]], tag: str) -> bool:
    """Whether a repository's mutability setting protects ``tag`` from being moved:
    the ``*_WITH_EXCLUSION`` settings flip it for tags matching a wildcard filter."""
    excluded = any(fnmatch.fnmatchcase(tag, f.get("filter", "")) for f in filters)
    if mutability == "IMMUTABLE_WITH_EXCLUSION":
        return not excluded
    if mutability == "MUTABLE_WITH_EXCLUSION":
        return excluded
    return mutability == "IMMUTABLE"


def describe_repository(row: sqlite3.Row, config: Config) -> dict[str, Any]:
    filters = json.loads(row["tag_mutability_filters"])
    return {
        "repositoryArn": repository_arn(row["region"], row["account"], row["name"]),
        "registryId": row["account"],
        "repositoryName": row["name"],
        "repositoryUri": repository_uri(config, row["name"]),
        "createdAt": from_epoch_ms(row["created_at"]),
        "imageTagMutability": row["tag_mutability"],
        **({"imageTagMutabilityExclusionFilters": filters} if filters else {}),
        "imageScanningConfiguration": {"scanOnPush": bool(row["scan_on_push"])},
        "encryptionConfiguration": json.loads(row["encryption"]),
    }


def describe_image(row: sqlite3.Row, account: str, name: str, tags: list[str]) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "registryId": account,
        "repositoryName": name,
        "imageDigest": row["digest"],
        "imageSizeInBytes": row["size"],
        "imagePushedAt": from_epoch_ms(row["pushed_at"]),
        "imageManifestMediaType": row["media_type"],
        "imageStatus": "ACTIVE",
    }
    if tags:
        detail["imageTags"] = tags
    if row["artifact_media_type"]:
        detail["artifactMediaType"] = row["artifact_media_type"]
    return detail
