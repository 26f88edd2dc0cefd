"""Stored rows to IAM's output shapes (``Role``, ``User``, ``AccessKeyMetadata``, ...)."""

from __future__ import annotations

import sqlite3
from typing import Any

from irisops.core.clock import from_epoch_ms
from irisops.services.iam import policy_document, tags


def boundary(arn: str | None) -> dict[str, str] | None:
    if not arn:
        return None
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


def role(
    row: sqlite3.Row, *, with_tags: bool = True, with_last_used: bool = True
) -> dict[str, Any]:
    """A ``Role``. ListRoles answers neither tags nor last use; CreateRole no last use."""
    out: dict[str, Any] = {
        "Path": row["path"],
        "RoleName": row["role_name"],
        "RoleId": row["role_id"],
        "Arn": row["arn"],
        "CreateDate": from_epoch_ms(row["created_ms"]),
        "AssumeRolePolicyDocument": policy_document.encode(row["assume_role_policy"]),
        "MaxSessionDuration": row["max_session_duration"],
    }
    if row["description"] is not None:
        out["Description"] = row["description"]
    if row["permissions_boundary"]:
        out["PermissionsBoundary"] = boundary(row["permissions_boundary"])
    role_tags = tags.load(row["tags"])
    if with_tags and role_tags:
        out["Tags"] = role_tags
    if with_last_used:
        last_used: dict[str, Any] = {}
        if row["last_used_ms"] is not None:
            last_used = {
                "LastUsedDate": from_epoch_ms(row["last_used_ms"]),
                "Region": row["last_used_region"],
            }
        out["RoleLastUsed"] = last_used
    return out


def user(row: sqlite3.Row, *, detail: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Path": row["path"],
        "UserName": row["user_name"],
        "UserId": row["user_id"],
        "Arn": row["arn"],
        "CreateDate": from_epoch_ms(row["created_ms"]),
    }
    if row["permissions_boundary"]:
        out["PermissionsBoundary"] = boundary(row["permissions_boundary"])
    if detail:
        user_tags = tags.load(row["tags"])
        if user_tags:
            out["Tags"] = user_tags
    return out


def access_key_metadata(row: sqlite3.Row) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AccessKeyId": row["access_key_id"],
        "Status": row["status"],
        "CreateDate": from_epoch_ms(row["created_ms"]),
    }
    if row["user_name"] is not None:
        out["UserName"] = row["user_name"]
    return out


def instance_profile(row: sqlite3.Row, role_rows: list[sqlite3.Row]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Path": row["path"],
        "InstanceProfileName": row["profile_name"],
        "InstanceProfileId": row["profile_id"],
        "Arn": row["arn"],
        "CreateDate": from_epoch_ms(row["created_ms"]),
        "Roles": [role(r, with_tags=False, with_last_used=False) for r in role_rows],
    }
    profile_tags = tags.load(row["tags"])
    if profile_tags:
        out["Tags"] = profile_tags
    return out
