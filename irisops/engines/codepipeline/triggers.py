"""Which source actions of a pipeline a change starts.

CodeCommit: a push to the action's RepositoryName + BranchName. With
``PollForSourceChanges`` "true" AWS would notice the change on its next poll; irisops
starts at once and says so in the trigger type (``PollForSourceChanges``), otherwise the
change arrives as an EventBridge event (``CloudWatchEvent``). S3: a new object at the
action's S3Bucket + S3ObjectKey, alike.
"""

from __future__ import annotations

from typing import Any

from irisops.core.arns import arn


def _sources(declaration: dict[str, Any], provider: str) -> list[dict[str, Any]]:
    first = declaration["stages"][0]
    return [
        action
        for action in first["actions"]
        if action["actionTypeId"]["category"] == "Source"
        and action["actionTypeId"]["owner"] == "AWS"
        and action["actionTypeId"]["provider"] == provider
    ]


def _polls(action: dict[str, Any], default: bool) -> bool:
    value = (action.get("configuration") or {}).get("PollForSourceChanges")
    return default if value is None else str(value).lower() == "true"


def codecommit_sources(
    declaration: dict[str, Any], repository: str, branch: str
) -> list[tuple[str, bool]]:
    """(action name, polls) of the CodeCommit source actions a push to branch starts."""
    return [
        (action["name"], _polls(action, False))
        for action in _sources(declaration, "CodeCommit")
        if action["configuration"].get("RepositoryName") == repository
        and action["configuration"].get("BranchName") == branch
    ]


def s3_sources(declaration: dict[str, Any], bucket: str, key: str) -> list[tuple[str, bool]]:
    return [
        (action["name"], _polls(action, True))
        for action in _sources(declaration, "S3")
        if action["configuration"].get("S3Bucket") == bucket
        and action["configuration"].get("S3ObjectKey") == key
    ]


def event_rule_arn(region: str, account: str, pipeline: str) -> str:
    """The EventBridge rule AWS creates for a pipeline's source change events."""
    return arn("events", region, account, f"rule/codepipeline-{pipeline}")
