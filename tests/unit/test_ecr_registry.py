"""Registry storage on a real data dir: digests, streamed uploads verified before they
become blobs, crash leftovers swept, manifest parsing and validation."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from irisops.engines.registry.blobs import BlobStore
from irisops.engines.registry.digests import check_digest, sha256_digest
from irisops.engines.registry.errors import RegistryError
from irisops.engines.registry.manifests import (
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    OCI_INDEX,
    OCI_MANIFEST,
    parse_manifest,
)

OWNER = ("123456789012", "us-east-1", "team/app")


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    store = BlobStore(tmp_path / "ecr", fsync=True)
    store.sweep()
    return store


def test_check_digest_accepts_sha256_only() -> None:
    good = "sha256:" + "a" * 64
    assert check_digest(good) == good
    for bad in (None, "", "sha256:abc", "sha256:" + "A" * 64, "md5:" + "a" * 32, "nodigest"):
        with pytest.raises(RegistryError) as info:
            check_digest(bad)
        assert info.value.code == "DIGEST_INVALID"


async def test_chunked_upload_becomes_a_blob_only_when_complete(blobs: BlobStore) -> None:
    data = [os.urandom(700_000), os.urandom(900_000), os.urandom(5)]
    digest = sha256_digest(b"".join(data))
    upload = blobs.start_upload(OWNER)
    await blobs.append(upload, chunks(data[0]))
    await blobs.append(upload, chunks(data[1], data[2]))
    assert upload.size == sum(len(d) for d in data)
    assert blobs.size(digest) is None  # nothing visible before the PUT
    assert await blobs.complete(upload, digest) == upload.size
    assert blobs.path(digest).read_bytes() == b"".join(data)
    assert blobs.size(digest) == upload.size
    assert files_under(blobs.upload_root) == []
    with pytest.raises(RegistryError) as info:
        blobs.upload(upload.id, OWNER)
    assert info.value.code == "BLOB_UPLOAD_UNKNOWN"


async def test_wrong_digest_leaves_nothing_behind(blobs: BlobStore) -> None:
    upload = blobs.start_upload(OWNER)
    await blobs.append(upload, chunks(b"layer data" * 100_000))
    wrong = sha256_digest(b"something else")
    with pytest.raises(RegistryError) as info:
        await blobs.complete(upload, wrong)
    assert info.value.code == "DIGEST_INVALID"
    assert info.value.status == 400
    assert files_under(blobs.root) == []


async def test_empty_blob_and_duplicate_upload(blobs: BlobStore) -> None:
    empty = sha256_digest(b"")
    upload = blobs.start_upload(OWNER)
    await blobs.complete(upload, empty)
    assert blobs.size(empty) == 0
    again = blobs.start_upload(OWNER)
    await blobs.append(again, chunks(b""))
    await blobs.complete(again, empty)
    assert files_under(blobs.upload_root) == []


async def test_upload_belongs_to_its_repository(blobs: BlobStore) -> None:
    upload = blobs.start_upload(OWNER)
    with pytest.raises(RegistryError) as info:
        blobs.upload(upload.id, (*OWNER[:2], "other"))
    assert info.value.code == "BLOB_UPLOAD_UNKNOWN"
    await blobs.cancel(upload)
    assert files_under(blobs.upload_root) == []


async def test_sweep_removes_interrupted_uploads(tmp_path: Path) -> None:
    first = BlobStore(tmp_path / "ecr", fsync=False)
    first.sweep()
    upload = first.start_upload(OWNER)
    await first.append(upload, chunks(b"half a layer"))
    upload.close()
    done = first.start_upload(OWNER)
    await first.append(done, chunks(b"whole"))
    await first.complete(done, sha256_digest(b"whole"))
    (first.blob_root / ".tmp-leftover").write_bytes(b"x")
    restarted = BlobStore(tmp_path / "ecr", fsync=False)
    assert restarted.sweep() == 2
    assert files_under(restarted.upload_root) == []
    assert restarted.size(sha256_digest(b"whole")) == 5


def descriptor(media_type: str, data: bytes) -> dict[str, object]:
    return {"mediaType": media_type, "digest": sha256_digest(data), "size": len(data)}


def image_manifest(media_type: str = DOCKER_MANIFEST, **extra: object) -> dict[str, object]:
    return {
        "schemaVersion": 2,
        "mediaType": media_type,
        "config": descriptor("application/vnd.docker.container.image.v1+json", b"{}"),
        "layers": [descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", b"l1")],
        **extra,
    }


def test_parse_image_manifests_and_indexes() -> None:
    body = json.dumps(image_manifest()).encode()
    manifest = parse_manifest(body, DOCKER_MANIFEST)
    assert manifest.digest == sha256_digest(body)
    assert manifest.media_type == DOCKER_MANIFEST
    assert [d.digest for d in manifest.blobs] == [sha256_digest(b"{}"), sha256_digest(b"l1")]
    assert manifest.artifact_media_type == "application/vnd.docker.container.image.v1+json"

    oci = dict(image_manifest(OCI_MANIFEST))
    del oci["mediaType"]  # optional in OCI: told by the Content-Type, else by shape
    assert parse_manifest(json.dumps(oci).encode(), OCI_MANIFEST).media_type == OCI_MANIFEST
    assert parse_manifest(json.dumps(oci).encode(), None).media_type == OCI_MANIFEST

    index = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST_LIST,
        "manifests": [descriptor(DOCKER_MANIFEST, body)],
    }
    parsed = parse_manifest(json.dumps(index).encode(), DOCKER_MANIFEST_LIST)
    assert parsed.is_index and parsed.children[0].digest == manifest.digest
    del index["mediaType"]
    assert parse_manifest(json.dumps(index).encode(), "").media_type == OCI_INDEX


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"not json", DOCKER_MANIFEST),
        (b"[1, 2]", DOCKER_MANIFEST),
        (json.dumps({**image_manifest(), "schemaVersion": 1}).encode(), DOCKER_MANIFEST),
        (json.dumps(image_manifest()).encode(), OCI_MANIFEST),  # header vs body
        (json.dumps(image_manifest("application/x-unknown")).encode(), None),
        (json.dumps({**image_manifest(), "layers": "x"}).encode(), None),
        (json.dumps({**image_manifest(), "config": {"mediaType": "a"}}).encode(), None),
        (
            json.dumps(
                {
                    **image_manifest(),
                    "layers": [{"mediaType": "a", "digest": "sha256:1", "size": 1}],
                }
            ).encode(),
            None,
        ),
        (
            json.dumps(
                {**image_manifest(), "layers": [{**descriptor("a", b"x"), "size": -1}]}
            ).encode(),
            None,
        ),
        (json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": {}}).encode(), None),
        (b"{" + b" " * (4 * 1024 * 1024) + b"}", None),
    ],
)
def test_malformed_manifests_are_manifest_invalid(body: bytes, content_type: str | None) -> None:
    with pytest.raises(RegistryError) as info:
        parse_manifest(body, content_type)
    assert info.value.code == "MANIFEST_INVALID"
    assert info.value.status == 400
