"""The ``/v2/`` registry over raw HTTP against a real server: auth challenge, blob
uploads (monolithic, chunked, mount), digest checks, manifests and their validation,
tags and catalog paging, and what DescribeImages sees of it all."""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from irisops.sdk.server import ServerProcess
from tests.integration.ecr_wire import OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, Registry, digest_of

ACCOUNT = "123456789012"


def data_dir(server: ServerProcess) -> Path:
    with urllib.request.urlopen(f"{server.url}/_irisops/health", timeout=30) as resp:
        return Path(json.load(resp)["data_dir"])


def leftovers(server: ServerProcess) -> list[Path]:
    uploads = data_dir(server) / "ecr" / "uploads"
    return sorted(uploads.iterdir()) if uploads.exists() else []


@pytest.fixture
def registry(clean_server: ServerProcess) -> Registry:
    clean_server.client("ecr").create_repository(repositoryName="team/app")
    return Registry.login(clean_server)


def test_version_check_and_auth_challenge(clean_server: ServerProcess) -> None:
    anonymous = Registry(clean_server.url, None).request("GET", "/v2/")
    assert anonymous.status == 401
    assert anonymous.headers["WWW-Authenticate"].startswith('Basic realm="')
    assert anonymous.headers["Docker-Distribution-API-Version"] == "registry/2.0"
    assert anonymous.error_codes == ["UNAUTHORIZED"]
    wrong = Registry.with_password(clean_server.url, "not-a-token").request("GET", "/v2/")
    assert wrong.status == 401 and wrong.error_codes == ["UNAUTHORIZED"]
    good = Registry.login(clean_server).request("GET", "/v2/")
    assert good.status == 200
    assert good.headers["Docker-Distribution-API-Version"] == "registry/2.0"


def test_push_to_missing_repository_is_name_unknown(clean_server: ServerProcess) -> None:
    registry = Registry.login(clean_server)
    reply = registry.request("POST", "/v2/not/created/blobs/uploads/")
    assert reply.status == 404
    assert reply.json()["errors"][0]["code"] == "NAME_UNKNOWN"
    assert reply.json()["errors"][0]["message"] == (
        f"The repository with name 'not/created' does not exist in the registry with id '{ACCOUNT}'"
    )
    assert registry.request("GET", "/v2/INVALID/tags/list").error_codes == ["NAME_INVALID"]


def test_wrong_digest_is_digest_invalid_and_leaves_nothing(
    registry: Registry, clean_server: ServerProcess
) -> None:
    data = os.urandom(300_000)
    wrong = digest_of(b"other content")
    reply = registry.request("POST", f"/v2/team/app/blobs/uploads/?digest={wrong}", data)
    assert reply.status == 400 and reply.error_codes == ["DIGEST_INVALID"]
    for digest in (wrong, digest_of(data)):
        assert registry.request("HEAD", f"/v2/team/app/blobs/{digest}").status == 404
    start = registry.request("POST", "/v2/team/app/blobs/uploads/")
    location = start.headers["Location"]
    assert registry.request("PATCH", location, data).status == 202
    reply = registry.request("PUT", f"{location}?digest={wrong}")
    assert reply.error_codes == ["DIGEST_INVALID"]
    assert registry.request("GET", location).error_codes == ["BLOB_UPLOAD_UNKNOWN"]
    assert leftovers(clean_server) == []
    blob_root = data_dir(clean_server) / "ecr" / "blobs"
    assert [p for p in blob_root.rglob("*") if p.is_file()] == []


