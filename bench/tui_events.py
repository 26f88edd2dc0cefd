"""The dashboard's event-processing rate: events/s the app absorbs while staying
responsive, against the raw read rate of the same stream by a plain client, measured
back to back in the same run.

A replay server (its own process, so it never shares a GIL with the app) serves
``/_irisops/events`` as irisops does: the banner, then N events of the mix a busy
server produces (log appends, build and job state changes, image pushes, endpoint
invocation statistics) as fast as the socket takes them. The baseline is a plain
``http.client`` reader counting the events (banner to last event). The dashboard runs
headless (``App.run_test``) with the replay server as its event stream and a real
``irisops serve`` for the boto3 re-reads the events cause; its rate is banner to the
N-th event counted by its inbox. While the burst lasts, a 20 ms timer on the app's
loop records its worst stall and keys are sent (as a terminal sends them) to switch
panes: the key latency is the time until the pane is the active one.

Run it on its own: ``.venv/bin/python -m bench.tui_events [--events N] [--repeats R]``.
Targets: the app absorbs ≥ 25% of the plain reader's rate (it shares one GIL with
the UI; a real server publishes far fewer events than either); no stall of its loop
over 250 ms; a key switches the pane within 250 ms (median).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.console import log  # noqa: E402
from bench.servers import free_port  # noqa: E402
from irisops.sdk.server import ServerProcess  # noqa: E402

RAW_TARGET = 0.25
STALL_TARGET_MS = 250.0
KEY_TARGET_MS = 250.0
KEYS = ["2", "3", "4", "1"]
#: A busy person: a pane switch every half second.
KEY_EVERY_S = 0.5


def event(seq: int) -> dict[str, Any]:
    kind = seq % 10
    base = {"seq": seq, "time": "2026-12-01T00:00:00+00:00", "account": "123456789012",
            "region": "us-east-1", "resource": f"arn:aws:bench:::{seq}"}  # fmt: skip
    if kind < 6:
        detail = {"group": "/aws/codebuild/bench", "stream": f"s{seq % 7}", "count": 3}
        return {**base, "type": "logs.EventsAppended", "service": "logs", "detail": detail}
    if kind < 8:
        return {**base, "type": "codebuild.BuildStateChanged", "service": "codebuild",
                "detail": {"buildId": f"bench:{seq}", "projectName": "bench",
                           "buildStatus": "IN_PROGRESS", "currentPhase": "BUILD"}}  # fmt: skip
    if kind == 8:
        stats = {"EndpointName": "bench", "Invocations": 100, "Errors": 0,
                 "IntervalSeconds": 1.0, "P50Ms": 2.0, "P99Ms": 5.0 + seq % 5}  # fmt: skip
        return {**base, "type": "sagemaker-runtime.EndpointInvocations",
                "service": "sagemaker-runtime", "detail": stats}  # fmt: skip
    return {**base, "type": "sagemaker.TrainingJobStateChanged", "service": "sagemaker",
            "detail": {"TrainingJobName": "bench", "TrainingJobStatus": "InProgress",
                       "SecondaryStatus": "Training"}}  # fmt: skip


def serve_replay(port: int, count: int, ready: Any) -> None:
    """The replay server's process: every GET of the stream gets the same N events."""
    from aiohttp import web

    payload = b"".join(
        f"id: {n}\ndata: {json.dumps(event(n))}\n\n".encode() for n in range(1, count + 1)
    )

    async def events(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b": irisops events\n\n")
        view = memoryview(payload)
        try:
            for start in range(0, len(view), 64 * 1024):
                await response.write(view[start : start + 64 * 1024])
            while True:  # then stay open, as the real stream does
                await asyncio.sleep(15)
                await response.write(b": heartbeat\n\n")
        except ConnectionResetError:
            pass  # the reader is done
        return response

    app = web.Application()
    app.router.add_get("/_irisops/events", events)
    ready.set()
    web.run_app(app, host="127.0.0.1", port=port, print=None, handle_signals=True)


def raw_rate(port: int, count: int) -> float:
    """Events/s a plain reader gets, banner to the N-th event: what the socket has
    (``read1``), split into events, each event's JSON parsed; nothing else."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/_irisops/events")
    response = conn.getresponse()
    pending = response.read1(65536)
    while b": irisops events\n\n" not in pending:
        pending += response.read1(65536)
    started = time.perf_counter()
    pending = pending.split(b": irisops events\n\n", 1)[1]
    seen = 0
    while seen < count:
        *blocks, pending = (pending + response.read1(256 * 1024)).split(b"\n\n")
        for block in blocks:
            for line in block.split(b"\n"):
                if line.startswith(b"data:"):
                    json.loads(line[5:])
                    seen += 1
    elapsed = time.perf_counter() - started
    conn.close()
    return count / elapsed


async def app_rate(server_url: str, port: int, count: int) -> dict[str, float]:
    """The dashboard's rate, its worst loop stall and key-to-pane latency."""
    from textual import events

    from irisops.tui.app import IrisOpsApp

    app = IrisOpsApp(server_url, events_url=f"http://127.0.0.1:{port}/_irisops/events")
    stalls: list[float] = []
    last = [time.perf_counter()]

    def probe() -> None:
        now = time.perf_counter()
        stalls.append(now - last[0] - 0.02)
        last[0] = now

    keys: list[float] = []
    async with app.run_test(size=(100, 30)):
        app.set_interval(0.02, probe)
        await asyncio.to_thread(app.feed.connected.wait, 30)
        started = time.perf_counter()
        stalls.clear()
        last[0] = started
        tabs = {"1": "cicd", "2": "registry", "3": "jobs", "4": "endpoints"}
        n = 0
        while app.inbox.total < count:
            key = KEYS[n % len(KEYS)]
            n += 1
            pressed = time.perf_counter()
            # As a terminal sends it: pilot.press would also wait for the app to idle.
            app.post_message(events.Key(key, key))
            while app.active_tab != tabs[key]:  # noqa: ASYNC110 (a reactive, not an event)
                await asyncio.sleep(0.001)
            keys.append(time.perf_counter() - pressed)
            await asyncio.sleep(KEY_EVERY_S)
        elapsed = time.perf_counter() - started
        refreshes = sum(p.refreshes for p in app.panes())
        ticks = app.ticks
    return {
        "events_per_s": count / elapsed,
        "max_stall_ms": max(stalls, default=0.0) * 1000,
        "key_ms_median": statistics.median(keys) * 1000 if keys else 0.0,
        "key_ms_max": max(keys, default=0.0) * 1000,
        "pane_refreshes": refreshes,
        "ticks": ticks,
    }


def run(count: int, repeats: int) -> dict[str, Any]:
    port = free_port()
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    replay = ctx.Process(target=serve_replay, args=(port, count, ready), daemon=True)
    replay.start()
    ready.wait(30)
    time.sleep(0.5)
    server = ServerProcess().start()
    results: dict[str, Any] = {"events": count, "raw": [], "app": []}
    try:
        for round_ in range(repeats):
            results["raw"].append(raw_rate(port, count))
            results["app"].append(asyncio.run(app_rate(server.url, port, count)))
            log(
                f"round {round_ + 1}: raw {results['raw'][-1]:,.0f} ev/s, "
                f"app {results['app'][-1]['events_per_s']:,.0f} ev/s"
            )
    finally:
        server.stop()
        replay.terminate()
        replay.join(10)
    return results


def report(results: dict[str, Any]) -> str:
    raw = statistics.median(results["raw"])
    apps = results["app"]
    app = statistics.median(a["events_per_s"] for a in apps)
    stall = max(a["max_stall_ms"] for a in apps)
    key = statistics.median(a["key_ms_median"] for a in apps)
    ratio = app / raw
    refreshes = statistics.median(a["pane_refreshes"] for a in apps)
    lines = [
        f"tui-events: {results['events']:,} events, median of {len(apps)} rounds",
        f"  plain SSE reader (baseline)  {raw:>10,.0f} events/s",
        f"  dashboard (irisops tui)      {app:>10,.0f} events/s   {ratio:.2f}x the baseline",
        f"  worst loop stall during the bursts {stall:.0f} ms; key to pane {key:.0f} ms "
        f"(median); pane re-reads per burst {refreshes:.0f}",
        f"  {'PASS' if ratio >= RAW_TARGET else 'FAIL'} dashboard rate >= {RAW_TARGET:g}x raw",
        f"  {'PASS' if stall <= STALL_TARGET_MS else 'FAIL'} "
        f"no loop stall over {STALL_TARGET_MS:g} ms",
        f"  {'PASS' if key <= KEY_TARGET_MS else 'FAIL'} key to pane <= {KEY_TARGET_MS:g} ms",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    results = run(args.events, args.repeats)
    print(report(results))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
