"""Tags on IAM entities: case-insensitive keys whose case is kept, 50 per entity."""

from __future__ import annotations

import json
from typing import Any

from irisops.services.iam.errors import InvalidInput, LimitExceeded

MAX_TAGS = 50


def check_new(tags: list[dict[str, str]]) -> None:
    keys = [tag["Key"].lower() for tag in tags]
    if len(keys) != len(set(keys)):
        raise InvalidInput(
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."
        )


def merged(
    existing: list[dict[str, str]], new: list[dict[str, str]], kind: str
) -> list[dict[str, str]]:
    """``existing`` with ``new`` applied (a new value replaces the old one, same key)."""
    check_new(new)
    by_key = {tag["Key"].lower(): tag for tag in existing}
    for tag in new:
        by_key[tag["Key"].lower()] = {"Key": tag["Key"], "Value": tag["Value"]}
    if len(by_key) > MAX_TAGS:
        raise LimitExceeded(f"Cannot exceed quota for TagsPer{kind}: {MAX_TAGS}")
    return list(by_key.values())


def without(existing: list[dict[str, str]], keys: list[str]) -> list[dict[str, str]]:
    drop = {key.lower() for key in keys}
    return [tag for tag in existing if tag["Key"].lower() not in drop]


def load(text: str | None) -> list[dict[str, str]]:
    return json.loads(text) if text else []


def dump(tags: list[dict[str, Any]] | None) -> str:
    return json.dumps([{"Key": t["Key"], "Value": t["Value"]} for t in tags or []])
