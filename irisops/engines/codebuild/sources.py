"""DOWNLOAD_SOURCE: putting a build's primary source into CODEBUILD_SRC_DIR.

CODECOMMIT is cloned with the git CLI (as CodeBuild clones its source) from the
server's git endpoint; S3 and CODEPIPELINE sources are zips fetched through the S3
handlers and unzipped; NO_SOURCE leaves the directory empty.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from irisops.core.errors import AwsError
from irisops.engines.buildspec.artifacts import ArtifactError, extract_zip
from irisops.engines.codebuild.plan import BuildPlan
from irisops.services.s3.local_files import get_file

GIT_TIMEOUT_S = 600


class SourceError(Exception):
    """The source could not be fetched (``CLIENT_ERROR`` of DOWNLOAD_SOURCE)."""


def codecommit_repository(location: str) -> str:
    """The repository name of a CodeCommit source location (``.../v1/repos/NAME``)."""
    marker = "/v1/repos/"
    name = location.split(marker, 1)[1] if marker in location else location.rsplit("/", 1)[-1]
    return name.strip("/").removesuffix(".git")


async def _git(
    args: list[str], cwd: Path, env: Mapping[str, str], pgid: int | None
) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        "git",
        *args,
        cwd=str(cwd),
        env={**env, "GIT_TERMINAL_PROMPT": "0"},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        process_group=pgid,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), GIT_TIMEOUT_S)
    return proc.returncode or 0, out.decode("utf-8", "replace").strip()


async def git_checkout(
    clone_url: str,
    source_version: str,
    dest: Path,
    env: Mapping[str, str] | None = None,
    pgid: int | None = None,
) -> str:
    """Clone ``clone_url`` into ``dest`` and check out ``source_version`` (branch,
    ``refs/heads/...``, tag or commit id; empty: the default branch). Returns the full
    commit id checked out; raises :class:`SourceError` with git's own words."""
    env = dict(env if env is not None else os.environ)
    dest.parent.mkdir(parents=True, exist_ok=True)
    code, out = await _git(["clone", "--quiet", clone_url, str(dest)], dest.parent, env, pgid)
    if code != 0:
        detail = out.splitlines()[-1] if out else f"git exited {code}"
        raise SourceError(f"repository not found for primary source: {detail}")
    if source_version:
        name = source_version.removeprefix("refs/heads/").removeprefix("refs/tags/")
        for candidate in (f"refs/remotes/origin/{name}", f"refs/tags/{name}", source_version):
            code, commit = await _git(
                ["rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"], dest, env, pgid
            )
            if code == 0:
                break
        else:
            raise SourceError(
                f"reference not found for primary source and source version {source_version}"
            )
        code, out = await _git(["checkout", "--quiet", "--detach", commit], dest, env, pgid)
        if code != 0:
            raise SourceError(f"git checkout {source_version} failed: {out}")
    code, commit = await _git(["rev-parse", "HEAD"], dest, env, pgid)
    if code != 0:
        raise SourceError(f"git rev-parse HEAD failed: {commit}")
    return commit


async def fetch_zip(s3: Any, account: str, region: str, bucket: str, key: str, dest: Path) -> None:
    """Download an S3 zip and unzip it into ``dest``."""
    archive = dest.parent / f".source-{os.getpid()}-{id(dest)}.zip"
    try:
        await get_file(s3, account, region, bucket, key, archive)
    except AwsError as exc:
        raise SourceError(f"error while downloading key {key}: {exc.code}: {exc.message}") from exc
    try:
        await asyncio.to_thread(extract_zip, archive, dest)
    except (ArtifactError, OSError, ValueError) as exc:
        raise SourceError(f"source s3://{bucket}/{key} is not a usable zip: {exc}") from exc
    finally:
        archive.unlink(missing_ok=True)


def split_s3_location(location: str) -> tuple[str, str]:
    """``bucket/key`` (or ``arn:aws:s3:::bucket/key``) of an S3 source location."""
    location = location.removeprefix("arn:aws:s3:::").removeprefix("s3://")
    bucket, _, key = location.partition("/")
    if not bucket or not key:
        raise SourceError(f"invalid S3 source location {location!r}: expected bucket/key")
    return bucket, key


async def download_source(
    plan: BuildPlan,
    s3: Any,
    env: Mapping[str, str],
    pgid: int | None,
    say: Callable[[str], None],
) -> str | None:
    """Fill ``plan.src_dir``; returns the resolved source version when there is one."""
    plan.src_dir.mkdir(parents=True, exist_ok=True)
    if plan.source_type == "NO_SOURCE":
        return None
    if plan.source_type == "CODECOMMIT":
        url = f"{plan.git_base_url}/v1/repos/{codecommit_repository(plan.source_location)}"
        say(f"Cloning {url}")
        return await git_checkout(url, plan.source_version, plan.src_dir, env, pgid)
    if plan.source_type == "S3":
        bucket, key = split_s3_location(plan.source_location)
        await fetch_zip(s3, plan.account, plan.region, bucket, key, plan.src_dir)
        return None
    if plan.source_type == "CODEPIPELINE":
        if not plan.input_artifacts:
            raise SourceError("no input artifact for a CODEPIPELINE source")
        bucket, key = plan.input_artifacts[0]
        await fetch_zip(s3, plan.account, plan.region, bucket, key, plan.src_dir)
        return None
    raise SourceError(f"source type {plan.source_type} is not supported by irisops")
