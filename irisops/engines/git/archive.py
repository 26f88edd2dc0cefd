"""A commit's tree as a ZIP file (files at the root, executable bits and symlinks kept)."""

from __future__ import annotations

import contextlib
import os
import stat
import zipfile
from pathlib import Path

from dulwich.objects import Blob, Commit
from dulwich.repo import Repo

from irisops.core.files import temp_path

GITLINK = 0o160000
#: 1980-01-01, the earliest time a ZIP entry can carry.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def write_zip(repo: Repo, commit: Commit, dest: Path) -> int:
    """Write the tree of ``commit`` to ``dest`` atomically (blocking); returns the number
    of entries. Submodules are left out, as a ZIP of a CodeCommit branch does."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(dest)
    count = 0
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for entry in sorted(repo.object_store.iter_tree_contents(commit.tree)):
                if entry.mode == GITLINK:
                    continue
                blob = repo.object_store[entry.sha]
                assert isinstance(blob, Blob)
                info = zipfile.ZipInfo(entry.path.decode("utf-8", "surrogateescape"), ZIP_EPOCH)
                if stat.S_ISLNK(entry.mode):
                    info.external_attr = (stat.S_IFLNK | 0o777) << 16
                else:
                    perms = 0o755 if entry.mode & 0o111 else 0o644
                    info.external_attr = (stat.S_IFREG | perms) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # unix, so that unzip honours the modes
                archive.writestr(info, blob.as_raw_string())
                count += 1
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return count
