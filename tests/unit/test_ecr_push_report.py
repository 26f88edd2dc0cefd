"""The docker-push bench entry's report: rates, ratios against cp, targets, errors."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import push_report
from bench.report import MB, evaluate_targets, failed, render_report


def push_entry() -> dict:
    return {
        "size_bytes": 200 * MB,
        "image_mb": 200,
        "repeats": 3,
        "client": "docker CLI",
        "server_cpu_seconds": [1.0, 1.2, 1.1],
        "engine_cpu_seconds": [9.0, 8.0, 10.0],
        "seconds": {
            "docker_push": [5.0, 4.0, 6.0],
            "registry_upload": [0.5, 0.5, 0.5],
            "trivial_upload": [0.2, 0.2, 0.2],
            "cp": [0.4, 0.4, 0.4],
            "cp_fsync": [0.8, 0.8, 0.8],
        },
    }


def test_rates_and_ratios_against_cp() -> None:
    rates = push_report.push_rates(push_entry())
    assert rates["docker_push"] == 40.0 and rates["cp"] == 500.0
    rows = {row[0]: row for row in push_report.push_rows(push_entry())}
    assert rows["docker push to irisops"][1:4] == ["40", "0.08x", "0.16x"]
    assert rows["docker push to irisops"][4:] == ["1.10", "9.00"]
    assert rows["same blobs, curl upload"][2] == "0.80x"


def test_targets_and_report() -> None:
    results = {"docker_push": push_entry()}
    targets = [
        t for t in evaluate_targets(results) if "docker push" in t.name or "registry" in t.name
    ]
    assert [(t.verdict, round(t.measured or 0, 2)) for t in targets] == [
        ("FAIL", 0.08),
        ("PASS", 0.8),
    ]
    assert "dockerd 9.0 CPU s" in targets[0].note
    text = render_report(results)
    assert "docker push of a 200 MB image" in text and "same blobs, curl to trivial" in text
    assert not failed(results)


def test_an_errored_entry_fails_the_run() -> None:
    results = {"docker_push": {"error": "RuntimeError: docker push failed"}}
    assert failed(results)
    assert "docker push: ERROR RuntimeError" in render_report(results)
    assert {t.verdict for t in evaluate_targets(results)} == {"SKIP"}
