"""A model's ``ModelDataUrl`` (an S3 ``model.tar.gz``) fetched and unpacked safely.

SageMaker extracts the archive into ``/opt/ml/model`` before the container starts. The
archive comes from a user, so only regular files and directories that stay inside the
destination are accepted: absolute names, ``..`` escapes, symbolic and hard links,
devices and FIFOs are refused with :class:`UnsafeModelData` and nothing is kept.
"""

from __future__ import annotations

import asyncio
import shutil
import tarfile
from pathlib import Path, PurePosixPath
from typing import Any

from irisops.services.s3.local_files import get_file

MAX_MEMBERS = 100_000


class UnsafeModelData(Exception):
    """The archive cannot be extracted safely; the message says why."""


class ModelDataUnavailable(Exception):
    """The ModelDataUrl names no object this server holds."""


def parse_s3_url(url: str) -> tuple[str, str]:
    if not url.startswith("s3://"):
        raise ModelDataUnavailable(f"{url} is not an s3:// URL")
    bucket, _, key = url[5:].partition("/")
    if not bucket or not key:
        raise ModelDataUnavailable(f"{url} does not name an S3 object")
    return bucket, key


def _checked_member(member: tarfile.TarInfo, dest: Path) -> None:
    name = member.name
    pure = PurePosixPath(name)
    if pure.is_absolute() or name.startswith(("/", "\\")):
        raise UnsafeModelData(f"archive entry {name!r} has an absolute path")
    if ".." in pure.parts:
        raise UnsafeModelData(f"archive entry {name!r} escapes the model directory")
    if member.issym() or member.islnk():
        raise UnsafeModelData(f"archive entry {name!r} is a link ({member.linkname!r})")
    if not (member.isfile() or member.isdir()):
        raise UnsafeModelData(f"archive entry {name!r} is a device, FIFO or special file")
    target = (dest / name).resolve()
    if target != dest and dest not in target.parents:
        raise UnsafeModelData(f"archive entry {name!r} escapes the model directory")


def safe_extract(archive: Path, dest: Path) -> list[str]:
    """Extract ``archive`` (gzip or plain tar) into ``dest``; the names extracted.

    Every entry is checked before anything is written; on failure ``dest`` is left
    empty. File modes are kept but never setuid/setgid, owners are not.
    """
    dest.mkdir(parents=True, exist_ok=True)
    dest = dest.resolve()
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            if len(members) > MAX_MEMBERS:
                raise UnsafeModelData(f"archive has more than {MAX_MEMBERS} entries")
            for member in members:
                _checked_member(member, dest)
            for member in members:
                target = dest / member.name
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                with source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
                target.chmod((member.mode & 0o777) | 0o444)
    except (tarfile.TarError, EOFError, OSError) as exc:
        _empty(dest)
        raise UnsafeModelData(f"model data is not a readable tar.gz archive: {exc}") from exc
    except UnsafeModelData:
        _empty(dest)
        raise
    return [member.name for member in members]


def _empty(dest: Path) -> None:
    for child in dest.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


async def fetch_model_data(
    services: dict[str, Any], account: str, region: str, url: str, dest: Path
) -> None:
    """Copy the ``ModelDataUrl`` object into the file ``dest``."""
    s3 = services.get("s3")
    if s3 is None:
        raise ModelDataUnavailable("S3 is not running on this server")
    bucket, key = parse_s3_url(url)
    try:
        await get_file(s3, account, region, bucket, key, dest)
    except Exception as exc:
        code = getattr(exc, "code", type(exc).__name__)
        raise ModelDataUnavailable(f"Could not download model data from {url}: {code}") from exc


async def extract_model_data(archive: Path, dest: Path) -> list[str]:
    return await asyncio.to_thread(safe_extract, archive, dest)
