"""The docker push entry of the report: rates, ratios against cp, the targets.

Shape read (what bench/docker_push.py returns): ``{"size_bytes", "image_mb", "repeats",
"client", "server_cpu_seconds": [...], "engine_cpu_seconds": [...], "seconds":
{"docker_push", "cp", "cp_fsync", "registry_upload", "trivial_upload": [seconds, ...]}}`` or
``{"error": "..."}``.
"""

from __future__ import annotations

from typing import Any

from bench import report as base

#: docker push throughput vs cp of the same layer files on the same disk.
PUSH_TARGET_VS_CP = 0.60

HEADERS = ["series", "MB/s", "vs cp", "vs cp+fsync", "irisops CPU s", "dockerd CPU s"]


def push_rates(push: dict[str, Any]) -> dict[str, float]:
    size = push["size_bytes"]
    return {
        name: base.mb_per_s(size, base.median(values))
        for name, values in push.get("seconds", {}).items()
        if values
    }


def push_rows(push: dict[str, Any]) -> list[list[str]]:
    rates = push_rates(push)
    cp, cp_fsync = rates.get("cp"), rates.get("cp_fsync")
    cpu = push.get("server_cpu_seconds") or []
    engine = push.get("engine_cpu_seconds") or []
    rows = []
    for name, label in (
        ("docker_push", "docker push to irisops"),
        ("registry_upload", "same blobs, curl upload"),
        ("trivial_upload", "same blobs, curl to trivial"),
        ("cp", "cp"),
        ("cp_fsync", "cp + fsync"),
    ):
        rate = rates.get(name)
        rows.append(
            [
                label,
                base.fmt_number(rate),
                base.fmt_ratio(base.ratio(rate, cp)),
                base.fmt_ratio(base.ratio(rate, cp_fsync)),
                base.fmt_number(base.median(cpu), 2) if name == "docker_push" and cpu else "",
                base.fmt_number(base.median(engine), 2) if name == "docker_push" and engine else "",
            ]
        )
    return rows


def push_section(push: dict[str, Any]) -> list[str]:
    if "error" in push:
        return [f"docker push: ERROR {push['error']}"]
    return [
        f"docker push of a {push['image_mb']} MB image ({push['size_bytes'] / base.MB:.0f} MB of "
        f"compressed layers; median of {push['repeats']}; {push['client']}):",
        base.render_table(HEADERS, push_rows(push)),
    ]


def push_targets(push: dict[str, Any]) -> list[tuple[str, float, float | None, str]]:
    """``(name, threshold, measured, note)`` of the docker push targets: the push itself,
    and the registry's side of it (the same blobs uploaded without docker's gzip)."""
    names = ("docker push MB/s vs cp", "registry upload of its blobs MB/s vs cp")
    if "error" in push:
        return [(name, PUSH_TARGET_VS_CP, None, push["error"]) for name in names]
    rates = push_rates(push)
    cpu = push.get("server_cpu_seconds") or []
    engine = push.get("engine_cpu_seconds") or []
    note = ""
    if cpu and engine:
        note = (
            f"per push: dockerd {base.median(engine):.1f} CPU s (gzip), "
            f"irisops {base.median(cpu):.1f} CPU s"
        )
    cp = rates.get("cp")
    return [
        (names[0], PUSH_TARGET_VS_CP, base.ratio(rates.get("docker_push"), cp), note),
        (names[1], PUSH_TARGET_VS_CP, base.ratio(rates.get("registry_upload"), cp), ""),
    ]
