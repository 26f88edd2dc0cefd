"""The action types irisops runs, with what a declaration of each must hold.

Counts and configuration keys follow the CodePipeline action reference
(``action-reference-CodeCommit``, ``-S3``, ``-CodeBuild``, ``-Manual``). Any other
action type is "not available", as AWS answers for a type it does not know.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionTypeSpec:
    category: str
    provider: str
    inputs: tuple[int, int]
    outputs: tuple[int, int]
    required: frozenset[str]
    optional: frozenset[str]

    @property
    def is_source(self) -> bool:
        return self.category == "Source"


def _spec(
    category: str,
    provider: str,
    inputs: tuple[int, int],
    outputs: tuple[int, int],
    required: set[str],
    optional: set[str],
) -> ActionTypeSpec:
    return ActionTypeSpec(
        category, provider, inputs, outputs, frozenset(required), frozenset(optional)
    )


_CODEBUILD_OPTIONAL = {"PrimarySource", "BatchEnabled", "CombineArtifacts", "EnvironmentVariables"}

SPECS: dict[tuple[str, str, str, str], ActionTypeSpec] = {
    ("Source", "AWS", "CodeCommit", "1"): _spec(
        "Source",
        "CodeCommit",
        (0, 0),
        (1, 1),
        {"RepositoryName", "BranchName"},
        {"PollForSourceChanges", "OutputArtifactFormat"},
    ),
    ("Source", "AWS", "S3", "1"): _spec(
        "Source",
        "S3",
        (0, 0),
        (1, 1),
        {"S3Bucket", "S3ObjectKey"},
        {"PollForSourceChanges", "AllowOverrideForS3ObjectKey"},
    ),
    ("Build", "AWS", "CodeBuild", "1"): _spec(
        "Build", "CodeBuild", (1, 5), (0, 5), {"ProjectName"}, _CODEBUILD_OPTIONAL
    ),
    ("Test", "AWS", "CodeBuild", "1"): _spec(
        "Test", "CodeBuild", (1, 5), (0, 5), {"ProjectName"}, _CODEBUILD_OPTIONAL
    ),
    ("Approval", "AWS", "Manual", "1"): _spec(
        "Approval",
        "Manual",
        (0, 0),
        (0, 0),
        set(),
        {"CustomData", "ExternalEntityLink", "NotificationArn"},
    ),
}


def spec_for(type_id: dict[str, str]) -> ActionTypeSpec | None:
    key = (type_id["category"], type_id["owner"], type_id["provider"], type_id["version"])
    return SPECS.get(key)
