"""EcrService handlers on a real store and data dir: repositories, the shared push path
(PutImage), deletes with AWS-shaped failures, tag mutability, tokens, lifecycle, tags."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.engines.registry.backend import Principal
from irisops.engines.registry.digests import sha256_digest
from irisops.engines.registry.errors import RegistryError
from irisops.engines.registry.manifests import DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST
from irisops.services.ecr import EcrService
from tests.unit.running import running_service

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture
async def ecr(tmp_path: Path) -> AsyncIterator[EcrService]:
    async with running_service(EcrService, tmp_path, port=4599) as service:
        yield service


def ctx(account: str = ACCOUNT) -> RequestContext:
    return RequestContext(service="ecr", operation="Test", account=account, region=REGION)


async def call(ecr: EcrService, operation: str, **params: Any) -> dict[str, Any]:
    handler = ecr.handler(operation)
    assert handler is not None, operation
    return await handler(ctx(), params)


async def fails(ecr: EcrService, operation: str, **params: Any) -> AwsError:
    with pytest.raises(AwsError) as info:
        await call(ecr, operation, **params)
    assert info.value.status == 400
    return info.value


async def store_blob(ecr: EcrService, data: bytes) -> dict[str, Any]:
    async def body() -> AsyncIterator[bytes]:
        yield data

    upload = ecr.blobs.start_upload((ACCOUNT, REGION, "any"))
    await ecr.blobs.append(upload, body())
    await ecr.blobs.complete(upload, sha256_digest(data))
    return {"digest": sha256_digest(data), "size": len(data)}


async def manifest_json(ecr: EcrService, seed: bytes = b"1", store: bool = True) -> str:
    config, layer = b'{"seed": "%s"}' % seed, b"layer-" + seed
    blobs = (
        [await store_blob(ecr, config), await store_blob(ecr, layer)]
        if store
        else [
            {"digest": sha256_digest(config), "size": len(config)},
            {"digest": sha256_digest(layer), "size": len(layer)},
        ]
    )
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **blobs[0]},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **blobs[1]}],
        }
    )


async def test_repositories_create_describe_page_delete(ecr: EcrService) -> None:
    repo = (await call(ecr, "CreateRepository", repositoryName="team/app"))["repository"]
    assert repo["repositoryUri"] == "localhost:4599/team/app"
    assert repo["repositoryArn"] == f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team/app"
    assert repo["imageTagMutability"] == "MUTABLE"
    error = await fails(ecr, "CreateRepository", repositoryName="team/app")
    assert error.code == "RepositoryAlreadyExistsException"
    assert "'team/app' already exists in the registry with id '123456789012'" in error.message
    for name in ("b", "c", "d"):
        await call(ecr, "CreateRepository", repositoryName=name)
    first = await call(ecr, "DescribeRepositories", maxResults=3)
    second = await call(ecr, "DescribeRepositories", maxResults=3, nextToken=first["nextToken"])
    names = [r["repositoryName"] for r in first["repositories"] + second["repositories"]]
    assert names == ["b", "c", "d", "team/app"] and "nextToken" not in second
    error = await fails(ecr, "DescribeRepositories", repositoryNames=["b", "nope"])
    assert error.code == "RepositoryNotFoundException"
    other = await ecr.handler("DescribeRepositories")(ctx("210987654321"), {})  # type: ignore[misc]
    assert other["repositories"] == []
    await call(ecr, "DeleteRepository", repositoryName="b")
    assert (await fails(ecr, "DeleteRepository", repositoryName="b")).code == (
        "RepositoryNotFoundException"
    )


async def test_put_image_shared_path_and_events(ecr: EcrService) -> None:
    await call(ecr, "CreateRepository", repositoryName="app")
    body = await manifest_json(ecr)
    with ecr.bus.subscribe() as events:
        out = await call(ecr, "PutImage", repositoryName="app", imageManifest=body, imageTag="v1")
        event = await events.get()
    digest = sha256_digest(body.encode())
    assert out["image"]["imageId"] == {"imageDigest": digest, "imageTag": "v1"}
    assert event is not None and event.type == "ecr.ImagePushed"
    assert event.detail["repositoryName"] == "app"
    assert event.detail["imageDigest"] == digest and event.detail["imageTag"] == "v1"
    assert (
        await fails(ecr, "PutImage", repositoryName="app", imageManifest=body, imageTag="v1")
    ).code == ("ImageAlreadyExistsException")
    await call(ecr, "PutImage", repositoryName="app", imageManifest=body, imageTag="v2")
    details = (await call(ecr, "DescribeImages", repositoryName="app"))["imageDetails"]
    assert len(details) == 1
    assert details[0]["imageTags"] == ["v1", "v2"]
    assert details[0]["imageManifestMediaType"] == OCI_MANIFEST
    assert details[0]["artifactMediaType"] == "application/vnd.oci.image.config.v1+json"
    assert details[0]["imageSizeInBytes"] == len(b"layer-1")
    got = await call(ecr, "BatchGetImage", repositoryName="app", imageIds=[{"imageTag": "v2"}])
    assert got["images"][0]["imageManifest"] == body and got["failures"] == []
    refused = await call(
        ecr,
        "BatchGetImage",
        repositoryName="app",
        imageIds=[{"imageTag": "v1"}, {"imageTag": "gone"}],
        acceptedMediaTypes=[DOCKER_MANIFEST],
    )
    assert refused["images"] == []
    assert [f["failureCode"] for f in refused["failures"]] == [
        "UnsupportedImageType",
        "ImageNotFound",
    ]


async def test_put_image_failures(ecr: EcrService) -> None:
    body = await manifest_json(ecr, b"2", store=False)
    error = await fails(ecr, "PutImage", repositoryName="none", imageManifest=body)
    assert error.code == "RepositoryNotFoundException"
    await call(ecr, "CreateRepository", repositoryName="app")
    assert (await fails(ecr, "PutImage", repositoryName="app", imageManifest=body)).code == (
        "LayersNotFoundException"
    )
    assert (await fails(ecr, "PutImage", repositoryName="app", imageManifest="{nope")).code == (
        "InvalidParameterException"
    )
    good = await manifest_json(ecr, b"3")
    wrong = "sha256:" + "0" * 64
    error = await fails(
        ecr, "PutImage", repositoryName="app", imageManifest=good, imageDigest=wrong
    )
    assert error.code == "ImageDigestDoesNotMatchException"
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": sha256_digest(good.encode()),
                    "size": len(good),
                }
            ],
        }
    )
    assert (await fails(ecr, "PutImage", repositoryName="app", imageManifest=index)).code == (
        "ReferencedImagesNotFoundException"
    )
    await call(ecr, "PutImage", repositoryName="app", imageManifest=good, imageTag="child")
    await call(ecr, "PutImage", repositoryName="app", imageManifest=index, imageTag="multi")
    details = await call(
        ecr, "DescribeImages", repositoryName="app", imageIds=[{"imageTag": "multi"}]
    )
    assert details["imageDetails"][0]["imageManifestMediaType"] == OCI_INDEX
    assert (await call(ecr, "ListImages", repositoryName="app"))["imageIds"] == sorted(
        [
            {"imageDigest": sha256_digest(good.encode()), "imageTag": "child"},
            {"imageDigest": sha256_digest(index.encode()), "imageTag": "multi"},
        ],
        key=lambda i: i["imageDigest"],
    )
    assert (
        await fails(ecr, "DescribeImages", repositoryName="app", imageIds=[{"imageTag": "x"}])
    ).code == ("ImageNotFoundException")


async def test_immutable_tags_and_registry_push(ecr: EcrService) -> None:
    await call(ecr, "CreateRepository", repositoryName="frozen", imageTagMutability="IMMUTABLE")
    body = await manifest_json(ecr, b"4")
    principal = Principal(ACCOUNT, REGION)
    digest = await ecr.put_manifest(principal, "frozen", "v1", body.encode(), OCI_MANIFEST)
    with pytest.raises(RegistryError) as info:
        await ecr.put_manifest(principal, "frozen", "v1", body.encode(), OCI_MANIFEST)
    assert info.value.code == "TAG_INVALID"
    assert "cannot be overwritten because the tag is immutable" in info.value.message
    other = await manifest_json(ecr, b"5")
    error = await fails(
        ecr, "PutImage", repositoryName="frozen", imageManifest=other, imageTag="v1"
    )
    assert error.code == "ImageTagAlreadyExistsException"
    await call(ecr, "PutImageTagMutability", repositoryName="frozen", imageTagMutability="MUTABLE")
    await call(ecr, "PutImage", repositoryName="frozen", imageManifest=other, imageTag="v1")
    assert ecr.get_manifest(principal, "frozen", digest).body == body.encode()
    assert ecr.get_manifest(principal, "frozen", "v1").digest == sha256_digest(other.encode())
    with pytest.raises(RegistryError) as info:
        await ecr.put_manifest(principal, "missing", "v1", body.encode(), OCI_MANIFEST)
    assert info.value.code == "NAME_UNKNOWN"
    assert info.value.message == (
        "The repository with name 'missing' does not exist in the registry with id '123456789012'"
    )


async def test_batch_delete_image_failures_and_last_tag(ecr: EcrService) -> None:
    await call(ecr, "CreateRepository", repositoryName="app")
    body = await manifest_json(ecr, b"6")
    digest = sha256_digest(body.encode())
    await call(ecr, "PutImage", repositoryName="app", imageManifest=body, imageTag="a")
    await call(ecr, "PutImage", repositoryName="app", imageManifest=body, imageTag="b")
    assert (await fails(ecr, "DeleteRepository", repositoryName="app")).code == (
        "RepositoryNotEmptyException"
    )
    out = await call(
        ecr,
        "BatchDeleteImage",
        repositoryName="app",
        imageIds=[
            {"imageTag": "a"},
            {"imageTag": "zz"},
            {"imageTag": "b", "imageDigest": "sha256:" + "1" * 64},
        ],
    )
    assert out["imageIds"] == [{"imageDigest": digest, "imageTag": "a"}]
    assert out["failures"] == [
        {
            "imageId": {"imageTag": "zz"},
            "failureCode": "ImageNotFound",
            "failureReason": "Requested image not found",
        },
        {
            "imageId": {"imageTag": "b", "imageDigest": "sha256:" + "1" * 64},
            "failureCode": "ImageTagDoesNotMatchDigest",
            "failureReason": (
                "Invalid request parameters: given tag does not map to the given digest"
            ),
        },
    ]
    with ecr.bus.subscribe() as events:
        out = await call(
            ecr, "BatchDeleteImage", repositoryName="app", imageIds=[{"imageTag": "b"}]
        )
        event = await events.get()
    assert event is not None and event.type == "ecr.ImageDeleted"
    assert event.detail == {
        "repositoryName": "app",
        "imageDigest": digest,
        "imageTag": "b",
        "via": "api",
    }
    assert (await call(ecr, "DescribeImages", repositoryName="app"))["imageDetails"] == []
    await call(ecr, "DeleteRepository", repositoryName="app")


async def test_authorization_tokens(ecr: EcrService) -> None:
    data = (await call(ecr, "GetAuthorizationToken"))["authorizationData"][0]
    assert data["proxyEndpoint"] == "http://localhost:4599"
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    assert user == "AWS"
    assert ecr.authenticate("Basic " + data["authorizationToken"]) == Principal(ACCOUNT, REGION)
    flipped = "1" if password[-1] == "0" else "0"  # a different last mac digit, always
    forged = base64.b64encode(f"AWS:{password[:-1]}{flipped}".encode()).decode()
    assert ecr.authenticate("Basic " + forged) is None
    assert ecr.authenticate(None) is None
    assert ecr.authenticate("Bearer " + data["authorizationToken"]) is None
    other = base64.b64encode(f"admin:{password}".encode()).decode()
    assert ecr.authenticate("Basic " + other) is None
    expired = ecr.tokens.password(ACCOUNT, REGION, 1.0)
    assert ecr.tokens.verify(expired) is None


async def test_lifecycle_policy_and_tags(ecr: EcrService) -> None:
    arn = (
        await call(ecr, "CreateRepository", repositoryName="app", tags=[{"Key": "a", "Value": "1"}])
    )["repository"]["repositoryArn"]
    assert (await fails(ecr, "GetLifecyclePolicy", repositoryName="app")).code == (
        "LifecyclePolicyNotFoundException"
    )
    policy = json.dumps({"rules": []})
    await call(ecr, "PutLifecyclePolicy", repositoryName="app", lifecyclePolicyText=policy)
    assert (await call(ecr, "GetLifecyclePolicy", repositoryName="app"))[
        "lifecyclePolicyText"
    ] == policy
    await call(ecr, "DeleteLifecyclePolicy", repositoryName="app")
    assert (await fails(ecr, "DeleteLifecyclePolicy", repositoryName="app")).code == (
        "LifecyclePolicyNotFoundException"
    )
    await call(
        ecr,
        "TagResource",
        resourceArn=arn,
        tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}],
    )
    await call(ecr, "UntagResource", resourceArn=arn, tagKeys=["b"])
    assert (await call(ecr, "ListTagsForResource", resourceArn=arn))["tags"] == [
        {"Key": "a", "Value": "3"}
    ]
    missing = arn.replace("/app", "/gone")
    assert (
        await fails(ecr, "ListTagsForResource", resourceArn=missing)
    ).code == "RepositoryNotFoundException"


async def test_mutability_exclusion_filters(ecr: EcrService) -> None:
    error = await fails(
        ecr, "CreateRepository", repositoryName="x", imageTagMutability="IMMUTABLE_WITH_EXCLUSION"
    )
    assert error.code == "InvalidParameterException"
    repo = await call(
        ecr,
        "CreateRepository",
        repositoryName="app",
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest*"}],
    )
    assert repo["repository"]["imageTagMutabilityExclusionFilters"] == [
        {"filterType": "WILDCARD", "filter": "latest*"}
    ]
    first, second = await manifest_json(ecr, b"7"), await manifest_json(ecr, b"8")
    for body in (first, second):  # an excluded tag moves
        await call(ecr, "PutImage", repositoryName="app", imageManifest=body, imageTag="latest-dev")
    await call(ecr, "PutImage", repositoryName="app", imageManifest=first, imageTag="v1")
    error = await fails(ecr, "PutImage", repositoryName="app", imageManifest=second, imageTag="v1")
    assert error.code == "ImageTagAlreadyExistsException"
    await call(
        ecr,
        "PutImageTagMutability",
        repositoryName="app",
        imageTagMutability="MUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "v*"}],
    )
    error = await fails(ecr, "PutImage", repositoryName="app", imageManifest=second, imageTag="v1")
    assert error.code == "ImageTagAlreadyExistsException"
    await call(ecr, "PutImage", repositoryName="app", imageManifest=first, imageTag="latest-dev")


async def test_force_delete_publishes_every_image(ecr: EcrService) -> None:
    await call(ecr, "CreateRepository", repositoryName="app")
    first, second = await manifest_json(ecr, b"9"), await manifest_json(ecr, b"10")
    await call(ecr, "PutImage", repositoryName="app", imageManifest=first, imageTag="a")
    await call(ecr, "PutImage", repositoryName="app", imageManifest=second)
    with ecr.bus.subscribe() as events:
        await call(ecr, "DeleteRepository", repositoryName="app", force=True)
        seen = [await events.get() for _ in range(3)]
    deleted = {(e.detail["imageDigest"], e.detail["imageTag"]) for e in seen[:2] if e}
    assert deleted == {
        (sha256_digest(first.encode()), "a"),
        (sha256_digest(second.encode()), None),
    }
    assert seen[2] is not None and seen[2].type == "ecr.RepositoryDeleted"
    assert (await fails(ecr, "DescribeImages", repositoryName="app")).code == (
        "RepositoryNotFoundException"
    )


async def test_locate_repository_for_image_references(ecr: EcrService) -> None:
    await call(ecr, "CreateRepository", repositoryName="here")
    other = RequestContext(service="ecr", operation="Test", account="210987654321", region=REGION)
    await ecr.handler("CreateRepository")(other, {"repositoryName": "theirs"})  # type: ignore[misc]
    await ecr.handler("CreateRepository")(other, {"repositoryName": "here"})  # type: ignore[misc]
    assert ecr.locate_repository("here") == (ACCOUNT, REGION)
    assert ecr.locate_repository("here", "210987654321", REGION) == ("210987654321", REGION)
    # A real AWS account id in an image URI still finds the repository pushed here.
    assert ecr.locate_repository("here", "763104351884", "eu-west-1") == (ACCOUNT, REGION)
    assert ecr.locate_repository("theirs") == ("210987654321", REGION)
    assert ecr.locate_repository("nowhere") is None
