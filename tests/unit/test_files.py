from __future__ import annotations

from pathlib import Path

from irisops.core.files import atomic_write, remove_temp_files, temp_path


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "f.bin"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["f.bin"]


def test_leftover_temp_files_are_removed(tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    keep.write_bytes(b"k")
    leftover = temp_path(tmp_path / "a" / "obj")
    leftover.parent.mkdir()
    leftover.write_bytes(b"partial")
    assert remove_temp_files(tmp_path) == 1
    assert not leftover.exists() and keep.exists()
