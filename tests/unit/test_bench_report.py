"""The bench's arithmetic and report: percentiles, ratios, targets, tables."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import report
from bench.report import (
    MB,
    Target,
    evaluate_targets,
    failed,
    median,
    percentile,
    ratio,
    render_report,
    render_table,
    transfer_rates,
)


def load_point(rps: float, p50: float = 1.0, p99: float = 2.0, **extra: float) -> dict:
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, **extra}


def cheap_entry(iris32: float, moto32: float, ceiling32: float = 50_000) -> dict:
    return {
        "irisops": {"1": load_point(1000, 0.5, 1.0), "32": load_point(iris32, 8.0, 12.0)},
        "moto": {"1": load_point(300, 2.0, 5.0), "32": load_point(moto32, 80.0, 200.0)},
        "ceiling": {"1": load_point(20_000), "32": load_point(ceiling32)},
    }


def transfer(**seconds: list[float]) -> dict:
    return {
        "size_bytes": 64 * MB,
        "repeats": 3,
        "client": "curl",
        "errors": {},
        "seconds": seconds,
    }


# --- percentile, median, ratio ---------------------------------------------------------


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0]  # unsorted on purpose
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 25) == pytest.approx(1.75)


def test_p99_of_a_hundred_values_sits_between_the_top_two() -> None:
    values = list(range(1, 101))
    assert percentile(values, 99) == pytest.approx(99.01)


def test_percentile_of_one_value_is_that_value() -> None:
    assert percentile([7.5], 99) == 7.5


def test_percentile_refuses_no_values_and_out_of_range_q() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_median_of_odd_and_even_counts() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([1.0, 2.0, 3.0, 10.0]) == 2.5


def test_ratio_is_none_when_a_side_is_missing_or_zero() -> None:
    assert ratio(6.0, 2.0) == 3.0
    assert ratio(None, 2.0) is None
    assert ratio(6.0, None) is None
    assert ratio(6.0, 0) is None


# --- transfers -------------------------------------------------------------------------


def test_transfer_rates_are_median_megabytes_per_second() -> None:
    rates = transfer_rates(transfer(cp=[0.5, 0.1, 0.2], irisops_put=[1.0], moto_put=[]))
    assert rates["cp"] == pytest.approx(64 / 0.2)
    assert rates["irisops_put"] == pytest.approx(64.0)
    assert "moto_put" not in rates  # nothing measured: no rate, not zero


def test_transfer_rows_put_ratios_first() -> None:
    rows = report.transfer_rows(
        transfer(cp=[0.1], cp_fsync=[0.4], irisops_put=[0.2], moto_put=[0.8], trivial_put=[0.05])
    )
    put = rows[0]
    assert put[:4] == ["PUT", "4.00x", "0.50x", "2.00x"]
    assert rows[1][1] == "n/a"  # no GET measured


# --- targets ---------------------------------------------------------------------------


def test_cheap_call_target_passes_at_three_times_moto_and_fails_below() -> None:
    results = {
        "cheap_calls": {
            "iam-get-role": cheap_entry(iris32=3000, moto32=1000),
            "sts-get-caller-identity": cheap_entry(iris32=2999, moto32=1000),
        }
    }
    verdicts = {t.name.split()[0]: (t.verdict, t.measured) for t in evaluate_targets(results)}
    assert verdicts["iam-get-role"] == ("PASS", 3.0)
    assert verdicts["sts-get-caller-identity"][0] == "FAIL"


def test_a_server_that_errored_makes_its_target_skip_with_the_reason() -> None:
    entry = cheap_entry(3000, 1000)
    entry["irisops"] = {"error": "RuntimeError: irisops serve did not become ready"}
    (target,) = evaluate_targets({"cheap_calls": {"s3-head-object": entry}})
    assert target.verdict == "SKIP"
    assert "did not become ready" in target.note


def test_transfer_targets_against_moto_and_cp() -> None:
    results = {
        "s3_64mb": transfer(
            cp=[0.1],
            cp_fsync=[0.3],
            irisops_put=[0.25],  # 0.4x cp: exactly the threshold
            moto_put=[0.4],  # 1.6x moto: below 2x
            irisops_get=[0.05],
            moto_get=[0.1],
        )
    }
    verdicts = {t.name: t.verdict for t in evaluate_targets(results)}
    assert verdicts == {
        "S3 64 MB PUT MB/s vs moto": "FAIL",
        "S3 64 MB PUT MB/s vs cp": "PASS",
        "S3 64 MB GET MB/s vs moto": "PASS",
        "S3 64 MB GET MB/s vs cp": "PASS",
    }


def test_target_verdicts() -> None:
    assert Target("t", 2.0, 2.0).verdict == "PASS"
    assert Target("t", 2.0, 1.99).verdict == "FAIL"
    assert Target("t", 2.0, None).verdict == "SKIP"


# --- generator check -------------------------------------------------------------------


def test_generator_check_compares_the_ceiling_with_the_fastest_server() -> None:
    cheap = {"iam-get-role": cheap_entry(iris32=4000, moto32=400, ceiling32=10_000)}
    rows = {row[1]: row for row in report.generator_rows(cheap)}
    assert rows["32"][2:4] == ["2.50x", "OK"]
    cheap = {"iam-get-role": cheap_entry(iris32=4000, moto32=400, ceiling32=6_000)}
    rows = {row[1]: row for row in report.generator_rows(cheap)}
    assert rows["32"][2] == "1.50x"
    assert rows["32"][3].startswith("TOO LOW")


# --- rendering -------------------------------------------------------------------------


def test_render_table_aligns_columns() -> None:
    table = render_table(["name", "n"], [["a", "1"], ["long name", "100"]])
    lines = table.splitlines()
    assert lines[0] == "name         n"
    assert lines[1] == "---------  ---"
    assert lines[2] == "a            1"
    assert lines[3] == "long name  100"


def test_report_shows_ratios_errors_and_targets() -> None:
    entry = cheap_entry(iris32=3300, moto32=1100)
    broken = cheap_entry(1, 1)
    broken["irisops"] = {"error": "LoadError: 12 x HTTP 500"}
    results = {
        "conditions": {"irisops": "fsync on"},
        "cheap_calls": {"iam-get-role": entry, "s3-head-object": broken},
        "s3_64mb": transfer(cp=[0.1], irisops_put=[0.2], moto_put=[0.8]),
    }
    text = render_report(results)
    assert "irisops: fsync on" in text
    assert "3.00x" in text  # 3300 / 1100 at 32 clients
    assert "ERROR s3-head-object irisops: LoadError: 12 x HTTP 500" in text
    assert "PASS" in text and "SKIP" in text
    assert failed(results)


def test_a_clean_run_has_not_failed() -> None:
    results = {"cheap_calls": {"iam-get-role": cheap_entry(3000, 1000)}, "s3_64mb": transfer()}
    assert not failed(results)


# --- git push --------------------------------------------------------------------------


def git_push(irisops: list[float], file: list[float], **extra: str) -> dict:
    return {
        "files": 1000,
        "repeats": len(irisops),
        "seconds": {"irisops": irisops, "file": file},
        **extra,
    }


def test_git_push_target_is_a_time_ratio_at_most_two() -> None:
    (target,) = evaluate_targets({"git_push": git_push([0.3, 0.5, 0.4], [0.2, 0.2, 0.25])})
    assert target.at_most and target.measured == pytest.approx(2.0)
    assert target.verdict == "PASS"
    (slow,) = evaluate_targets({"git_push": git_push([0.9], [0.3])})
    assert slow.verdict == "FAIL"
    text = render_report({"git_push": git_push([0.3], [0.2])})
    assert "1.50x" in text and "<= 2x" in text


def test_a_git_push_error_fails_the_run() -> None:
    results = {"git_push": git_push([], [], error="RuntimeError: boom")}
    assert failed(results)
    assert "git push: ERROR RuntimeError: boom" in render_report(results)
    (target,) = evaluate_targets(results)
    assert target.verdict == "SKIP" and target.note == "RuntimeError: boom"
