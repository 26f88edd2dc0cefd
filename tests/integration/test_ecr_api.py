"""The ECR API through real boto3: repositories and their errors on the wire, the
layer-upload push that AWS SDK tools use, PutImage then a registry pull of the same
manifest, paginators, lifecycle policies and tags."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from botocore.exceptions import ClientError

from irisops.sdk.server import ServerProcess
from tests.integration.ecr_wire import OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, Registry, digest_of

ACCOUNT = "123456789012"


def error_of(info: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    return info.value.response["Error"]


def test_repository_errors_on_the_wire(clean_server: ServerProcess) -> None:
    ecr = clean_server.client("ecr")
    with pytest.raises(ClientError) as info:
        ecr.create_repository(repositoryName="Bad_Name")
    assert error_of(info)["Code"] == "InvalidParameterException"
    ecr.create_repository(repositoryName="team/app", tags=[{"Key": "team", "Value": "ml"}])
    with pytest.raises(ClientError) as info:
        ecr.create_repository(repositoryName="team/app")
    assert error_of(info)["Code"] == "RepositoryAlreadyExistsException"
    with pytest.raises(ClientError) as info:
        ecr.describe_repositories(repositoryNames=["missing"])
    assert error_of(info) == {
        "Code": "RepositoryNotFoundException",
        "Message": "The repository with name 'missing' does not exist in the registry "
        f"with id '{ACCOUNT}'",
    }
    for n in range(5):
        ecr.create_repository(repositoryName=f"page-{n}")
    pages = ecr.get_paginator("describe_repositories").paginate(PaginationConfig={"PageSize": 2})
    names = [r["repositoryName"] for page in pages for r in page["repositories"]]
    assert names == [*(f"page-{n}" for n in range(5)), "team/app"]
    arn = ecr.describe_repositories(repositoryNames=["team/app"])["repositories"][0][
        "repositoryArn"
    ]
    assert ecr.list_tags_for_resource(resourceArn=arn)["tags"] == [{"Key": "team", "Value": "ml"}]
    with pytest.raises(ClientError) as info:
        ecr.get_lifecycle_policy(repositoryName="team/app")
    assert error_of(info)["Code"] == "LifecyclePolicyNotFoundException"
    rule = {
        "rulePriority": 1,
        "description": "expire untagged images",
        "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1},
        "action": {"type": "expire"},
    }
    policy = json.dumps({"rules": [rule]})
    ecr.put_lifecycle_policy(repositoryName="team/app", lifecyclePolicyText=policy)
    assert ecr.get_lifecycle_policy(repositoryName="team/app")["lifecyclePolicyText"] == policy


def test_layer_api_push_then_registry_pull(clean_server: ServerProcess) -> None:
    ecr = clean_server.client("ecr")
    ecr.create_repository(repositoryName="sdk/push")
    layer = os.urandom(3 * 1024 * 1024 + 17)
    config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    pushed = []
    for blob in (layer, config):
        upload = ecr.initiate_layer_upload(repositoryName="sdk/push")
        upload_id = upload["uploadId"]
        half = len(blob) // 2
        for first, part in ((0, blob[:half]), (half, blob[half:])):
            out = ecr.upload_layer_part(
                repositoryName="sdk/push",
                uploadId=upload_id,
                partFirstByte=first,
                partLastByte=first + len(part) - 1,
                layerPartBlob=part,
            )
            assert out["lastByteReceived"] == first + len(part) - 1
        done = ecr.complete_layer_upload(
            repositoryName="sdk/push", uploadId=upload_id, layerDigests=[digest_of(blob)]
        )
        assert done["layerDigest"] == digest_of(blob)
        pushed.append(done["layerDigest"])
    again = ecr.initiate_layer_upload(repositoryName="sdk/push")["uploadId"]
    with pytest.raises(ClientError) as info:
        ecr.upload_layer_part(
            repositoryName="sdk/push",
            uploadId=again,
            partFirstByte=5,
            partLastByte=6,
            layerPartBlob=b"xx",
        )
    assert error_of(info)["Code"] == "InvalidLayerPartException"
    with pytest.raises(ClientError) as info:
        ecr.complete_layer_upload(
            repositoryName="sdk/push",
            uploadId="0b0a8a8e-0000-4000-8000-000000000000",
            layerDigests=[pushed[0]],
        )
    assert error_of(info)["Code"] == "UploadNotFoundException"
    missing = digest_of(b"never uploaded")
    checked = ecr.batch_check_layer_availability(
        repositoryName="sdk/push", layerDigests=[*pushed, missing]
    )
    assert [(x["layerDigest"], x["layerSize"]) for x in checked["layers"]] == [
        (pushed[0], len(layer)),
        (pushed[1], len(config)),
    ]
    assert [f["layerDigest"] for f in checked["failures"]] == [missing]

    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": pushed[1], "size": len(config)},
            "layers": [{"mediaType": OCI_LAYER, "digest": pushed[0], "size": len(layer)}],
        }
    )
    image = ecr.put_image(repositoryName="sdk/push", imageManifest=manifest, imageTag="v1")
    digest = image["image"]["imageId"]["imageDigest"]
    assert digest == digest_of(manifest.encode())
    with pytest.raises(ClientError) as info:
        ecr.put_image(repositoryName="sdk/push", imageManifest=manifest, imageTag="v1")
    assert error_of(info)["Code"] == "ImageAlreadyExistsException"
    registry = Registry.login(clean_server)
    got = registry.request("GET", "/v2/sdk/push/manifests/v1")
    assert got.body == manifest.encode() and got.headers["Docker-Content-Digest"] == digest
    assert registry.request("GET", f"/v2/sdk/push/blobs/{pushed[0]}").body == layer
    listed = ecr.list_images(repositoryName="sdk/push", filter={"tagStatus": "TAGGED"})
    assert listed["imageIds"] == [{"imageDigest": digest, "imageTag": "v1"}]
    deleted = ecr.batch_delete_image(
        repositoryName="sdk/push", imageIds=[{"imageTag": "v1"}, {"imageTag": "v2"}]
    )
    assert deleted["imageIds"] == [{"imageDigest": digest, "imageTag": "v1"}]
    assert deleted["failures"] == [
        {
            "imageId": {"imageTag": "v2"},
            "failureCode": "ImageNotFound",
            "failureReason": "Requested image not found",
        }
    ]
    assert registry.request("GET", "/v2/sdk/push/manifests/v1").error_codes == ["MANIFEST_UNKNOWN"]
