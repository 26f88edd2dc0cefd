"""Amazon S3, emulated on the data dir: object bytes in files named by random ids, their
metadata in SQLite."""

from irisops.services.s3.service import S3Service

__all__ = ["S3Service"]
