"""Pipeline declarations the CodePipeline tests share."""

from __future__ import annotations

from typing import Any

ROLE = "arn:aws:iam::123456789012:role/pipeline"


def action_type(category: str, provider: str) -> dict[str, str]:
    return {"category": category, "owner": "AWS", "provider": provider, "version": "1"}


def s3_source(
    bucket: str, key: str, output: str = "SourceArtifact", **extra: Any
) -> dict[str, Any]:
    return {
        "name": "Source",
        "actionTypeId": action_type("Source", "S3"),
        "configuration": {"S3Bucket": bucket, "S3ObjectKey": key, "PollForSourceChanges": "false"},
        "outputArtifacts": [{"name": output}],
        **extra,
    }


def approval(name: str = "Approve", **extra: Any) -> dict[str, Any]:
    return {"name": name, "actionTypeId": action_type("Approval", "Manual"), **extra}


def codebuild(
    project: str, inputs: list[str], outputs: list[str], name: str = "Build", **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "actionTypeId": action_type("Build", "CodeBuild"),
        "configuration": {"ProjectName": project},
        "inputArtifacts": [{"name": n} for n in inputs],
        "outputArtifacts": [{"name": n} for n in outputs],
        **extra,
    }


def pipeline(
    name: str,
    stages: list[tuple[str, list[dict[str, Any]]]],
    bucket: str = "artifacts",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "name": name,
        "roleArn": ROLE,
        "artifactStore": {"type": "S3", "location": bucket},
        "stages": [{"name": n, "actions": actions} for n, actions in stages],
        **extra,
    }


def approval_pipeline(name: str, bucket: str, key: str, **extra: Any) -> dict[str, Any]:
    """Source (S3) -> Approval (Manual)."""
    return pipeline(
        name, [("Source", [s3_source(bucket, key)]), ("Approval", [approval()])], **extra
    )
