"""Artifact selection (globs, base-directory, discard-paths) and the zips built from it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from irisops.engines.buildspec.artifacts import (
    ArtifactError,
    extract_zip,
    match_segments,
    select_files,
    write_zip,
)
from irisops.engines.buildspec.spec import ArtifactsSpec


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for rel in ("README.md", "dist/app.py", "dist/lib/util.py", "dist/lib/deep/data.csv", "x.log"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel)
    (tmp_path / "dist" / "app.py").chmod(0o755)
    return tmp_path


def names(root: Path, **kwargs: object) -> list[str]:
    return [name for _, name in select_files(root, ArtifactsSpec(**kwargs))]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        (("**", "*"), ("a",), True),
        (("**", "*"), ("a", "b", "c"), True),
        (("**", "*.py"), ("a", "b.py"), True),
        (("**", "*.py"), ("a", "b.txt"), False),
        (("*",), ("a", "b"), False),
        (("a", "**"), ("a", "b", "c"), True),
        (("a", "?.txt"), ("a", "b.txt"), True),
    ],
)
def test_segment_matching(pattern: tuple[str, ...], path: tuple[str, ...], expected: bool) -> None:
    assert match_segments(pattern, path) is expected


def test_everything(tree: Path) -> None:
    assert names(tree, files=["**/*"]) == [
        "README.md",
        "dist/app.py",
        "dist/lib/deep/data.csv",
        "dist/lib/util.py",
        "x.log",
    ]


def test_top_level_star_and_base_directory(tree: Path) -> None:
    assert names(tree, files=["*"]) == ["README.md", "x.log"]
    assert names(tree, files=["**/*.py"], base_directory="dist") == ["app.py", "lib/util.py"]


def test_directory_pattern_takes_its_tree(tree: Path) -> None:
    assert names(tree, files=["dist/lib"]) == ["dist/lib/deep/data.csv", "dist/lib/util.py"]


def test_discard_paths(tree: Path) -> None:
    assert names(tree, files=["dist/**/*"], discard_paths=True) == [
        "app.py",
        "data.csv",
        "util.py",
    ]


def test_exclude_paths(tree: Path) -> None:
    assert names(tree, files=["**/*"], exclude_paths=["**/*.py", "*.log"]) == [
        "README.md",
        "dist/lib/deep/data.csv",
    ]


def test_nothing_matches(tree: Path) -> None:
    with pytest.raises(ArtifactError, match="no matching artifact paths found"):
        select_files(tree, ArtifactsSpec(files=["*.jar"]))


def test_paths_may_not_leave_the_source(tree: Path) -> None:
    with pytest.raises(ArtifactError, match="leaves"):
        select_files(tree, ArtifactsSpec(files=["*"], base_directory="../"))
    with pytest.raises(ArtifactError, match="leaves"):
        select_files(tree, ArtifactsSpec(files=["../*"]))


def test_zip_round_trip_keeps_modes(tree: Path, tmp_path: Path) -> None:
    files = select_files(tree, ArtifactsSpec(files=["**/*"], base_directory="dist"))
    archive = tmp_path / "out" / "a.zip"
    write_zip(files, archive)
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == ["app.py", "lib/deep/data.csv", "lib/util.py"]
        assert zf.read("lib/util.py") == b"dist/lib/util.py"
    dest = tmp_path / "unzipped"
    extract_zip(archive, dest)
    assert (dest / "app.py").stat().st_mode & 0o111
    assert not (dest / "lib" / "util.py").stat().st_mode & 0o111


def test_extract_refuses_zip_slip(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escape.txt", "x")
    with pytest.raises(ArtifactError, match="leaves"):
        extract_zip(archive, tmp_path / "dest")
    assert not (tmp_path / "escape.txt").exists()
