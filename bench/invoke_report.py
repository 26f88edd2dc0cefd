"""The invoke-endpoint entry of the report: InvokeEndpoint through irisops vs a direct
POST to the container, and Create -> InService vs a bare docker run + first /ping.

Shape read (what bench/invoke_endpoint.py returns): ``{"repeats", "invoke": {"<clients>":
{"direct": POINT, "irisops": POINT}}, "seconds": {"create_to_in_service": [...],
"docker_run_to_ping": [...]}}`` or ``{"error": "..."}``.
"""

from __future__ import annotations

from typing import Any

from bench import report as base

#: p50 latency added by the proxy, in milliseconds, at every concurrency.
OVERHEAD_TARGET_MS = 1.0
#: Throughput through irisops vs direct, at every concurrency.
THROUGHPUT_TARGET = 0.70
#: CreateEndpoint -> InService vs docker run + first /ping.
CREATE_TARGET = 1.5

HEADERS = [
    "clients",
    "direct req/s",
    "irisops req/s",
    "ratio",
    "direct p50 ms",
    "irisops p50 ms",
    "p50 overhead ms",
    "irisops CPU",
]


def invoke_rows(entry: dict[str, Any]) -> list[list[str]]:
    rows = []
    for clients, pair in sorted(entry.get("invoke", {}).items(), key=lambda kv: int(kv[0])):
        direct, iris = pair["direct"], pair["irisops"]
        rows.append(
            [
                clients,
                base.fmt_number(direct["rps"]),
                base.fmt_number(iris["rps"]),
                base.fmt_ratio(base.ratio(iris["rps"], direct["rps"])),
                base.fmt_number(direct["p50_ms"], 3),
                base.fmt_number(iris["p50_ms"], 3),
                base.fmt_number(iris["p50_ms"] - direct["p50_ms"], 3),
                base.fmt_number(iris.get("server_cpu_cores"), 2),
            ]
        )
    return rows


def create_times(entry: dict[str, Any]) -> dict[str, float]:
    return {name: base.median(v) for name, v in entry.get("seconds", {}).items() if v}


def invoke_section(entry: dict[str, Any]) -> list[str]:
    if "error" in entry:
        return [f"InvokeEndpoint: ERROR {entry['error']}"]
    times = create_times(entry)
    create, bare = times.get("create_to_in_service"), times.get("docker_run_to_ping")
    return [
        "InvokeEndpoint through irisops vs a direct POST to the container's published port "
        "(same request body, same generator):",
        base.render_table(HEADERS, invoke_rows(entry)),
        f"CreateEndpoint -> InService {base.fmt_number(create, 2)} s vs docker run + first "
        f"/ping {base.fmt_number(bare, 2)} s (median of {entry['repeats']}): "
        f"{base.fmt_ratio(base.ratio(create, bare))}",
    ]


def invoke_targets(entry: dict[str, Any]) -> list[tuple[Any, ...]]:
    """``(name, threshold, measured, note[, at_most])`` of the endpoint targets."""
    note = entry.get("error", "")
    targets: list[tuple[Any, ...]] = []
    for clients in ("1", "32"):
        pair = entry.get("invoke", {}).get(clients)
        overhead = ratio = None
        if pair:
            overhead = pair["irisops"]["p50_ms"] - pair["direct"]["p50_ms"]
            ratio = base.ratio(pair["irisops"]["rps"], pair["direct"]["rps"])
        targets.append(
            (
                f"InvokeEndpoint p50 overhead ms @{clients} (absolute ms, not x)",
                OVERHEAD_TARGET_MS,
                overhead,
                note,
                True,
            )
        )
        targets.append(
            (f"InvokeEndpoint req/s @{clients} vs direct", THROUGHPUT_TARGET, ratio, note)
        )
    times = create_times(entry)
    targets.append(
        (
            "CreateEndpoint -> InService vs docker run + /ping",
            CREATE_TARGET,
            base.ratio(times.get("create_to_in_service"), times.get("docker_run_to_ping")),
            note,
            True,
        )
    )
    return targets
