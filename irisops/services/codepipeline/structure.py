"""Checking a pipeline declaration as CreatePipeline / UpdatePipeline do, and filling
in the defaults AWS echoes back (``version``, ``runOrder``, ``executionMode``,
``pipelineType``).

The model has already checked types, required members and patterns; these are the rules
between members. Messages quoted from real responses where known (see errors.py).
"""

from __future__ import annotations

import copy
from typing import Any

from irisops.services.codepipeline.action_types import spec_for
from irisops.services.codepipeline.errors import (
    InvalidActionDeclaration,
    InvalidStageDeclaration,
    InvalidStructure,
)

MIN_STAGES = 2
MAX_STAGES = 50
MAX_ACTIONS_PER_STAGE = 50
V2_ONLY_MODES = {"QUEUED", "PARALLEL"}


def normalized(pipeline: dict[str, Any], version: int, region: str) -> dict[str, Any]:
    """A validated copy of ``pipeline`` with the defaults filled in."""
    declaration = copy.deepcopy(pipeline)
    declaration["version"] = version
    declaration.setdefault("executionMode", "SUPERSEDED")
    declaration.setdefault("pipelineType", "V1")
    for stage in declaration.get("stages", []):
        for action in stage.get("actions", []):
            action.setdefault("runOrder", 1)
            action.setdefault("configuration", {})
            action.setdefault("inputArtifacts", [])
            action.setdefault("outputArtifacts", [])
    validate(declaration, region)
    return declaration


def validate(declaration: dict[str, Any], region: str = "us-east-1") -> None:
    _check_store(declaration)
    _check_mode(declaration)
    stages = declaration["stages"]
    if len(stages) < MIN_STAGES:
        raise InvalidStructure(
            f"Pipeline has only {len(stages)} stage(s). There should be a minimum of "
            f"{MIN_STAGES} stages in a pipeline"
        )
    if len(stages) > MAX_STAGES:
        raise InvalidStructure(  # unconfirmed text
            f"Pipeline has {len(stages)} stages. There should be a maximum of {MAX_STAGES}"
        )
    seen_stages: set[str] = set()
    for stage in stages:
        if stage["name"] in seen_stages:
            raise InvalidStructure(  # unconfirmed text
                f"Stage names must be unique within a pipeline. '{stage['name']}' is "
                "used more than once."
            )
        seen_stages.add(stage["name"])
    produced: set[str] = set()
    namespaces: set[str] = set()
    for index, stage in enumerate(stages):
        _check_stage(stage, index, produced, namespaces, region)


def _check_store(declaration: dict[str, Any]) -> None:
    store = declaration.get("artifactStore")
    stores = declaration.get("artifactStores")
    if store and stores:
        raise InvalidStructure(  # unconfirmed text
            "Pipeline cannot contain both artifactStore and artifactStores"
        )
    if not store and not stores:
        raise InvalidStructure(  # unconfirmed text
            "Pipeline must contain either artifactStore or artifactStores"
        )


def _check_mode(declaration: dict[str, Any]) -> None:
    mode = declaration["executionMode"]
    if mode in V2_ONLY_MODES and declaration["pipelineType"] != "V2":
        raise InvalidStructure(  # unconfirmed text
            f"Execution mode {mode} is only supported for pipelines of type V2"
        )


def _check_stage(
    stage: dict[str, Any], index: int, produced: set[str], namespaces: set[str], region: str
) -> None:
    actions = stage["actions"]
    name = stage["name"]
    if not actions:
        raise InvalidStageDeclaration(  # unconfirmed text
            f"Stage '{name}' must contain at least one action"
        )
    if len(actions) > MAX_ACTIONS_PER_STAGE:
        raise InvalidStageDeclaration(  # unconfirmed text
            f"Stage '{name}' has {len(actions)} actions; the maximum is {MAX_ACTIONS_PER_STAGE}"
        )
    seen: set[str] = set()
    for action in actions:
        if action["name"] in seen:
            raise InvalidStageDeclaration(  # unconfirmed text
                f"Stage '{name}' already contains an action with name '{action['name']}'"
            )
        seen.add(action["name"])
    # Actions with a lower runOrder run first: their outputs are visible to later ones.
    for run_order in sorted({a["runOrder"] for a in actions}):
        group = [a for a in actions if a["runOrder"] == run_order]
        outputs: list[str] = []
        for action in group:
            _check_action(action, name, index, produced, namespaces, region)
            outputs += [o["name"] for o in action["outputArtifacts"]]
        for artifact in outputs:
            if artifact in produced or outputs.count(artifact) > 1:
                raise InvalidStructure(
                    f"Output Artifact Bundle name must be unique within the pipeline. "
                    f"{artifact} has been used more than once."
                )
            produced.add(artifact)


def _check_action(
    action: dict[str, Any],
    stage: str,
    stage_index: int,
    produced: set[str],
    namespaces: set[str],
    region: str,
) -> None:
    name = action["name"]
    type_id = action["actionTypeId"]
    spec = spec_for(type_id)
    if spec is None:
        raise InvalidActionDeclaration(
            f"ActionType (Category: '{type_id['category']}', Provider: '{type_id['provider']}', "
            f"Owner: '{type_id['owner']}', Version: '{type_id['version']}') in action '{name}' "
            f"is not available in region '{region.upper().replace('-', '_')}'"
        )
    if stage_index == 0 and not spec.is_source:
        raise InvalidStructure(  # unconfirmed text
            f"Pipeline must start with a stage that contains only source actions; action "
            f"'{name}' in stage '{stage}' is of category {spec.category}"
        )
    if stage_index > 0 and spec.is_source:
        raise InvalidStructure(  # unconfirmed text
            f"Source actions may only be in the first stage; action '{name}' is in stage '{stage}'"
        )
    _check_count(name, "input", len(action["inputArtifacts"]), spec.inputs)
    _check_count(name, "output", len(action["outputArtifacts"]), spec.outputs)
    for artifact in action["inputArtifacts"]:
        if artifact["name"] not in produced:
            raise InvalidActionDeclaration(  # unconfirmed text
                f"Input Artifact Bundle {artifact['name']} in action '{name}' is not declared "
                "as an output artifact of any action that runs before it"
            )
    config = action["configuration"]
    for key in sorted(spec.required - set(config)):
        raise InvalidActionDeclaration(  # unconfirmed text
            f"Action configuration for action '{name}' is missing required configuration '{key}'"
        )
    for key in sorted(set(config) - spec.required - spec.optional):
        raise InvalidActionDeclaration(  # unconfirmed text
            f"Action configuration for action '{name}' contains unknown configuration '{key}'"
        )
    namespace = action.get("namespace")
    if namespace:
        if namespace in namespaces:
            raise InvalidActionDeclaration(
                "Namespaces must be unique across the pipeline definition. The following "
                f"occur more than once in the pipeline. StageName=[{stage}], "
                f"ActionName=[{name}], Namespace=[{namespace}]"
            )
        namespaces.add(namespace)


def _check_count(action: str, kind: str, count: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if count < low:
        raise InvalidActionDeclaration(
            f"Action {action} declares {count} {kind} artifacts which is less than the "
            f"minimum count ({low})"
        )
    if count > high:
        raise InvalidActionDeclaration(
            f"Action {action} declares {count} {kind} artifacts which exceeds the maximum "
            f"count ({high})"
        )
