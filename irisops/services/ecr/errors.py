"""The errors the ECR API answers with (all HTTP 400), and how a registry failure of the
shared push path reads through the API.

Messages follow AWS-REFERENCE.md section 8 (moto's texts where AWS's are not quoted);
those marked *unconfirmed* there are our best reading.
"""

from __future__ import annotations

from irisops.core.errors import AwsError
from irisops.engines.registry.errors import RegistryError


class RepositoryAlreadyExists(AwsError):
    code = "RepositoryAlreadyExistsException"


class RepositoryNotFound(AwsError):
    code = "RepositoryNotFoundException"


class RepositoryNotEmpty(AwsError):
    code = "RepositoryNotEmptyException"


class ImageNotFound(AwsError):
    code = "ImageNotFoundException"


class ImageAlreadyExists(AwsError):
    code = "ImageAlreadyExistsException"


class ImageTagAlreadyExists(AwsError):
    code = "ImageTagAlreadyExistsException"


class ImageDigestDoesNotMatch(AwsError):
    code = "ImageDigestDoesNotMatchException"


class LayersNotFound(AwsError):
    code = "LayersNotFoundException"


class ReferencedImagesNotFound(AwsError):
    code = "ReferencedImagesNotFoundException"


class InvalidParameter(AwsError):
    code = "InvalidParameterException"


class LifecyclePolicyNotFound(AwsError):
    code = "LifecyclePolicyNotFoundException"


class EcrValidation(AwsError):
    code = "ValidationException"


def repository_exists(name: str, account: str) -> RepositoryAlreadyExists:
    return RepositoryAlreadyExists(
        f"The repository with name '{name}' already exists in the registry with id '{account}'"
    )


def repository_not_found_message(name: str, account: str) -> str:
    return f"The repository with name '{name}' does not exist in the registry with id '{account}'"


def repository_not_found(name: str, account: str) -> RepositoryNotFound:
    return RepositoryNotFound(repository_not_found_message(name, account))


def repository_not_empty(name: str, account: str) -> RepositoryNotEmpty:
    return RepositoryNotEmpty(
        f"The repository with name '{name}' in registry with id '{account}' cannot be "
        "deleted because it still contains images"
    )


def image_not_found(digest: str | None, tag: str | None, name: str, account: str) -> ImageNotFound:
    shown_digest = f"'{digest}'" if digest else "'null'"
    shown_tag = f"'{tag}'" if tag else "'null'"
    return ImageNotFound(
        f"The image with imageId {{imageDigest:{shown_digest}, imageTag:{shown_tag}}} does not "
        f"exist within the repository with name '{name}' in the registry with id '{account}'"
    )


def immutable_tag_message(tag: str, name: str) -> str:
    return (
        f"The image tag '{tag}' already exists in the '{name}' repository and cannot be "
        "overwritten because the tag is immutable."
    )


def lifecycle_policy_not_found(name: str, account: str) -> LifecyclePolicyNotFound:
    return LifecyclePolicyNotFound(
        "Lifecycle policy does not exist for the repository with name "
        f"'{name}' in the registry with id '{account}'"
    )


def api_error(error: RegistryError) -> AwsError:
    """A failure of the shared push path, as PutImage reports it."""
    if error.code == "NAME_UNKNOWN":
        return RepositoryNotFound(error.message)
    if error.code == "TAG_INVALID":
        return ImageTagAlreadyExists(error.message)
    if error.code == "DIGEST_INVALID":
        return ImageDigestDoesNotMatch(error.message)
    if error.code == "MANIFEST_BLOB_UNKNOWN" and isinstance(error.detail, dict):
        if error.detail.get("kind") == "manifest":
            return ReferencedImagesNotFound(error.message)
        return LayersNotFound(error.message)
    return InvalidParameter(error.message)


class InvalidTagParameter(AwsError):
    code = "InvalidTagParameterException"
