"""Project and build documents: ARNs, defaults CodeBuild fills in, business checks."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import quote

from irisops.core.arns import arn
from irisops.services.codebuild.errors import InvalidInput

DEFAULT_TIMEOUT_MINUTES = 60
DEFAULT_QUEUED_TIMEOUT_MINUTES = 480
#: Members of CreateProject that are the project's own settings (copied as given).
PROJECT_MEMBERS = (
    "description",
    "source",
    "secondarySources",
    "sourceVersion",
    "secondarySourceVersions",
    "artifacts",
    "secondaryArtifacts",
    "cache",
    "environment",
    "serviceRole",
    "timeoutInMinutes",
    "queuedTimeoutInMinutes",
    "encryptionKey",
    "tags",
    "vpcConfig",
    "logsConfig",
    "fileSystemLocations",
    "buildBatchConfig",
    "concurrentBuildLimit",
    "autoRetryLimit",
)


def project_arn(region: str, account: str, name: str) -> str:
    return arn("codebuild", region, account, f"project/{name}")


def build_arn(region: str, account: str, build_id: str) -> str:
    return arn("codebuild", region, account, f"build/{build_id}")


def new_project(account: str, region: str, params: dict[str, Any], now: float) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": params["name"],
        "arn": project_arn(region, account, params["name"]),
        "timeoutInMinutes": DEFAULT_TIMEOUT_MINUTES,
        "queuedTimeoutInMinutes": DEFAULT_QUEUED_TIMEOUT_MINUTES,
        "encryptionKey": f"arn:aws:kms:{region}:{account}:alias/aws/s3",
        "tags": [],
        "created": now,
        "lastModified": now,
        "badge": {"badgeEnabled": bool(params.get("badgeEnabled"))},
        "logsConfig": {"cloudWatchLogs": {"status": "ENABLED"}, "s3Logs": {"status": "DISABLED"}},
        "projectVisibility": "PRIVATE",
    }
    apply_update(doc, params, now)
    return doc


def apply_update(doc: dict[str, Any], params: dict[str, Any], now: float) -> None:
    for member in PROJECT_MEMBERS:
        if member in params and params[member] is not None:
            doc[member] = copy.deepcopy(params[member])
    if "badgeEnabled" in params:
        doc["badge"] = {"badgeEnabled": bool(params["badgeEnabled"])}
    env = doc.get("environment")
    if env is not None:
        env.setdefault("environmentVariables", [])
        env.setdefault("privilegedMode", False)
        env.setdefault("imagePullCredentialsType", "CODEBUILD")
        for variable in env["environmentVariables"]:
            variable.setdefault("type", "PLAINTEXT")
    doc["lastModified"] = now
    check_project(doc)


def check_project(doc: dict[str, Any]) -> None:
    """Rules the model cannot express (texts unconfirmed)."""
    source = doc.get("source") or {}
    kind = source.get("type")
    if kind == "NO_SOURCE" and not source.get("buildspec"):
        raise InvalidInput("Project source buildspec cannot be empty when source type is NO_SOURCE")
    if kind in ("S3", "CODECOMMIT") and not source.get("location"):
        raise InvalidInput(f"Project source location is required for source type {kind}")
    artifacts = doc.get("artifacts") or {}
    if artifacts.get("type") == "S3" and not artifacts.get("location"):
        raise InvalidInput("Project artifacts location is required for artifacts type S3")
    if (kind == "CODEPIPELINE") != (artifacts.get("type") == "CODEPIPELINE"):
        raise InvalidInput(
            "Both source and artifacts types must be CODEPIPELINE when either one is"
        )


def logs_location(region: str, account: str, group: str, stream: str) -> dict[str, Any]:
    link = (
        f"https://console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#logEvent:group={quote(group, safe='')};stream={quote(stream, safe='')}"
    )
    return {
        "groupName": group,
        "streamName": stream,
        "deepLink": link,
        "cloudWatchLogsArn": arn("logs", region, account, f"log-group:{group}:log-stream:{stream}"),
        "cloudWatchLogs": {"status": "ENABLED", "groupName": group, "streamName": stream},
        "s3Logs": {"status": "DISABLED"},
    }


def split_build_id(value: str) -> str:
    """A build id from an id or a build ARN; ``InvalidInputException`` otherwise."""
    if value.startswith("arn:"):
        _, _, resource = value.partition(":build/")
        value = resource
    name, sep, uuid = value.partition(":")
    if not sep or not name or not uuid:
        raise InvalidInput("Invalid build ID provided")
    return value
