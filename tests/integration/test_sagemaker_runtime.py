"""InvokeEndpoint's own route without a serving endpoint: a missing endpoint, a name
that breaks the model's pattern, account from the access key."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError


def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as err:
        call()
    response: dict[str, Any] = err.value.response
    return response


def test_missing_endpoint_is_a_validation_error(client: Any, clean_server: Any) -> None:
    runtime = client("sagemaker-runtime")
    error = error_of(lambda: runtime.invoke_endpoint(EndpointName="ghost", Body=b"1,2"))
    assert error["Error"] == {
        "Code": "ValidationError",
        "Message": "Endpoint ghost of account 123456789012 not found.",
    }
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    other = clean_server.client(
        "sagemaker-runtime", aws_access_key_id="111122223333", region_name="eu-west-1"
    )
    error = error_of(lambda: other.invoke_endpoint(EndpointName="ghost", Body=b"1"))
    assert error["Error"]["Message"] == "Endpoint ghost of account 111122223333 not found."


def test_endpoint_name_pattern_is_checked(clean_server: Any) -> None:
    unchecked = clean_server.client(
        "sagemaker-runtime",
        config=BotoConfig(parameter_validation=False, retries={"max_attempts": 1}),
    )
    error = error_of(lambda: unchecked.invoke_endpoint(EndpointName="bad_name", Body=b"1"))
    assert error["Error"]["Code"] == "ValidationError"
    assert error["Error"]["Message"].startswith(
        "1 validation error detected: Value 'bad_name' at 'endpointName' failed to satisfy"
    )
