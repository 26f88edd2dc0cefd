"""What one StartBuild asks for: the project's settings with the call's overrides
applied, and the build document CodeBuild records when the build is submitted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from irisops.services.codebuild import records
from irisops.services.codebuild.errors import InvalidInput


@dataclass
class BuildRequest:
    project: dict[str, Any]
    source: dict[str, Any]
    artifacts: dict[str, Any]
    #: ``environment`` as the build reports it: image, privilegedMode and every
    #: variable (the project's, then the overrides).
    environment: dict[str, Any]
    timeout_minutes: int
    source_version: str

    @property
    def variables(self) -> list[tuple[str, str]]:
        return [(v["name"], v["value"]) for v in self.environment["environmentVariables"]]


def resolve_request(project: dict[str, Any], params: dict[str, Any]) -> BuildRequest:
    """Apply StartBuild's ``...Override`` members to ``project``."""
    env = project.get("environment") or {}
    source = dict(project.get("source") or {})
    if params.get("sourceTypeOverride"):
        source["type"] = params["sourceTypeOverride"]
    if params.get("sourceLocationOverride"):
        source["location"] = params["sourceLocationOverride"]
    if params.get("buildspecOverride"):
        source["buildspec"] = params["buildspecOverride"]
    if source["type"] == "NO_SOURCE" and not source.get("buildspec"):
        raise InvalidInput("buildspec is required when source type is NO_SOURCE")  # unconfirmed
    privileged = params.get("privilegedModeOverride")
    environment = {
        **env,
        "image": params.get("imageOverride") or env.get("image", ""),
        "privilegedMode": bool(env.get("privilegedMode")) if privileged is None else privileged,
        "environmentVariables": [
            {"type": "PLAINTEXT", **variable}
            for variable in [
                *env.get("environmentVariables", []),
                *(params.get("environmentVariablesOverride") or []),
            ]
        ],
    }
    return BuildRequest(
        project=project,
        source=source,
        artifacts=params.get("artifactsOverride") or project.get("artifacts") or {},
        environment=environment,
        timeout_minutes=int(
            params.get("timeoutInMinutesOverride")
            or project.get("timeoutInMinutes")
            or records.DEFAULT_TIMEOUT_MINUTES
        ),
        source_version=params.get("sourceVersion") or project.get("sourceVersion") or "",
    )


def log_names(project: dict[str, Any], build_uuid: str) -> tuple[str, str]:
    """Log group and stream of a build: ``/aws/codebuild/<project>`` and the build uuid,
    unless the project's ``logsConfig.cloudWatchLogs`` names others."""
    cloudwatch = (project.get("logsConfig") or {}).get("cloudWatchLogs") or {}
    group = cloudwatch.get("groupName") or f"/aws/codebuild/{project['name']}"
    prefix = cloudwatch.get("streamName")
    return group, f"{prefix}/{build_uuid}" if prefix else build_uuid


def submitted_build(
    account: str,
    region: str,
    request: BuildRequest,
    build_uuid: str,
    *,
    initiator: str,
    source_version: str,
    now: float,
) -> dict[str, Any]:
    """The build document at SUBMITTED (``buildNumber`` is added when it is stored)."""
    project = request.project
    build_id = f"{project['name']}:{build_uuid}"
    group, stream = log_names(project, build_uuid)
    doc: dict[str, Any] = {
        "id": build_id,
        "arn": records.build_arn(region, account, build_id),
        "startTime": now,
        "currentPhase": "SUBMITTED",
        "buildStatus": "IN_PROGRESS",
        "projectName": project["name"],
        "phases": [{"phaseType": "SUBMITTED", "startTime": now}],
        "source": request.source,
        "secondarySources": [],
        "secondarySourceVersions": [],
        "artifacts": {"location": ""},
        "environment": request.environment,
        "serviceRole": project.get("serviceRole", ""),
        "logs": records.logs_location(region, account, group, stream),
        "timeoutInMinutes": request.timeout_minutes,
        "queuedTimeoutInMinutes": project.get(
            "queuedTimeoutInMinutes", records.DEFAULT_QUEUED_TIMEOUT_MINUTES
        ),
        "buildComplete": False,
        "initiator": initiator,
        "encryptionKey": project.get("encryptionKey", ""),
    }
    if source_version:
        doc["sourceVersion"] = source_version
    return doc
