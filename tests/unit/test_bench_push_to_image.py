"""The push-to-image bench entry: its pipeline is valid, its report and target."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.push_to_image import pipeline_declaration, touch
from bench.report import evaluate_targets, failed, render_report
from irisops.services.codepipeline.structure import normalized


def entry(pipeline: list[float], manual: list[float], **extra: str) -> dict:
    return {"repeats": len(pipeline), "seconds": {"pipeline": pipeline, "manual": manual}, **extra}


def test_the_bench_pipeline_is_a_valid_declaration() -> None:
    declaration = normalized(pipeline_declaration(), 1, "us-east-1")
    assert [s["name"] for s in declaration["stages"]] == ["Source", "Build"]


def test_touch_replaces_its_own_line_only(tmp_path: Path) -> None:
    (tmp_path / "train").write_text("#!/usr/bin/env python3\nprint(1)\n")
    touch(tmp_path, "# bench: one")
    touch(tmp_path, "# bench: two")
    assert (tmp_path / "train").read_text() == "#!/usr/bin/env python3\nprint(1)\n# bench: two\n"


def test_target_is_a_time_ratio_at_most_one_and_a_half() -> None:
    (target,) = evaluate_targets({"push_to_image": entry([3.0, 2.6, 2.8], [2.0, 2.1, 1.9])})
    assert target.at_most and target.measured == pytest.approx(1.4)
    assert target.verdict == "PASS"
    (slow,) = evaluate_targets({"push_to_image": entry([4.0], [2.0])})
    assert slow.verdict == "FAIL"
    text = render_report({"push_to_image": entry([3.0], [2.0])})
    assert "1.50x" in text and "<= 1.5x" in text


def test_an_error_fails_the_run() -> None:
    results = {"push_to_image": entry([], [], error="RuntimeError: no docker")}
    assert failed(results)
    assert "git push to image: ERROR RuntimeError: no docker" in render_report(results)
    (target,) = evaluate_targets(results)
    assert target.verdict == "SKIP"
