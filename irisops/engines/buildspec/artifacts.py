"""Selecting a build's artifact files (buildspec ``artifacts``) and zipping them.

Patterns are relative to ``base-directory`` (itself relative to the source dir); ``**``
matches any number of directories, ``*`` and ``?`` stay inside one path segment, as in
CodeBuild's artifact globs; ``exclude-paths`` takes the same patterns out. With
``discard-paths`` every file lands at the zip root.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

from irisops.engines.buildspec.spec import ArtifactsSpec


class ArtifactError(ValueError):
    """No file matched, or a path left the source dir (``CLIENT_ERROR``)."""


def match_segments(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(match_segments(rest, path[i:]) for i in range(len(path) + 1))
    return bool(path) and fnmatch.fnmatchcase(path[0], head) and match_segments(rest, path[1:])


def _pattern_parts(pattern: str) -> tuple[str, ...]:
    parts = tuple(p for p in PurePosixPath(pattern.strip() or ".").parts if p not in (".", "/"))
    if ".." in parts:
        raise ArtifactError(f"artifact path {pattern!r} leaves the base directory")
    return parts


def select_files(root: Path, spec: ArtifactsSpec) -> list[tuple[Path, str]]:
    """``(file on disk, name in the archive)`` for every file the spec selects, sorted."""
    base = (root / spec.base_directory).resolve() if spec.base_directory else root.resolve()
    if not base.is_relative_to(root.resolve()):
        raise ArtifactError(f"base-directory {spec.base_directory!r} leaves the source directory")
    if not base.is_dir():
        raise ArtifactError(f"base-directory {spec.base_directory!r} does not exist")
    patterns = [_pattern_parts(p) for p in spec.files]
    excluded = [_pattern_parts(p) for p in spec.exclude_paths]
    chosen: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            rel = path.relative_to(base).parts
            if any(_selects(pattern, rel) for pattern in patterns) and not any(
                _selects(pattern, rel) for pattern in excluded
            ):
                name = filename if spec.discard_paths else "/".join(rel)
                chosen.setdefault(name, path)
    if not chosen:
        raise ArtifactError("no matching artifact paths found")
    return sorted((path, name) for name, path in chosen.items())


def _selects(pattern: tuple[str, ...], rel: tuple[str, ...]) -> bool:
    """A glob selects the files it matches; a literal path naming a directory selects
    everything under it."""
    if match_segments(pattern, rel):
        return True
    if any(char in part for part in pattern for char in "*?["):
        return False
    return rel[: len(pattern)] == pattern


def write_zip(files: list[tuple[Path, str]], dest: Path) -> None:
    """Zip ``files`` into ``dest`` keeping each file's permission bits."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in files:
            info = zipfile.ZipInfo.from_file(path, name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with path.open("rb") as handle:
                archive.writestr(info, handle.read())


def extract_zip(archive_path: Path, dest: Path) -> None:
    """Unzip into ``dest`` keeping executable bits (``zipfile`` alone drops them) and
    refusing entries that would land outside ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    with zipfile.ZipFile(archive_path) as archive:
        for info in archive.infolist():
            target = (root / info.filename).resolve()
            if not target.is_relative_to(root):
                raise ArtifactError(f"zip entry {info.filename!r} leaves the source directory")
            archive.extract(info, root)
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                os.chmod(target, mode | stat.S_IRUSR | stat.S_IWUSR)
