"""Safe extraction of model.tar.gz: what a training job packs is unpacked; absolute
paths, ``..`` escapes, links and devices are refused and nothing is left behind."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from irisops.engines.sagemaker.model_data import (
    ModelDataUnavailable,
    UnsafeModelData,
    parse_s3_url,
    safe_extract,
)


def archive(tmp_path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    path = tmp_path / "model.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return path


def entry(name: str, type: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = type
    info.linkname = linkname
    info.mode = 0o644
    return info


def test_extracts_a_training_jobs_model(tmp_path: Path) -> None:
    model = json.dumps({"type": "nearest-centroid"}).encode()
    path = archive(
        tmp_path,
        [(entry("model.json"), model), (entry("extra", tarfile.DIRTYPE), None),
         (entry("extra/notes.txt"), b"hi")],
    )  # fmt: skip
    dest = tmp_path / "out"
    names = safe_extract(path, dest)
    assert sorted(names) == ["extra", "extra/notes.txt", "model.json"]
    assert (dest / "model.json").read_bytes() == model
    assert (dest / "extra" / "notes.txt").read_text() == "hi"


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ((entry("/etc/passwd"), b"x"), "absolute path"),
        ((entry("../../escape.txt"), b"x"), "escapes"),
        ((entry("a/../../escape.txt"), b"x"), "escapes"),
        ((entry("link", tarfile.SYMTYPE, "/etc/passwd"), None), "is a link"),
        ((entry("hard", tarfile.LNKTYPE, "model.json"), None), "is a link"),
        ((entry("dev", tarfile.CHRTYPE), None), "device"),
        ((entry("fifo", tarfile.FIFOTYPE), None), "device"),
    ],
)
def test_refuses_unsafe_entries(
    tmp_path: Path, bad: tuple[tarfile.TarInfo, bytes | None], reason: str
) -> None:
    path = archive(tmp_path, [(entry("model.json"), b"{}"), bad])
    dest = tmp_path / "out"
    with pytest.raises(UnsafeModelData) as err:
        safe_extract(path, dest)
    assert reason in str(err.value)
    assert list(dest.iterdir()) == []
    assert not (tmp_path / "escape.txt").exists()


def test_refuses_what_is_not_a_tarball(tmp_path: Path) -> None:
    path = tmp_path / "model.tar.gz"
    path.write_bytes(b"not a tar at all")
    with pytest.raises(UnsafeModelData) as err:
        safe_extract(path, tmp_path / "out")
    assert "not a readable tar.gz" in str(err.value)


def test_s3_urls() -> None:
    assert parse_s3_url("s3://bucket/a/b/model.tar.gz") == ("bucket", "a/b/model.tar.gz")
    for url in ("https://x/y", "s3://bucket", "s3:///key"):
        with pytest.raises(ModelDataUnavailable):
            parse_s3_url(url)
