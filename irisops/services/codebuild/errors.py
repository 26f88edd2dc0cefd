"""The errors CodeBuild answers with (HTTP 400). Texts from moto's CodeBuild responses
(AWS-REFERENCE.md section 5) unless marked unconfirmed."""

from __future__ import annotations

from irisops.core.errors import AwsError


class InvalidInput(AwsError):
    code = "InvalidInputException"


class ResourceNotFound(AwsError):
    code = "ResourceNotFoundException"


class ResourceAlreadyExists(AwsError):
    code = "ResourceAlreadyExistsException"


def project_exists(arn: str) -> ResourceAlreadyExists:
    return ResourceAlreadyExists(f"Project already exists: {arn}")


def project_not_found(arn: str) -> ResourceNotFound:
    return ResourceNotFound(f"Project cannot be found: {arn}")


def invalid_build_id() -> InvalidInput:
    return InvalidInput("Invalid build ID provided")


def build_not_found(build_id: str) -> ResourceNotFound:
    return ResourceNotFound(f"Build {build_id} does not exist")  # unconfirmed text
