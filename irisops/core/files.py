"""Crash-safe files: written under a temporary name, fsynced, then renamed into place.

A reader never sees a partial file, and a file whose rename returned survives a SIGKILL
of the server (and, with fsync on, a power loss).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

TMP_PREFIX = ".tmp-"


def temp_path(final: Path) -> Path:
    return final.with_name(f"{TMP_PREFIX}{final.name}.{secrets.token_hex(6)}")


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit_file(tmp: Path, final: Path, *, fsync: bool = True) -> None:
    """Rename a fully written temporary file into place (its data already fsynced)."""
    os.replace(tmp, final)
    if fsync:
        fsync_dir(final.parent)


def atomic_write(final: Path, data: bytes, *, fsync: bool = True) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(final)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        commit_file(tmp, final, fsync=fsync)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def remove_temp_files(root: Path) -> int:
    """Delete leftovers of writes interrupted by a crash; returns how many."""
    removed = 0
    if not root.exists():
        return 0
    for path in root.rglob(f"{TMP_PREFIX}*"):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed
