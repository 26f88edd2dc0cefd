"""Policy documents: the checks IAM makes before it stores one, and its wire form.

IAM keeps a document as the caller sent it and answers it URL-encoded (boto3 decodes
it back into a dict). Identity policies (inline and managed) and trust policies (a
role's assume-role policy) share the grammar but differ on ``Principal`` and
``Resource``.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any
from urllib.parse import quote

from irisops.services.iam.errors import LimitExceeded, MalformedPolicyDocument

VERSIONS = ("2008-10-17", "2012-10-17")
TOP_LEVEL = {"Version", "Id", "Statement"}
STATEMENT_KEYS = {
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
}
EFFECTS = ("Allow", "Deny")

TRUST_POLICY_MAX = 2048
MANAGED_POLICY_MAX = 6144


class PolicyKind(Enum):
    IDENTITY = "identity"
    TRUST = "trust"


class _SyntaxError(Exception):
    pass


def encode(document: str) -> str:
    """The wire form of a stored document, as IAM answers it."""
    return quote(document, safe="")


def policy_size(document: str) -> int:
    """Size as IAM counts it against its quotas: whitespace does not count."""
    return sum(1 for ch in document if not ch.isspace())


def validate(document: str, kind: PolicyKind = PolicyKind.IDENTITY) -> dict[str, Any]:
    """Check ``document`` the way IAM does; return it parsed.

    Raises :class:`MalformedPolicyDocument` with IAM's message for the first problem.
    """
    try:
        parsed = json.loads(document)
    except ValueError:
        raise MalformedPolicyDocument("This policy contains invalid Json") from None
    try:
        statements = _statements(parsed)
    except _SyntaxError:
        raise MalformedPolicyDocument("Syntax errors in policy.") from None
    sids = [s["Sid"] for s in statements if s.get("Sid")]
    if len(sids) != len(set(sids)):
        raise MalformedPolicyDocument("Statement IDs (SID) in a single policy must be unique.")
    for statement in statements:
        if kind is PolicyKind.TRUST:
            _check_trust_statement(statement)
        else:
            _check_identity_statement(statement)
        _check_action_vendors(statement)
    return parsed


def check_trust_policy_size(document: str) -> None:
    if policy_size(document) > TRUST_POLICY_MAX:
        raise LimitExceeded(f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_MAX}")


def check_managed_policy_size(document: str) -> None:
    if policy_size(document) > MANAGED_POLICY_MAX:
        raise LimitExceeded(f"Cannot exceed quota for PolicySize: {MANAGED_POLICY_MAX}")


def _statements(parsed: Any) -> list[dict[str, Any]]:
    if not isinstance(parsed, dict) or not set(parsed) <= TOP_LEVEL:
        raise _SyntaxError
    if "Version" in parsed and parsed["Version"] not in VERSIONS:
        raise _SyntaxError
    if "Id" in parsed and not isinstance(parsed["Id"], str):
        raise _SyntaxError
    raw = parsed.get("Statement")
    statements = [raw] if isinstance(raw, dict) else raw
    if not isinstance(statements, list) or not statements:
        raise _SyntaxError
    for statement in statements:
        _check_statement_syntax(statement)
    return statements


def _check_statement_syntax(statement: Any) -> None:
    if not isinstance(statement, dict) or not set(statement) <= STATEMENT_KEYS:
        raise _SyntaxError
    if statement.get("Effect") not in EFFECTS:
        raise _SyntaxError
    for positive, negative in (
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ):
        if positive in statement and negative in statement:
            raise _SyntaxError
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in statement and not _is_string_or_strings(statement[key]):
            raise _SyntaxError
    for key in ("Principal", "NotPrincipal"):
        if key in statement and not _is_principal(statement[key]):
            raise _SyntaxError
    if "Sid" in statement and not isinstance(statement["Sid"], str):
        raise _SyntaxError
    if "Condition" in statement and not _is_condition(statement["Condition"]):
        raise _SyntaxError


def _is_string_or_strings(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_principal(value: Any) -> bool:
    if value == "*":
        return True
    return isinstance(value, dict) and all(_is_string_or_strings(v) for v in value.values())


def _is_condition(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    for operator_block in value.values():
        if not isinstance(operator_block, dict):
            return False
        for operand in operator_block.values():
            if not isinstance(operand, str | list | bool | int | float):
                return False
    return True


def _check_identity_statement(statement: dict[str, Any]) -> None:
    if "Principal" in statement or "NotPrincipal" in statement:
        raise MalformedPolicyDocument("Policy document should not specify a principal.")
    if not _has_values(statement, "Action", "NotAction"):
        raise MalformedPolicyDocument("Policy statement must contain actions.")
    if not _has_values(statement, "Resource", "NotResource"):
        raise MalformedPolicyDocument("Policy statement must contain resources.")


def _check_trust_statement(statement: dict[str, Any]) -> None:
    for prohibited in ("Resource", "NotResource"):
        if prohibited in statement:
            raise MalformedPolicyDocument(f"Has prohibited field {prohibited}")
    if "Principal" not in statement and "NotPrincipal" not in statement:
        raise MalformedPolicyDocument("Missing required field Principal")
    if not _has_values(statement, "Action", "NotAction"):
        raise MalformedPolicyDocument("Missing required field Action")


def _has_values(statement: dict[str, Any], positive: str, negative: str) -> bool:
    value = statement.get(positive, statement.get(negative))
    return value is not None and value != []


def _check_action_vendors(statement: dict[str, Any]) -> None:
    actions = statement.get("Action", statement.get("NotAction", []))
    for action in [actions] if isinstance(actions, str) else actions:
        if action != "*" and ":" not in action:
            raise MalformedPolicyDocument(
                "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
            )
