"""S3 state survives SIGKILL of the server byte for byte, and keys never become paths."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from irisops.sdk.server import ServerProcess

MIB = 1024 * 1024


def all_files(root: Path) -> list[Path]:
    return [Path(d, f) for d, _, files in os.walk(root) for f in files]


def test_buckets_and_objects_survive_sigkill(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    objects = {
        "plain.txt": b"plain bytes",
        "nested/deep/key.bin": os.urandom(300_000),
        "../../etc/passwd": b"root:x:0:0:root:/root:/bin/bash\n",
        "empty": b"",
    }
    parts = [os.urandom(5 * MIB), os.urandom(1234)]
    first = ServerProcess(data_dir).start()
    try:
        s3 = first.client("s3")
        s3.create_bucket(Bucket="kept-bucket")
        s3.put_bucket_tagging(
            Bucket="kept-bucket", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}
        )
        west = first.client("s3", region_name="eu-west-1")
        west.create_bucket(
            Bucket="kept-west", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        for key, data in objects.items():
            s3.put_object(
                Bucket="kept-bucket",
                Key=key,
                Body=data,
                Metadata={"sha": hashlib.sha256(data).hexdigest()},
                ContentType="application/x-test",
                Tagging="t=1",
            )
        upload_id = s3.create_multipart_upload(Bucket="kept-west", Key="mp")["UploadId"]
        done = []
        for number, data in enumerate(parts, start=1):
            etag = s3.upload_part(
                Bucket="kept-west", Key="mp", UploadId=upload_id, PartNumber=number, Body=data
            )["ETag"]
            done.append({"PartNumber": number, "ETag": etag})
        mp_etag = s3.complete_multipart_upload(
            Bucket="kept-west", Key="mp", UploadId=upload_id, MultipartUpload={"Parts": done}
        )["ETag"]
        pending = s3.create_multipart_upload(Bucket="kept-west", Key="pending")["UploadId"]
        s3.upload_part(
            Bucket="kept-west", Key="pending", UploadId=pending, PartNumber=1, Body=b"part one"
        )
        s3.put_object(Bucket="kept-bucket", Key="overwritten", Body=b"old")
        s3.put_object(Bucket="kept-bucket", Key="overwritten", Body=b"new")
        s3.put_object(Bucket="kept-bucket", Key="deleted", Body=b"gone")
        s3.delete_object(Bucket="kept-bucket", Key="deleted")
    finally:
        first.kill()

    assert [p.name for p in tmp_path.iterdir()] == ["data"]
    assert not [p for p in all_files(tmp_path) if p.name == "passwd" or "etc" in p.parts]

    second = ServerProcess(data_dir).start()
    try:
        s3 = second.client("s3")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["kept-bucket", "kept-west"]
        assert s3.get_bucket_tagging(Bucket="kept-bucket")["TagSet"] == [{"Key": "k", "Value": "v"}]
        assert s3.head_bucket(Bucket="kept-west")["BucketRegion"] == "eu-west-1"
        listed = s3.list_objects_v2(Bucket="kept-bucket")["Contents"]
        assert sorted(o["Key"] for o in listed) == sorted([*objects, "overwritten"])
        for key, data in objects.items():
            got = s3.get_object(Bucket="kept-bucket", Key=key)
            assert got["Body"].read() == data
            assert got["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
            assert got["Metadata"] == {"sha": hashlib.sha256(data).hexdigest()}
            assert got["ContentType"] == "application/x-test"
            assert s3.get_object_tagging(Bucket="kept-bucket", Key=key)["TagSet"] == [
                {"Key": "t", "Value": "1"}
            ]
        assert s3.get_object(Bucket="kept-bucket", Key="overwritten")["Body"].read() == b"new"
        mp = s3.get_object(Bucket="kept-west", Key="mp")
        assert mp["ETag"] == mp_etag and mp["Body"].read() == b"".join(parts)
        uploads = s3.list_multipart_uploads(Bucket="kept-west")["Uploads"]
        assert [(u["Key"], u["UploadId"]) for u in uploads] == [("pending", pending)]
        listed_parts = s3.list_parts(Bucket="kept-west", Key="pending", UploadId=pending)["Parts"]
        assert [(p["PartNumber"], p["Size"]) for p in listed_parts] == [(1, 8)]
        # One file per live object and part: what the kill orphaned (the overwritten and
        # deleted objects' bytes, the completed upload's parts) was swept at start.
        blobs = all_files(data_dir / "s3")
        assert len(blobs) == len(objects) + 1 + 1 + 1
    finally:
        second.stop()
