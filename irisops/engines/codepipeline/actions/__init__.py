"""Action providers by action type (``(category, owner, provider, version)``)."""

from __future__ import annotations

from typing import Any

from irisops.engines.codepipeline.actions.codebuild import CodeBuildAction
from irisops.engines.codepipeline.actions.codecommit_source import CodeCommitSource
from irisops.engines.codepipeline.actions.manual_approval import ManualApproval
from irisops.engines.codepipeline.actions.s3_source import S3Source

PROVIDERS: dict[tuple[str, str, str, str], Any] = {
    ("Source", "AWS", "CodeCommit", "1"): CodeCommitSource(),
    ("Source", "AWS", "S3", "1"): S3Source(),
    ("Build", "AWS", "CodeBuild", "1"): CodeBuildAction(),
    ("Test", "AWS", "CodeBuild", "1"): CodeBuildAction(),
    ("Approval", "AWS", "Manual", "1"): ManualApproval(),
}


def provider_for(type_id: dict[str, str]) -> Any | None:
    key = (type_id["category"], type_id["owner"], type_id["provider"], type_id["version"])
    return PROVIDERS.get(key)
