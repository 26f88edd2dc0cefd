"""The bench's load generators, replayed requests and profile summaries.

The end-to-end tests drive bench/responder.py (a real process on 127.0.0.1) for one
second with each generator and check that every response was counted.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import rawgen, responder, servers
from bench.loadgen import LoadGenerator, LoadResult, lua_string, parse_result
from bench.profiling import summarize
from bench.signing import ReplayRequest

QUERY_POST = ReplayRequest(
    "POST",
    "http://127.0.0.1:4566/",
    {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Content-Length": "43",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request",
    },
    b"Action=GetRole&RoleName=r&Version=2010-05-08",
)


def result(**overrides: object) -> LoadResult:
    fields: dict = {
        "generator": "wrk",
        "connections": 1,
        "duration_s": 1.0,
        "requests": 10,
        "rps": 10.0,
        "p50_ms": 1.0,
        "p99_ms": 2.0,
        "mean_ms": 1.0,
        "max_ms": 3.0,
        "statuses": {"200": 10},
        "errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0},
    }
    fields.update(overrides)
    return LoadResult(**fields)


# --- replayed requests -------------------------------------------------------------------


def test_replay_request_parts_and_retargeting() -> None:
    request = ReplayRequest("HEAD", "http://127.0.0.1:4566/b/k?versionId=1", {}, b"")
    assert request.origin == "http://127.0.0.1:4566"
    assert request.target == "/b/k?versionId=1"
    moved = request.with_origin("http://127.0.0.1:9999")
    assert moved.url == "http://127.0.0.1:9999/b/k?versionId=1"


def test_wire_headers_keep_the_signed_host_and_leave_length_to_the_sender() -> None:
    headers = QUERY_POST.with_origin("http://127.0.0.1:9999").wire_headers()
    assert "Content-Length" not in headers
    assert headers["Host"] == "127.0.0.1:9999"
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256")


def test_replay_request_json_round_trip_keeps_bytes() -> None:
    request = ReplayRequest("PUT", "http://h/x", {"a": "b"}, bytes(range(256)))
    assert ReplayRequest.from_json(request.to_json()) == request


# --- wrk script and results ----------------------------------------------------------------


def test_lua_string_escapes_quotes_backslashes_and_control_bytes() -> None:
    assert lua_string('a"b\\c') == '"a\\"b\\\\c"'
    assert lua_string("x\r\ny") == '"x\\013\\010y"'
    assert lua_string("\xe9") == '"\\233"'


def test_parse_result_reads_the_marker_line() -> None:
    output = (
        "Running 2s test @ http://127.0.0.1:1\n"
        'BENCH-RESULT {"requests": 2000, "duration_us": 2000000, "p50_us": 500, '
        '"p99_us": 1500, "mean_us": 600.5, "max_us": 9000, "statuses": {"200": 1990, '
        '"503": 10}, "errors": {"connect": 0, "read": 1, "write": 0, "timeout": 0}}\n'
    )
    parsed = parse_result(output, "wrk", 32)
    assert parsed.rps == 1000.0
    assert parsed.p50_ms == 0.5 and parsed.p99_ms == 1.5
    assert parsed.statuses == {"200": 1990, "503": 10}
    assert parsed.failures() == ["10 x HTTP 503", "1 x read error"]


def test_failures_flag_errors_and_empty_runs_but_not_clean_ones() -> None:
    assert result().failures() == []
    assert result(statuses={"200": 5, "404": 1}).failures() == ["1 x HTTP 404"]
    assert "no request completed" in result(requests=0, statuses={}).failures()
    assert result(errors={"timeout": 3}).failures() == ["3 x timeout error"]


# --- parsing helpers of the raw generator and the responder ----------------------------


def test_rawgen_encodes_the_request_with_host_and_length() -> None:
    wire = rawgen.encode(QUERY_POST.to_json())
    head, _, body = wire.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST / HTTP/1.1"
    assert b"Host: 127.0.0.1:4566" in lines
    assert b"Content-Length: 44" in lines  # the real length, not the captured header
    assert body == QUERY_POST.body


def test_response_length_knows_head_and_chunked() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 12"
    assert rawgen.response_length(head, is_head=False) == 12
    assert rawgen.response_length(head, is_head=True) == 0
    assert rawgen.response_length(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", False) is None
    assert responder.content_length(b"PUT /x HTTP/1.1\r\ncontent-length: 7\r\nA: b") == 7


# --- end to end against the trivial responder ------------------------------------------------


def drive(generator: LoadGenerator, request: ReplayRequest) -> LoadResult:
    with servers.trivial_responder() as running:
        return generator.run(request.with_origin(running.url), 4, 1)


def test_rawgen_drives_posts_and_heads_and_counts_every_status() -> None:
    generator = LoadGenerator("rawgen")
    for request in (QUERY_POST, ReplayRequest("HEAD", "http://127.0.0.1:1/b/k", {}, b"")):
        measured = drive(generator, request)
        assert measured.generator == "rawgen"
        assert measured.requests > 100
        assert measured.statuses == {"200": measured.requests}
        assert measured.failures() == []
        assert 0 < measured.p50_ms <= measured.p99_ms <= measured.max_ms


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_script_replays_the_request_and_counts_every_status() -> None:
    generator = LoadGenerator("wrk")
    measured = drive(generator, QUERY_POST)
    assert measured.generator == "wrk"
    assert measured.requests > 100
    assert measured.statuses == {"200": measured.requests}


# --- profiles ----------------------------------------------------------------------------------


def test_summarize_counts_self_and_inclusive_shares_and_leaves_out_waiting() -> None:
    stacks = [
        "main (app.py:1);handle (gw.py:10);parse (gw.py:20) 30",
        "main (app.py:1);handle (gw.py:11);respond (gw.py:30) 10",
        "main (app.py:1);handle (gw.py:12) 10",
        "Thread.run (threading.py:1);_worker (concurrent/futures/thread.py:81) 50",
    ]
    text = summarize(stacks)
    assert text.startswith("50 samples on CPU (50 more of threads waiting, left out)")
    self_part, rest = text.split("self by file:")
    by_file, inclusive_part = rest.split("inclusive:")
    assert " 60.0%  parse (gw.py)" in self_part
    assert " 20.0%  handle (gw.py)" in self_part
    assert "100.0%  gw.py" in by_file
    assert "100.0%  handle (gw.py)" in inclusive_part
    assert "_worker" not in text
