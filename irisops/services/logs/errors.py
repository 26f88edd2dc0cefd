"""The errors CloudWatch Logs answers with (all HTTP 400).

Messages marked *unconfirmed* in AWS-REFERENCE.md section 5 are our best reading of the
real service; the rest are quoted from real responses.
"""

from __future__ import annotations

from irisops.core.errors import AwsError

GROUP_NOT_FOUND = "The specified log group does not exist."
STREAM_NOT_FOUND = "The specified log stream does not exist."
GROUP_EXISTS = "The specified log group already exists"
STREAM_EXISTS = "The specified log stream already exists"  # unconfirmed
INVALID_TOKEN = "The specified nextToken is invalid."


class ResourceNotFound(AwsError):
    code = "ResourceNotFoundException"


class ResourceAlreadyExists(AwsError):
    code = "ResourceAlreadyExistsException"


class InvalidParameter(AwsError):
    code = "InvalidParameterException"


class LogsValidation(AwsError):
    code = "ValidationException"


class TooManyTags(AwsError):
    code = "TooManyTagsException"


def group_not_found() -> ResourceNotFound:
    return ResourceNotFound(GROUP_NOT_FOUND)


def stream_not_found() -> ResourceNotFound:
    return ResourceNotFound(STREAM_NOT_FOUND)


def invalid_token() -> InvalidParameter:
    return InvalidParameter(INVALID_TOKEN)


def deletion_protected(name: str) -> LogsValidation:
    # unconfirmed text
    return LogsValidation(
        f"Log group {name} has deletion protection enabled. Disable deletion protection "
        "before deleting it."
    )
