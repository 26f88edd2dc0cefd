"""``docker push`` of a ~200 MB image to irisops' registry vs ``cp`` of the same layer
files on the same disk.

The image is built once FROM the local base image with layers of random data (nothing
compresses or dedups them). Each round wipes the server (``POST /_irisops/reset``: no
blob is already there), recreates the repository and pushes with the real docker CLI;
then, back to back after a ``sync``, it copies the pushed layer files (the compressed
blobs, read from irisops' blob store) with ``cp`` and with ``cp`` + fsync, and uploads
the same files again through the registry protocol with curl (monolithic uploads: the
registry's side of a push without docker's gzip in front of it) and to the trivial
responder (what curl and loopback manage at all). The server's
CPU time and the docker engine's (dockerd, which gzips every layer as it sends it)
during the push show which of the two sets the pace.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import servers
from bench.console import error_text, log
from bench.signing import client

REPOSITORY = "bench/push"
TIMEOUT_S = 900
LAYER_MB_MAX = 50
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Settings:
    size_mb: int
    repeats: int
    work_dir: Path


def base_image() -> str | None:
    if name := os.environ.get("IRISOPS_BASE_IMAGE", "").strip():
        return name
    recorded = ROOT / ".irisops" / "base-image"
    if recorded.is_file() and (words := recorded.read_text().split()):
        return words[0]
    return None


def docker(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> str:
    proc = subprocess.run(
        ["docker", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
        env=env,
        input=stdin,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"docker {args[0]} failed: {(proc.stderr or proc.stdout).strip()}")
    return proc.stdout


def build_image(base: str, context: Path, tag: str, size_mb: int) -> None:
    layers = max(1, -(-size_mb // LAYER_MB_MAX))
    per_layer = size_mb // layers
    lines = ["ARG BASE_IMAGE", "FROM ${BASE_IMAGE}"]
    for n in range(layers):
        lines.append(
            f"RUN python -c \"import os; open('/bench-{n}.bin', 'wb')"
            f'.write(os.urandom({per_layer} * 1024 * 1024))"'
        )
    context.mkdir(parents=True, exist_ok=True)
    (context / "Dockerfile").write_text("\n".join(lines) + "\n")
    docker("build", "-q", "--build-arg", f"BASE_IMAGE={base}", "-t", tag, str(context))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dockerd_pid() -> int | None:
    """The local docker engine's pid (for its CPU time), None when it is not local."""
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() == "dockerd":
                return int(comm.parent.name)
    return None


def reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/_irisops/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=120) as resp:
        resp.read()


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def time_cp(files: list[Path], target: Path, *, fsync: bool) -> float:
    target.mkdir(parents=True, exist_ok=True)
    os.sync()
    started = time.perf_counter()
    subprocess.run(["cp", *map(str, files), str(target)], check=True)
    if fsync:
        for path in target.iterdir():
            fsync_path(path)
        fsync_path(target)
    elapsed = time.perf_counter() - started
    shutil.rmtree(target)
    return elapsed


def curl(*args: str, stdin: Path | None = None) -> str:
    with open(stdin or os.devnull, "rb") as source:
        proc = subprocess.run(
            ["curl", "--silent", "--show-error", "--noproxy", "*", "-H", "Expect:", *args],
            stdin=source,
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"curl failed: {proc.stderr.decode().strip()}")
    return proc.stdout.decode()


def upload_blobs(url: str, auth: str, layers: list[tuple[str, Path]]) -> float:
    """Each file as a monolithic upload (``POST ...?digest=`` with the file as the body:
    streamed, hashed, verified, fsynced and renamed like docker's PATCH and PUT), one
    curl per file as for the trivial responder; returns the seconds all of it took."""
    os.sync()
    started = time.perf_counter()
    for digest, path in layers:
        # ``-T -`` (from stdin, sent chunked as docker sends its PATCH): with ``-T FILE``
        # curl appends the file name to a URL ending in "/" (``.../uploads/``).
        status = curl(
            "-H",
            f"Authorization: Basic {auth}",
            "-X",
            "POST",
            "-T",
            "-",
            "-o",
            os.devnull,
            "-w",
            "%{http_code}",
            f"{url}/v2/{REPOSITORY}/blobs/uploads/?digest={digest}",
            stdin=path,
        )
        if status.strip() != "201":
            raise RuntimeError(f"uploading {digest} answered HTTP {status}")
    return time.perf_counter() - started