def test_chunked_upload_range_and_mount(registry: Registry, clean_server: ServerProcess) -> None:
    parts = [os.urandom(1_500_000), os.urandom(700_001)]
    whole = b"".join(parts)
    digest = digest_of(whole)
    start = registry.request("POST", "/v2/team/app/blobs/uploads/")
    assert start.status == 202
    location = start.headers["Location"]
    uuid = start.headers["Docker-Upload-UUID"]
    assert location.endswith(f"/blobs/uploads/{uuid}") and start.headers["Range"] == "0-0"
    first = registry.request(
        "PATCH", location, parts[0], {"Content-Range": f"0-{len(parts[0]) - 1}"}
    )
    assert first.status == 202 and first.headers["Range"] == f"0-{len(parts[0]) - 1}"
    bad = registry.request("PATCH", location, parts[1], {"Content-Range": "5-10"})
    assert bad.status == 416
    status = registry.request("GET", location)
    assert status.status == 204 and status.headers["Range"] == f"0-{len(parts[0]) - 1}"
    registry.request("PATCH", location, parts[1])
    done = registry.request("PUT", f"{location}?digest={digest}")
    assert done.status == 201
    assert done.headers["Docker-Content-Digest"] == digest
    assert done.headers["Location"] == f"/v2/team/app/blobs/{digest}"
    head = registry.request("HEAD", f"/v2/team/app/blobs/{digest}")
    assert head.status == 200 and int(head.headers["Content-Length"]) == len(whole)
    assert registry.request("GET", f"/v2/team/app/blobs/{digest}").body == whole
    ranged = registry.request(
        "GET", f"/v2/team/app/blobs/{digest}", headers={"Range": "bytes=10-19"}
    )
    assert ranged.status == 206 and ranged.body == whole[10:20]
    assert leftovers(clean_server) == []

    clean_server.client("ecr").create_repository(repositoryName="team/other")
    mounted = registry.request(
        "POST", f"/v2/team/other/blobs/uploads/?mount={digest}&from=team/app"
    )
    assert mounted.status == 201 and mounted.headers["Docker-Content-Digest"] == digest
    unknown = digest_of(b"never pushed")
    fallback = registry.request(
        "POST", f"/v2/team/other/blobs/uploads/?mount={unknown}&from=team/app"
    )
    assert fallback.status == 202 and fallback.headers["Docker-Upload-UUID"]
    assert registry.request("DELETE", fallback.headers["Location"]).status == 204


def test_manifests_validation_and_references(
    registry: Registry, clean_server: ServerProcess
) -> None:
    malformed = registry.request(
        "PUT", "/v2/team/app/manifests/v1", b"{not json", {"Content-Type": OCI_MANIFEST}
    )
    assert malformed.status == 400 and malformed.error_codes == ["MANIFEST_INVALID"]
    config = b'{"architecture": "amd64"}'
    missing: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": digest_of(config), "size": len(config)},
        "layers": [],
    }
    reply = registry.request(
        "PUT",
        "/v2/team/app/manifests/v1",
        json.dumps(missing).encode(),
        {"Content-Type": OCI_MANIFEST},
    )
    assert reply.status == 400 and reply.error_codes == ["MANIFEST_BLOB_UNKNOWN"]
    assert registry.request("GET", "/v2/team/app/manifests/v1").error_codes == ["MANIFEST_UNKNOWN"]

    digest, body = registry.push_image("team/app", "v1", b"a")
    assert digest == digest_of(body)
    for reference in ("v1", digest):
        got = registry.request("GET", f"/v2/team/app/manifests/{reference}")
        assert got.status == 200 and got.body == body
        assert got.headers["Content-Type"] == OCI_MANIFEST
        assert got.headers["Docker-Content-Digest"] == digest
    head = registry.request("HEAD", "/v2/team/app/manifests/v1")
    assert head.status == 200 and int(head.headers["Content-Length"]) == len(body)
    wrong_digest = registry.request(
        "PUT", f"/v2/team/app/manifests/{digest_of(b'x')}", body, {"Content-Type": OCI_MANIFEST}
    )
    assert wrong_digest.error_codes == ["DIGEST_INVALID"]
    bad_tag = registry.request(
        "PUT", "/v2/team/app/manifests/-bad", body, {"Content-Type": OCI_MANIFEST}
    )
    assert bad_tag.error_codes == ["TAG_INVALID"]

    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {"mediaType": OCI_MANIFEST, "digest": digest, "size": len(body)},
                {"mediaType": OCI_MANIFEST, "digest": digest_of(b"nope"), "size": 4},
            ],
        }
    ).encode()
    content_type = {"Content-Type": "application/vnd.oci.image.index.v1+json"}
    reply = registry.request("PUT", "/v2/team/app/manifests/multi", index, content_type)
    assert reply.error_codes == ["MANIFEST_BLOB_UNKNOWN"]

    ecr = clean_server.client("ecr")
    details = ecr.describe_images(repositoryName="team/app")["imageDetails"]
    assert [(d["imageDigest"], d["imageTags"]) for d in details] == [(digest, ["v1"])]
    assert details[0]["imageManifestMediaType"] == OCI_MANIFEST
    assert details[0]["artifactMediaType"] == OCI_CONFIG
    layer = json.loads(body)["layers"][0]
    assert details[0]["imageSizeInBytes"] == layer["size"]
    assert layer["mediaType"] == OCI_LAYER

    assert registry.request("DELETE", f"/v2/team/app/manifests/{digest}").status == 202
    assert registry.request("GET", "/v2/team/app/manifests/v1").error_codes == ["MANIFEST_UNKNOWN"]
    assert ecr.describe_images(repositoryName="team/app")["imageDetails"] == []


