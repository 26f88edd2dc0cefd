"""IAM's policy document checks: JSON, grammar, identity vs trust rules, sizes."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest

from irisops.services.iam import policy_document
from irisops.services.iam.errors import LimitExceeded, MalformedPolicyDocument
from irisops.services.iam.policy_document import PolicyKind

IDENTITY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"},
        "Action": "sts:AssumeRole",
    },
}


def message(document: Any, kind: PolicyKind = PolicyKind.IDENTITY) -> str:
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(MalformedPolicyDocument) as caught:
        policy_document.validate(text, kind)
    assert caught.value.status == 400
    assert caught.value.code == "MalformedPolicyDocument"
    return caught.value.message


def test_valid_documents_parse() -> None:
    assert policy_document.validate(json.dumps(IDENTITY)) == IDENTITY
    assert policy_document.validate(json.dumps(TRUST), PolicyKind.TRUST) == TRUST


@pytest.mark.parametrize("text", ["{bad", "", "not json", '{"Statement": [}'])
def test_invalid_json(text: str) -> None:
    assert message(text) == "This policy contains invalid Json"


@pytest.mark.parametrize(
    "document",
    [
        [],
        '"a string"',
        {"Version": "2012-10-17"},
        {"Statement": []},
        {"Statement": "x"},
        {"Version": "2012-10-17", "Statement": [{"Action": "s3:*", "Resource": "*"}]},
        {"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": 3, "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Bogus": 1}]},
        {"Version": "2020-01-01", "Statement": IDENTITY["Statement"]},
        {"Extra": 1, "Statement": IDENTITY["Statement"]},
        {
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"}
            ]
        },
    ],
)
def test_syntax_errors(document: Any) -> None:
    assert message(document) == "Syntax errors in policy."


def test_identity_policy_rules() -> None:
    assert message(TRUST) == "Policy document should not specify a principal."
    no_action = {"Statement": [{"Effect": "Allow", "Resource": "*"}]}
    assert message(no_action) == "Policy statement must contain actions."
    no_resource = {"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}
    assert message(no_resource) == "Policy statement must contain resources."
    no_vendor = {"Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}
    assert message(no_vendor).startswith("Actions/Conditions must be prefaced by a vendor")


def test_trust_policy_rules() -> None:
    with_resource = {"Statement": [{**TRUST["Statement"], "Resource": "*"}]}
    assert message(with_resource, PolicyKind.TRUST) == "Has prohibited field Resource"
    no_principal = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}
    assert message(no_principal, PolicyKind.TRUST) == "Missing required field Principal"


def test_duplicate_sids() -> None:
    statement = {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    assert (
        message({"Statement": [statement, statement]})
        == "Statement IDs (SID) in a single policy must be unique."
    )


def test_encode_round_trips_through_unquote() -> None:
    text = json.dumps(IDENTITY, indent=2)
    encoded = policy_document.encode(text)
    assert "{" not in encoded and " " not in encoded and ":" not in encoded
    assert unquote(encoded) == text


def test_size_quotas_ignore_whitespace() -> None:
    padded = json.dumps(TRUST, indent=300)
    assert len(padded) > policy_document.TRUST_POLICY_MAX
    policy_document.check_trust_policy_size(padded)
    big = json.dumps({"Statement": [{**TRUST["Statement"], "Sid": "x" * 2100}]})
    with pytest.raises(LimitExceeded, match="ACLSizePerRole: 2048") as caught:
        policy_document.check_trust_policy_size(big)
    assert caught.value.status == 409
    with pytest.raises(LimitExceeded, match="PolicySize: 6144"):
        policy_document.check_managed_policy_size("x" * 6145)