def trivial_upload(url: str, files: list[Path]) -> float:
    """The same files PATCHed with curl to the trivial responder: what client and
    loopback manage at all."""
    os.sync()
    started = time.perf_counter()
    for path in files:
        curl("-X", "PATCH", "-T", str(path), "-o", os.devnull, f"{url}/sink")
    return time.perf_counter() - started


def layer_files(url: str, auth: str, data_dir: Path, tag: str) -> list[tuple[str, Path]]:
    request = urllib.request.Request(
        f"{url}/v2/{REPOSITORY}/manifests/{tag}",
        headers={
            "Authorization": f"Basic {auth}",
            "Accept": "application/vnd.docker.distribution.manifest.v2+json",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as resp:
        manifest = json.load(resp)
    out = []
    for layer in manifest["layers"]:
        hex_ = layer["digest"].partition(":")[2]
        out.append((layer["digest"], data_dir / "ecr" / "blobs" / "sha256" / hex_[:2] / hex_))
    return out


def run(settings: Settings) -> dict[str, Any]:
    base = base_image()
    if base is None:
        return {"error": "no base image recorded (.irisops/base-image or IRISOPS_BASE_IMAGE)"}
    if not shutil.which("docker") or not shutil.which("curl"):
        return {"error": "docker and curl are both needed"}
    work = settings.work_dir
    work.mkdir(parents=True, exist_ok=True)
    image = f"irisops-bench/push-{uuid.uuid4().hex[:8]}:latest"
    env = {**os.environ, "DOCKER_CONFIG": str(work / "docker-config")}
    seconds: dict[str, list[float]] = {
        "docker_push": [],
        "cp": [],
        "cp_fsync": [],
        "registry_upload": [],
        "trivial_upload": [],
    }
    server_cpu: list[float] = []
    engine_cpu: list[float] = []
    engine = dockerd_pid()
    pushed_bytes = 0
    tags: list[str] = []
    try:
        log(f"docker push: building a {settings.size_mb} MB image FROM {base}")
        build_image(base, work / "context", image, settings.size_mb)
        data_dir = work / "irisops-ecr"
        with (
            servers.irisops(data_dir, ["ecr"]) as running,
            servers.trivial_responder() as trivial,
        ):
            ecr = client("ecr", running.url)
            token = ecr.get_authorization_token()["authorizationData"][0]
            auth = token["authorizationToken"]
            host = token["proxyEndpoint"].removeprefix("http://")
            password = base64.b64decode(auth).decode().partition(":")[2]
            docker("login", "-u", "AWS", "--password-stdin", host, env=env, stdin=password)
            for round_no in range(settings.repeats):
                log(f"docker push: round {round_no + 1} of {settings.repeats}")
                reset(running.url)
                ecr.create_repository(repositoryName=REPOSITORY)
                tag = f"{host}/{REPOSITORY}:round-{round_no}"
                docker("tag", image, tag)
                tags.append(tag)
                os.sync()
                cpu_before = cpu_seconds(running.pid)
                engine_before = cpu_seconds(engine) if engine else 0.0
                started = time.perf_counter()
                docker("push", tag, env=env)
                seconds["docker_push"].append(time.perf_counter() - started)
                server_cpu.append(cpu_seconds(running.pid) - cpu_before)
                if engine:
                    engine_cpu.append(cpu_seconds(engine) - engine_before)
                layers = layer_files(running.url, auth, data_dir, f"round-{round_no}")
                pushed_bytes = sum(path.stat().st_size for _, path in layers)
                files = [path for _, path in layers]
                # Untimed: the first copy after a push pays for the push's writeback.
                time_cp(files, work / "cp-target", fsync=False)
                seconds["cp"].append(time_cp(files, work / "cp-target", fsync=False))
                seconds["cp_fsync"].append(time_cp(files, work / "cp-target", fsync=True))
                seconds["registry_upload"].append(upload_blobs(running.url, auth, layers))
                seconds["trivial_upload"].append(trivial_upload(trivial.url, files))
    except Exception as exc:
        log(f"docker push: failed: {error_text(exc)}")
        return {"error": error_text(exc)}
    finally:
        with contextlib.suppress(Exception):
            docker("rmi", "-f", image, *tags)
    return {
        "size_bytes": pushed_bytes,
        "image_mb": settings.size_mb,
        "repeats": settings.repeats,
        "seconds": seconds,
        "server_cpu_seconds": server_cpu,
        "engine_cpu_seconds": engine_cpu,
        "client": "docker CLI (push); cp; curl for the registry upload of the same blobs",
    }
