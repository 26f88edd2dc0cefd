"""ExecutionRoleArn checked against the roles IAM holds, as SageMaker checks it.

SageMaker assumes the role when a resource is created; a role that does not exist is a
``ValidationException`` naming the ARN (the message is quoted from real responses, e.g.
awslabs/predictive-maintenance-using-machine-learning#3).
"""

from __future__ import annotations

from typing import Any

from irisops.core.arns import parse_arn
from irisops.services.iam.errors import NoSuchEntity
from irisops.services.sagemaker.errors import SageMakerValidation


def could_not_assume(role_arn: str) -> SageMakerValidation:
    return SageMakerValidation(
        f"Could not assume role {role_arn}. Please ensure that the role exists and allows "
        "principal 'sagemaker.amazonaws.com' to assume the role."
    )


def check_execution_role(services: dict[str, Any], role_arn: str) -> None:
    """Raise SageMaker's error unless ``role_arn`` names an existing IAM role.

    With IAM not running (a server started with a subset of services) nothing is checked.
    """
    iam = services.get("iam")
    if iam is None:
        return
    parts = parse_arn(role_arn)
    if parts is None or parts["service"] != "iam" or not parts["resource"].startswith("role/"):
        raise could_not_assume(role_arn)
    name = parts["resource"].rsplit("/", 1)[-1]
    try:
        iam.role_row(parts["account"], name)
    except NoSuchEntity as exc:
        raise could_not_assume(role_arn) from exc
