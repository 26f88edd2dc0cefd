from __future__ import annotations

from irisops.gateway.sigv4 import credential


def test_header_scope() -> None:
    cred = credential(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-2/logs/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=abc",
        "",
    )
    assert cred is not None
    assert (cred.access_key_id, cred.region, cred.service) == ("AKIDEXAMPLE", "eu-west-2", "logs")


def test_presigned_query_scope() -> None:
    cred = credential(
        None,
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=123456789012%2F20240101%2F"
        "us-west-2%2Fs3%2Faws4_request&X-Amz-Signature=x",
    )
    assert cred is not None and cred.access_key_id == "123456789012"
    assert cred.region == "us-west-2" and cred.service == "s3"


def test_sigv4a_scope_has_no_region() -> None:
    cred = credential(
        "AWS4-ECDSA-P256-SHA256 Credential=AKID/20240101/s3/aws4_request, Signature=x", ""
    )
    assert cred is not None and cred.region is None and cred.service == "s3"


def test_unsigned() -> None:
    assert credential(None, "") is None
