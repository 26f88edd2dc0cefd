"""Rows as the API shows them."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from irisops.core.clock import from_epoch_ms
from irisops.engines.codepipeline.model import pipeline_arn


def tags_of(row: sqlite3.Row) -> list[dict[str, str]]:
    return list(json.loads(row["tags"]))


def pipeline_metadata(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "pipelineArn": pipeline_arn(row["region"], row["account"], row["name"]),
        "created": from_epoch_ms(row["created"]),
        "updated": from_epoch_ms(row["updated"]),
    }


def pipeline_summary(row: sqlite3.Row) -> dict[str, Any]:
    declaration = json.loads(row["declaration"])
    return {
        "name": row["name"],
        "version": row["version"],
        "pipelineType": declaration.get("pipelineType", "V1"),
        "executionMode": declaration.get("executionMode", "SUPERSEDED"),
        "created": from_epoch_ms(row["created"]),
        "updated": from_epoch_ms(row["updated"]),
    }


def source_revisions(execution: sqlite3.Row, actions: list[sqlite3.Row]) -> list[dict[str, Any]]:
    """``sourceRevisions`` of an execution: one per source action that produced one, and
    the revision a trigger pinned for a source action that has not run yet."""
    out = []
    for row in actions:
        if not row["revision"]:
            continue
        revision = json.loads(row["revision"])
        item = {"actionName": row["action"], "revisionId": revision["revisionId"]}
        if revision.get("revisionSummary"):
            item["revisionSummary"] = revision["revisionSummary"]
        out.append(item)
    done = {item["actionName"] for item in out}
    for action, revision in json.loads(execution["source_overrides"]).items():
        if action not in done:
            out.append({"actionName": action, "revisionId": revision})
    return out


def artifact_revisions(actions: list[sqlite3.Row]) -> list[dict[str, Any]]:
    """``artifactRevisions``: the revision behind each source output artifact."""
    out = []
    for row in actions:
        if not row["revision"]:
            continue
        revision = json.loads(row["revision"])
        for artifact in json.loads(row["output_artifacts"]):
            item = {
                "name": artifact["name"],
                "revisionId": revision["revisionId"],
                "revisionChangeIdentifier": revision.get("revisionChangeId")
                or revision["revisionId"],
                "created": from_epoch_ms(revision["created"]),
            }
            if revision.get("revisionSummary"):
                item["revisionSummary"] = revision["revisionSummary"]
            out.append(item)
    return out


def trigger(row: sqlite3.Row) -> dict[str, Any]:
    out = {"triggerType": row["trigger_type"]}
    if row["trigger_detail"]:
        out["triggerDetail"] = row["trigger_detail"]
    return out


def execution_summary(row: sqlite3.Row, actions: list[sqlite3.Row]) -> dict[str, Any]:
    declaration = json.loads(row["declaration"])
    out: dict[str, Any] = {
        "pipelineExecutionId": row["id"],
        "status": row["status"],
        "startTime": from_epoch_ms(row["start_time"]),
        "lastUpdateTime": from_epoch_ms(row["last_update_time"]),
        "sourceRevisions": source_revisions(row, actions),
        "trigger": trigger(row),
        "executionMode": declaration.get("executionMode", "SUPERSEDED"),
        "executionType": "STANDARD",
    }
    if row["status_summary"]:
        out["statusSummary"] = row["status_summary"]
    if row["stop_reason"] is not None:
        out["stopTrigger"] = {"reason": row["stop_reason"]}
    return out


def pipeline_execution(row: sqlite3.Row, actions: list[sqlite3.Row]) -> dict[str, Any]:
    declaration = json.loads(row["declaration"])
    variables = {v["name"]: v.get("defaultValue", "") for v in declaration.get("variables") or []}
    variables.update({v["name"]: v["value"] for v in json.loads(row["variables"])})
    out: dict[str, Any] = {
        "pipelineName": row["name"],
        "pipelineVersion": row["pipeline_version"],
        "pipelineExecutionId": row["id"],
        "status": row["status"],
        "artifactRevisions": artifact_revisions(actions),
        "trigger": trigger(row),
        "executionMode": declaration.get("executionMode", "SUPERSEDED"),
        "executionType": "STANDARD",
    }
    if variables:
        out["variables"] = [{"name": k, "resolvedValue": v} for k, v in variables.items()]
    if row["status_summary"]:
        out["statusSummary"] = row["status_summary"]
    return out


def action_execution(row: sqlite3.Row) -> dict[str, Any]:
    """``latestExecution`` of an action in GetPipelineState."""
    out: dict[str, Any] = {
        "actionExecutionId": row["id"],
        "status": row["status"],
        "lastStatusChange": from_epoch_ms(row["last_update_time"]),
    }
    for key, column in (
        ("summary", "summary"),
        ("externalExecutionId", "external_execution_id"),
        ("externalExecutionUrl", "external_execution_url"),
        ("lastUpdatedBy", "updated_by"),
    ):
        if row[column]:
            out[key] = row[column]
    if row["token"] and row["status"] == "InProgress":
        out["token"] = row["token"]
    if row["error_code"] or row["error_message"]:
        out["errorDetails"] = {"code": row["error_code"], "message": row["error_message"]}
    return out


def action_execution_detail(row: sqlite3.Row) -> dict[str, Any]:
    """One item of ListActionExecutions."""
    action_input = json.loads(row["input"])
    result: dict[str, Any] = {}
    if row["external_execution_id"]:
        result["externalExecutionId"] = row["external_execution_id"]
    if row["summary"]:
        result["externalExecutionSummary"] = row["summary"]
    if row["external_execution_url"]:
        result["externalExecutionUrl"] = row["external_execution_url"]
    if row["error_code"] or row["error_message"]:
        result["errorDetails"] = {"code": row["error_code"], "message": row["error_message"]}
    output: dict[str, Any] = {
        "outputArtifacts": json.loads(row["output_artifacts"])
        if row["status"] == "Succeeded"
        else [],
        "outputVariables": json.loads(row["output_variables"]),
    }
    if result:
        output["executionResult"] = result
    return {
        "pipelineExecutionId": row["execution_id"],
        "actionExecutionId": row["id"],
        "pipelineVersion": row["pipeline_version"],
        "stageName": row["stage"],
        "actionName": row["action"],
        "startTime": from_epoch_ms(row["start_time"]),
        "lastUpdateTime": from_epoch_ms(row["last_update_time"]),
        "status": row["status"],
        "input": {
            "resolvedConfiguration": action_input.get("configuration", {}),
            **action_input,
        },
        "output": output,
        **({"updatedBy": row["updated_by"]} if row["updated_by"] else {}),
    }
