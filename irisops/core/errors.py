"""AWS-shaped errors.

A service raises :class:`AwsError` (or a subclass) and the gateway serializes it in the
wire shape of the request's protocol. ``fields`` carries extra members the real service
puts in its error body (S3's ``BucketName``, SageMaker Runtime's ``OriginalStatusCode``).
"""

from __future__ import annotations

from typing import Any


class AwsError(Exception):
    """An error the real AWS service would answer with."""

    code: str = "InternalFailure"
    status: int = 400
    sender_fault: bool = True

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        sender_fault: bool | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if sender_fault is not None:
            self.sender_fault = sender_fault
        self.fields: dict[str, Any] = fields

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.status}, {self.message!r})"


class InvalidInput(AwsError):
    """A request that fails the operation's input shape (required, type, constraint).

    The gateway renames the code per protocol family: ``ValidationException`` for JSON
    services, ``ValidationError`` for query services, ``InvalidArgument`` for S3.
    """

    code = "ValidationException"


class SerializationError(AwsError):
    """A body that cannot be decoded, or a value of the wrong type."""

    code = "SerializationException"


class UnknownOperation(AwsError):
    code = "UnknownOperationException"


class NotImplementedOperation(AwsError):
    """An operation that exists in the AWS model but that irisops does not implement."""

    code = "NotImplemented"
    status = 501
    sender_fault = False


class RequestTooLarge(AwsError):
    code = "RequestEntityTooLarge"
    status = 413


class InternalFailure(AwsError):
    code = "InternalFailure"
    status = 500
    sender_fault = False