def test_tags_and_catalog_paging(registry: Registry, clean_server: ServerProcess) -> None:
    for tag in ("c", "a", "b"):
        registry.push_image("team/app", tag, tag.encode())
    everything = registry.request("GET", "/v2/team/app/tags/list")
    assert everything.json() == {"name": "team/app", "tags": ["a", "b", "c"]}
    first = registry.request("GET", "/v2/team/app/tags/list?n=2")
    assert first.json()["tags"] == ["a", "b"]
    assert first.headers["Link"] == '</v2/team/app/tags/list?n=2&last=b>; rel="next"'
    rest = registry.request("GET", "/v2/team/app/tags/list?n=2&last=b")
    assert rest.json()["tags"] == ["c"] and "Link" not in rest.headers
    clean_server.client("ecr").create_repository(repositoryName="zeta")
    catalog = registry.request("GET", "/v2/_catalog")
    assert catalog.json() == {"repositories": ["team/app", "zeta"]}
    listed = clean_server.client("ecr").list_images(repositoryName="team/app")["imageIds"]
    assert sorted(i["imageTag"] for i in listed) == ["a", "b", "c"]


def test_registry_acts_in_the_tokens_account(clean_server: ServerProcess) -> None:
    other = clean_server.client("ecr", aws_access_key_id="210987654321")
    other.create_repository(repositoryName="theirs")
    token = other.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    theirs = Registry(clean_server.url, token)
    theirs.push_image("theirs", "v1", b"t")
    mine = Registry.login(clean_server)
    assert mine.request("GET", "/v2/theirs/tags/list").error_codes == ["NAME_UNKNOWN"]
    assert [
        d["imageTags"] for d in other.describe_images(repositoryName="theirs")["imageDetails"]
    ] == [["v1"]]


def test_client_leaving_mid_patch_keeps_the_upload_consistent(
    registry: Registry, clean_server: ServerProcess
) -> None:
    data = os.urandom(4 * 1024 * 1024)
    location = registry.request("POST", "/v2/team/app/blobs/uploads/").headers["Location"]
    sock = socket.create_connection((registry.host, registry.port), timeout=30)
    head = (
        f"PATCH {location} HTTP/1.1\r\nHost: {registry.host}\r\n"
        f"Authorization: {registry.auth}\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    sock.sendall(head.encode() + data[: 3 * 1024 * 1024])
    uploads = data_dir(clean_server) / "ecr" / "uploads"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(
        p.stat().st_size >= 2 * 1024 * 1024 for p in uploads.iterdir()
    ):
        time.sleep(0.05)
    sock.close()
    # Resume where the upload's Range says it stands; a 416 means the server was still
    # writing the last batch of the dead request: read the Range again.
    for _ in range(100):
        received = int(registry.request("GET", location).headers["Range"].split("-")[1]) + 1
        assert 0 < received <= 3 * 1024 * 1024
        rest = registry.request(
            "PATCH", location, data[received:], {"Content-Range": f"{received}-{len(data) - 1}"}
        )
        if rest.status != 416:
            break
        time.sleep(0.05)
    assert rest.status == 202, rest.body
    done = registry.request("PUT", f"{location}?digest={digest_of(data)}")
    assert done.status == 201, done.body
    assert registry.request("GET", f"/v2/team/app/blobs/{digest_of(data)}").body == data
