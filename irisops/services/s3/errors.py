"""S3's errors, with the codes, messages, statuses and extra ``<Error>`` fields of the
real service."""

from __future__ import annotations

from typing import Any

from irisops.core.errors import AwsError

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_OBJECT_SIZE = 5 * 1024**3


class NoSuchBucket(AwsError):
    code = "NoSuchBucket"
    status = 404

    def __init__(self, bucket: str) -> None:
        super().__init__("The specified bucket does not exist", BucketName=bucket)


class NoSuchKey(AwsError):
    code = "NoSuchKey"
    status = 404

    def __init__(self, key: str) -> None:
        super().__init__("The specified key does not exist.", Key=key)


class NoSuchUpload(AwsError):
    code = "NoSuchUpload"
    status = 404

    def __init__(self, upload_id: str) -> None:
        super().__init__(
            "The specified upload does not exist. The upload ID may be invalid, or the "
            "upload may have been aborted or completed.",
            UploadId=upload_id,
        )


class NoSuchTagSet(AwsError):
    code = "NoSuchTagSet"
    status = 404

    def __init__(self, bucket: str) -> None:
        super().__init__("The TagSet does not exist", BucketName=bucket)


class BucketAlreadyExists(AwsError):
    code = "BucketAlreadyExists"
    status = 409

    def __init__(self, bucket: str) -> None:
        super().__init__(
            "The requested bucket name is not available. The bucket namespace is shared by "
            "all users of the system. Please select a different name and try again.",
            BucketName=bucket,
        )


class BucketAlreadyOwnedByYou(AwsError):
    code = "BucketAlreadyOwnedByYou"
    status = 409

    def __init__(self, bucket: str) -> None:
        super().__init__(
            "Your previous request to create the named bucket succeeded and you already own it.",
            BucketName=bucket,
        )


class BucketNotEmpty(AwsError):
    code = "BucketNotEmpty"
    status = 409

    def __init__(self, bucket: str) -> None:
        super().__init__("The bucket you tried to delete is not empty", BucketName=bucket)


class InvalidBucketName(AwsError):
    code = "InvalidBucketName"
    status = 400

    def __init__(self, bucket: str) -> None:
        super().__init__("The specified bucket is not valid.", BucketName=bucket)


class AccessDenied(AwsError):
    code = "AccessDenied"
    status = 403

    def __init__(self) -> None:
        super().__init__("Access Denied")


class InvalidArgument(AwsError):
    code = "InvalidArgument"
    status = 400

    def __init__(self, message: str, name: str, value: Any) -> None:
        super().__init__(message, ArgumentName=name, ArgumentValue=value)


class InvalidStorageClass(AwsError):
    code = "InvalidStorageClass"
    status = 400

    def __init__(self, storage_class: str) -> None:
        super().__init__(
            "The storage class you specified is not valid", StorageClassRequested=storage_class
        )


class InvalidRequest(AwsError):
    code = "InvalidRequest"
    status = 400


class InvalidTag(AwsError):
    code = "InvalidTag"
    status = 400


class MalformedXML(AwsError):
    code = "MalformedXML"
    status = 400

    def __init__(self) -> None:
        super().__init__(
            "The XML you provided was not well-formed or did not validate against our "
            "published schema"
        )


class InvalidDigest(AwsError):
    code = "InvalidDigest"
    status = 400

    def __init__(self, content_md5: str) -> None:
        super().__init__(
            "The Content-MD5 you specified was invalid.", **{"Content-MD5": content_md5}
        )


class BadDigest(AwsError):
    code = "BadDigest"
    status = 400


class KeyTooLong(AwsError):
    code = "KeyTooLongError"
    status = 400

    def __init__(self, size: int) -> None:
        super().__init__("Your key is too long", Size=size, MaxSizeAllowed=1024)


class MetadataTooLarge(AwsError):
    code = "MetadataTooLarge"
    status = 400

    def __init__(self, size: int) -> None:
        super().__init__(
            "Your metadata headers exceed the maximum allowed metadata size",
            Size=size,
            MaxSizeAllowed=2048,
        )


class EntityTooLarge(AwsError):
    code = "EntityTooLarge"
    status = 400

    def __init__(self, size: int) -> None:
        super().__init__(
            "Your proposed upload exceeds the maximum allowed size",
            ProposedSize=size,
            MaxSizeAllowed=MAX_OBJECT_SIZE,
        )


class EntityTooSmall(AwsError):
    code = "EntityTooSmall"
    status = 400

    def __init__(self, size: int, part_number: int, etag: str) -> None:
        super().__init__(
            "Your proposed upload is smaller than the minimum allowed size",
            ProposedSize=size,
            MinSizeAllowed=MIN_PART_SIZE,
            PartNumber=part_number,
            ETag=etag,
        )


class InvalidPart(AwsError):
    code = "InvalidPart"
    status = 400

    def __init__(self, upload_id: str, part_number: int, etag: str) -> None:
        super().__init__(
            "One or more of the specified parts could not be found.  The part may not have "
            "been uploaded, or the specified entity tag may not match the part's entity tag.",
            UploadId=upload_id,
            PartNumber=part_number,
            ETag=etag,
        )


class InvalidPartOrder(AwsError):
    code = "InvalidPartOrder"
    status = 400

    def __init__(self, upload_id: str) -> None:
        super().__init__(
            "The list of parts was not in ascending order. Parts must be ordered by part number.",
            UploadId=upload_id,
        )


class InvalidRange(AwsError):
    code = "InvalidRange"
    status = 416

    def __init__(self, requested: str, size: int) -> None:
        super().__init__(
            "The requested range is not satisfiable",
            RangeRequested=requested,
            ActualObjectSize=size,
        )


class PreconditionFailed(AwsError):
    code = "PreconditionFailed"
    status = 412
    MESSAGE = "At least one of the pre-conditions you specified did not hold"

    def __init__(self, condition: str) -> None:
        super().__init__(self.MESSAGE, Condition=condition)


class NotImplementedHeader(AwsError):
    code = "NotImplemented"
    status = 501
    sender_fault = False

    def __init__(self, header: str) -> None:
        super().__init__(
            "A header you provided implies functionality that is not implemented",
            Header=header,
        )


class IllegalLocationConstraint(AwsError):
    code = "IllegalLocationConstraintException"
    status = 400


class InvalidLocationConstraint(AwsError):
    code = "InvalidLocationConstraint"
    status = 400
