"""ECR across SIGKILL: pushed images, tags and blobs are all there after a restart; an
upload the kill interrupted (mid-PATCH, over raw HTTP) is gone, never a blob."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from irisops.sdk.server import ServerProcess
from tests.integration.ecr_wire import Registry, digest_of

MIB = 1024 * 1024


def wait_for_bytes(path: Path, size: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size >= size:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never reached {size} bytes")


def test_kill_mid_chunked_upload_keeps_only_complete_images(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    uploads = data_dir / "ecr" / "uploads"
    first = ServerProcess(data_dir).start()
    try:
        first.client("ecr").create_repository(repositoryName="team/app")
        registry = Registry.login(first)
        token = registry.auth
        digest, manifest = registry.push_image("team/app", "done", b"d")
        start = registry.request("POST", "/v2/team/app/blobs/uploads/")
        location = start.headers["Location"]
        upload_id = start.headers["Docker-Upload-UUID"]
        first_part = os.urandom(MIB)
        assert registry.request("PATCH", location, first_part).status == 202
        # A second PATCH that announces 16 MiB and sends 3: the kill lands mid-body.
        sock = socket.create_connection((registry.host, registry.port), timeout=30)
        head = (
            f"PATCH {location} HTTP/1.1\r\nHost: {registry.host}:{registry.port}\r\n"
            f"Authorization: {token}\r\nContent-Length: {16 * MIB}\r\n\r\n"
        )
        sock.sendall(head.encode())
        interrupted = os.urandom(3 * MIB)
        sock.sendall(interrupted)
        wait_for_bytes(uploads / upload_id, 2 * MIB)
        first.kill()
        sock.close()
    finally:
        first.kill()

    second = ServerProcess(data_dir).start()
    try:
        assert list(uploads.iterdir()) == []
        registry = Registry.login(second)
        assert registry.request("GET", location).error_codes == ["BLOB_UPLOAD_UNKNOWN"]
        partial = digest_of(first_part + interrupted)
        assert registry.request("HEAD", f"/v2/team/app/blobs/{partial}").status == 404
        ecr = second.client("ecr")
        images = ecr.list_images(repositoryName="team/app")["imageIds"]
        assert images == [{"imageDigest": digest, "imageTag": "done"}]
        got = registry.request("GET", "/v2/team/app/manifests/done")
        assert got.body == manifest and got.headers["Docker-Content-Digest"] == digest
        for layer in json.loads(manifest)["layers"]:
            blob = registry.request("GET", f"/v2/team/app/blobs/{layer['digest']}")
            assert digest_of(blob.body) == layer["digest"]
        # The token issued before the kill still logs in: the secret is on disk.
        again = Registry(second.url, (token or "").removeprefix("Basic "))
        assert again.request("GET", "/v2/").status == 200
    finally:
        second.stop()
