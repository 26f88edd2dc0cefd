"""S3 on the local file store: buckets, objects, multipart uploads."""

from __future__ import annotations

from typing import ClassVar

from irisops.services.s3.bucket_listings import BucketListings
from irisops.services.s3.buckets import BucketOperations
from irisops.services.s3.multipart import MultipartOperations
from irisops.services.s3.objects import ObjectOperations


class S3Service(BucketOperations, ObjectOperations, MultipartOperations, BucketListings):
    """The S3 API: one handler per operation, grouped by what it works on."""

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
        "GetBucketLocation": "LocationConstraint",
    }
