"""Bare repositories on disk, one directory per repository id.

A repository is created in a temporary directory and renamed into place, and removed by
renaming it into ``trash/`` first, so a crash never leaves a half-made repository under
its final name. :meth:`RepositoryFiles.sweep` runs at start: it empties the trash,
removes directories no database row names and clears what an interrupted write left in
each repository (lock files, temporary packs, a pack without its index).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path

from dulwich.repo import Repo

from irisops.core.files import fsync_dir

log = logging.getLogger("irisops.git")

SUFFIX = ".git"


class RepositoryFiles:
    def __init__(self, root: Path, *, fsync: bool = True) -> None:
        self.root = root
        self.fsync = fsync
        self.trash = root / "trash"

    def path(self, repository_id: str) -> Path:
        return self.root / f"{repository_id}{SUFFIX}"

    def open(self, repository_id: str) -> Repo:
        return Repo(str(self.path(repository_id)))

    def create(self, repository_id: str) -> Path:
        """Initialise an empty bare repository (blocking)."""
        final = self.path(repository_id)
        staging = self.root / f"staging-{secrets.token_hex(6)}"
        staging.mkdir(parents=True)
        try:
            repo = Repo.init_bare(str(staging), default_branch=b"main")
            config = repo.get_config()
            config.set((b"core",), b"fsyncObjectFiles", self.fsync)
            config.set((b"receive",), b"denyNonFastForwards", False)
            config.write_to_path()
            repo.close()
            os.replace(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if self.fsync:
            fsync_dir(self.root)
        return final

    def remove(self, repository_id: str) -> None:
        """Delete a repository's files (blocking)."""
        path = self.path(repository_id)
        if not path.exists():
            return
        self.trash.mkdir(parents=True, exist_ok=True)
        doomed = self.trash / f"{repository_id}-{secrets.token_hex(4)}"
        os.replace(path, doomed)
        shutil.rmtree(doomed, ignore_errors=True)

    def remove_all(self) -> None:
        for child in list(self.root.iterdir()) if self.root.exists() else []:
            if child.name.endswith(SUFFIX):
                self.remove(child.name.removesuffix(SUFFIX))
        shutil.rmtree(self.trash, ignore_errors=True)

    def sweep(self, known_ids: Iterable[str]) -> None:
        """Clean up after a crash (blocking); see the module docstring."""
        known = set(known_ids)
        shutil.rmtree(self.trash, ignore_errors=True)
        if not self.root.exists():
            return
        for child in self.root.iterdir():
            if child.name.startswith("staging-"):
                shutil.rmtree(child, ignore_errors=True)
            elif child.name.endswith(SUFFIX):
                if child.name.removesuffix(SUFFIX) not in known:
                    log.info("removing repository files no record names: %s", child.name)
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    clear_interrupted_writes(child)


def clear_interrupted_writes(path: Path) -> int:
    """Remove what a killed write leaves in a bare repository; returns how many files.

    dulwich writes refs and loose objects through ``<name>.lock`` files renamed into
    place, receives packs into ``objects/tmp_pack_*`` and moves a finished pack in before
    its index. Refs change only after the objects they name are complete, so removing
    these leftovers loses nothing that was acknowledged.
    """
    removed = 0
    objects = path / "objects"
    leftovers = [p for p in path.rglob("*.lock") if p.is_file()]
    leftovers += list(objects.glob("tmp_pack_*"))
    pack_dir = objects / "pack"
    if pack_dir.exists():
        leftovers += [p for p in pack_dir.glob("tmp*") if p.is_file()]
        leftovers += [p for p in pack_dir.glob("*.pack") if not p.with_suffix(".idx").exists()]
    for leftover in leftovers:
        try:
            leftover.unlink()
            removed += 1
        except OSError:
            log.warning("could not remove %s", leftover)
    if removed:
        log.info("cleared %d leftovers of interrupted writes in %s", removed, path.name)
    return removed
