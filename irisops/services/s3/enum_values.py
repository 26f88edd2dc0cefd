"""The enum-valued inputs S3 checks itself, each answered with S3's own error.

S3's front end applies no enum validation (the gateway is told so by
``S3Service.validates_enums``): a value outside the model's enum reaches the service,
which rejects the few it cares about with its own codes and ignores the rest, as S3 does
with an unknown ``x-amz-request-payer``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from irisops.core.errors import AwsError
from irisops.services.s3.errors import InvalidArgument, InvalidStorageClass

#: model shape name -> the error S3 answers for a value outside its enum
REJECTED: dict[str, Callable[[str, str], AwsError]] = {
    "StorageClass": lambda header, value: InvalidStorageClass(value),
    "MetadataDirective": lambda header, value: InvalidArgument(
        "Unknown metadata directive.", header, value
    ),
    "TaggingDirective": lambda header, value: InvalidArgument(
        "Unknown tagging directive.", header, value
    ),
    "EncodingType": lambda header, value: InvalidArgument(
        "Invalid Encoding Method specified in Request", header, value
    ),
}


def check_enum_values(input_shape: Any, params: dict[str, Any]) -> None:
    """Raise S3's error for the first checked member whose value is not in its enum."""
    if input_shape is None:
        return
    for name, member in input_shape.members.items():
        reject = REJECTED.get(member.name)
        value = params.get(name)
        if reject is None or value is None or value in member.enum:
            continue
        raise reject(member.serialization.get("name", name), value)
