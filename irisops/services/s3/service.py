"""S3 on the local file store: buckets, objects, multipart uploads."""

from __future__ import annotations

from typing import Any, ClassVar

from irisops.services.s3.bucket_listings import BucketListings
from irisops.services.s3.buckets import BucketOperations
from irisops.services.s3.enum_values import check_enum_values
from irisops.services.s3.multipart import MultipartOperations
from irisops.services.s3.objects import ObjectOperations


class S3Service(BucketOperations, ObjectOperations, MultipartOperations, BucketListings):
    """The S3 API: one handler per operation, grouped by what it works on."""

    #: S3's front end checks no enum values; handlers answer S3's own errors for them.
    validates_enums: ClassVar[bool] = False

    #: Outputs whose one member is the root element's text, not a child element.
    xml_text_roots: ClassVar[dict[str, str]] = {"GetBucketLocation": "LocationConstraint"}

    #: Root elements of outputs whose payload is not a member: the botocore model does not
    #: carry them, the rest-xml serializer reads them here.
    xml_roots: ClassVar[dict[str, str]] = {
        "ListObjectsV2": "ListBucketResult",
        "ListObjects": "ListBucketResult",
        "ListBuckets": "ListAllMyBucketsResult",
        "CreateMultipartUpload": "InitiateMultipartUploadResult",
        "CompleteMultipartUpload": "CompleteMultipartUploadResult",
        "ListParts": "ListPartsResult",
        "ListMultipartUploads": "ListMultipartUploadsResult",
        "DeleteObjects": "DeleteResult",
        "GetObjectTagging": "Tagging",
        "GetBucketTagging": "Tagging",
    }

    def check_input(self, operation: Any, params: dict[str, Any]) -> None:
        check_enum_values(operation.input_shape, params)
