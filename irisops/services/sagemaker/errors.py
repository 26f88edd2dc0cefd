"""The errors SageMaker answers with (HTTP 400).

SageMaker reports most missing or duplicate resources as ``ValidationException`` (not
``ResourceNotFound``), with the ARN in double quotes; AWS-REFERENCE.md section 5 has the
real messages and says which are unconfirmed.
"""

from __future__ import annotations

from irisops.core.errors import AwsError


class SageMakerValidation(AwsError):
    code = "ValidationException"


class ResourceInUse(AwsError):
    code = "ResourceInUse"


class ResourceNotFound(AwsError):
    code = "ResourceNotFound"


class ResourceLimitExceeded(AwsError):
    code = "ResourceLimitExceeded"


def already_exists(kind: str, arn: str) -> SageMakerValidation:
    """``Cannot create already existing model "arn:..."`` (model, endpoint configuration,
    endpoint)."""
    return SageMakerValidation(f'Cannot create already existing {kind} "{arn}".')


def could_not_find(kind: str, arn: str) -> SageMakerValidation:
    """``Could not find model "arn:..."`` (model, endpoint configuration, endpoint)."""
    return SageMakerValidation(f'Could not find {kind} "{arn}".')
