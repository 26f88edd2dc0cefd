"""Turning measurements into ratios, targets and a printed report (pure functions).

Every number the bench reports as a result is a ratio against a baseline measured in the
same run; absolute numbers appear only as context columns.

Shapes read here (what bench/run.py writes as JSON):
  cheap_calls[call] = {"irisops": POINTS, "moto": POINTS, "ceiling": POINTS}, where
      POINTS = {"<clients>": {"rps", "p50_ms", "p99_ms", ...}} or {"error": "..."}
  s3_64mb = {"size_bytes", "repeats", "client", "errors": {server: "..."},
      "seconds": {"cp", "cp_fsync", "irisops_put", "irisops_get", "moto_put", "moto_get",
                  "trivial_put", "trivial_get": [seconds, ...]}}
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench import push_report

MB = 1024 * 1024
SERVERS = ("irisops", "moto")

#: Cheap-call target: irisops throughput at this many clients vs moto's.
CHEAP_TARGET_CLIENTS = 32
CHEAP_TARGET_RATIO = 3.0
#: 64 MB transfer targets: vs moto, and vs plain cp on the same disk.
TRANSFER_TARGET_VS_MOTO = 2.0
TRANSFER_TARGET_VS_CP = 0.40
#: irisops may take at most this many times as long as a push over file://.
GIT_PUSH_TARGET_RATIO = 2.0
#: git push -> image in ECR through a pipeline, vs docker build + push by hand.
PUSH_TO_IMAGE_TARGET_RATIO = 1.5
#: The generator must drive the trivial responder at least this much faster than the
#: fastest server it measured, or the servers' numbers may be the generator's limit.
GENERATOR_HEADROOM = 2.0


# --- numbers -------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), interpolating linearly between closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator; None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def mb_per_s(size_bytes: int, seconds: float) -> float:
    return size_bytes / MB / seconds


def fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def fmt_number(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An aligned text table: first column left-aligned, the others right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


# --- cheap calls -----------------------------------------------------------------------


def point(entry: dict[str, Any], series: str, clients: int) -> dict[str, Any] | None:
    """One measured point of a call (series: irisops, moto or ceiling), if there is one."""
    points = entry.get(series) or {}
    if "error" in points:
        return None
    return points.get(str(clients))


def _field(p: dict[str, Any] | None, name: str) -> float | None:
    return None if p is None else p.get(name)


def client_counts(entry: dict[str, Any]) -> list[int]:
    counts = {int(c) for s in (*SERVERS, "ceiling") for c in (entry.get(s) or {}) if c.isdigit()}
    return sorted(counts)


def cheap_call_rows(cheap: dict[str, Any]) -> list[list[str]]:
    """Per call and client count: the three ratios, then absolute numbers as context."""
    rows = []
    for call, entry in cheap.items():
        for n in client_counts(entry):
            iris, moto = point(entry, "irisops", n), point(entry, "moto", n)
            rows.append(
                [
                    call,
                    str(n),
                    fmt_ratio(ratio(_field(iris, "rps"), _field(moto, "rps"))),
                    fmt_ratio(ratio(_field(iris, "p50_ms"), _field(moto, "p50_ms"))),
                    fmt_ratio(ratio(_field(iris, "p99_ms"), _field(moto, "p99_ms"))),
                    fmt_number(_field(iris, "rps")),
                    fmt_number(_field(moto, "rps")),
                    fmt_number(_field(iris, "p50_ms"), 2),
                    fmt_number(_field(moto, "p50_ms"), 2),
                    fmt_number(_field(iris, "p99_ms"), 2),
                    fmt_number(_field(moto, "p99_ms"), 2),
                    fmt_number(_field(iris, "server_cpu_cores"), 2),
                    fmt_number(_field(moto, "server_cpu_cores"), 2),
                ]
            )
    return rows


CHEAP_HEADERS = [
    "call",
    "clients",
    "req/s iris/moto",
    "p50 iris/moto",
    "p99 iris/moto",
    "iris req/s",
    "moto req/s",
    "iris p50 ms",
    "moto p50 ms",
    "iris p99 ms",
    "moto p99 ms",
    "iris CPU",
    "moto CPU",
]


def cheap_call_errors(cheap: dict[str, Any]) -> list[str]:
    return [
        f"{call} {series}: {entry[series]['error']}"
        for call, entry in cheap.items()
        for series in (*SERVERS, "ceiling")
        if "error" in (entry.get(series) or {})
    ]


def generator_rows(cheap: dict[str, Any]) -> list[list[str]]:
    """Per call and client count: the generator's ceiling over the fastest server, and
    how busy the generator was while driving that server."""
    rows = []
    for call, entry in cheap.items():
        for n in client_counts(entry):
            ceiling = point(entry, "ceiling", n)
            measured = [p for s in SERVERS if (p := point(entry, s, n)) is not None]
            fastest = max(measured, key=lambda p: p["rps"], default=None)
            headroom = ratio(_field(ceiling, "rps"), _field(fastest, "rps"))
            rows.append(
                [
                    call,
                    str(n),
                    fmt_ratio(headroom),
                    generator_verdict(headroom),
                    str((ceiling or fastest or {}).get("generator", "n/a")),
                    fmt_number(_field(ceiling, "rps")),
                    fmt_number(_field(fastest, "rps")),
                    fmt_number((fastest or {}).get("generator_cpu_cores"), 2),
                ]
            )
    return rows


def generator_verdict(headroom: float | None) -> str:
    if headroom is None:
        return "n/a"
    return "OK" if headroom >= GENERATOR_HEADROOM else f"TOO LOW (<{GENERATOR_HEADROOM:g}x)"


GENERATOR_HEADERS = [
    "request",
    "clients",
    "ceiling/fastest",
    "verdict",
    "generator",
    "trivial req/s",
    "fastest server req/s",
    "gen CPU then",
]


# --- 64 MB transfers -------------------------------------------------------------------


def transfer_rates(transfer: dict[str, Any]) -> dict[str, float]:
    """Median MB/s of every series measured (cp, cp_fsync, irisops_put, moto_get, ...)."""
    size = transfer["size_bytes"]
    return {
        name: mb_per_s(size, median(seconds))
        for name, seconds in transfer.get("seconds", {}).items()
        if seconds
    }


def transfer_rows(transfer: dict[str, Any]) -> list[list[str]]:
    rates = transfer_rates(transfer)
    rows = []
    for op in ("put", "get"):
        iris, moto = rates.get(f"irisops_{op}"), rates.get(f"moto_{op}")
        cp, cp_fsync = rates.get("cp"), rates.get("cp_fsync")
        ceiling = rates.get(f"trivial_{op}")
        rows.append(
            [
                op.upper(),
                fmt_ratio(ratio(iris, moto)),
                fmt_ratio(ratio(iris, cp)),
                fmt_ratio(ratio(iris, cp_fsync)),
                fmt_number(iris),
                fmt_number(moto),
                fmt_number(cp),
                fmt_number(cp_fsync),
                fmt_ratio(ratio(iris, ceiling)),
                fmt_number(ceiling),
            ]
        )
    return rows


TRANSFER_HEADERS = [
    "op",
    "iris/moto",
    "iris/cp",
    "iris/(cp+fsync)",
    "iris MB/s",
    "moto MB/s",
    "cp MB/s",
    "cp+fsync MB/s",
    "iris/trivial",
    "trivial MB/s",
]


# --- git push --------------------------------------------------------------------------


def git_push_times(entry: dict[str, Any]) -> dict[str, float]:
    """Median seconds per target kind (``file``, ``irisops``)."""
    return {name: median(times) for name, times in entry.get("seconds", {}).items() if times}


def git_push_rows(entry: dict[str, Any]) -> list[list[str]]:
    times = git_push_times(entry)
    iris, file = times.get("irisops"), times.get("file")
    return [
        [
            f"{entry['files']} files",
            fmt_ratio(ratio(iris, file)),
            fmt_number(iris, 3),
            fmt_number(file, 3),
        ]
    ]


GIT_PUSH_HEADERS = ["push", "iris/file:// time", "irisops s", "file:// s"]


# --- git push to image in ECR ------------------------------------------------------------


def push_to_image_times(entry: dict[str, Any]) -> dict[str, float]:
    """Median seconds per way (``pipeline``, ``manual``)."""
    return {name: median(times) for name, times in entry.get("seconds", {}).items() if times}


def push_to_image_rows(entry: dict[str, Any]) -> list[list[str]]:
    times = push_to_image_times(entry)
    pipeline, manual, login = times.get("pipeline"), times.get("manual"), times.get("manual_login")
    return [
        [
            "iris training image",
            fmt_ratio(ratio(pipeline, manual)),
            fmt_ratio(ratio(pipeline, login)),
            fmt_number(pipeline, 2),
            fmt_number(manual, 2),
            fmt_number(login, 2),
        ]
    ]


PUSH_TO_IMAGE_HEADERS = [
    "image",
    "pipeline/by-hand time",
    "pipeline/by-hand+login",
    "pipeline s",
    "by hand s",
    "by hand+login s",
]


# --- a SageMaker training job ----------------------------------------------------------

TRAINING_JOB_EXTRA_S = 2.0


def training_job_times(entry: dict[str, Any]) -> dict[str, float]:
    """Median seconds per way (``irisops``, ``docker_run``)."""
    return {name: median(times) for name, times in entry.get("seconds", {}).items() if times}


def training_job_rows(entry: dict[str, Any]) -> list[list[str]]:
    times = training_job_times(entry)
    job, bare = times.get("irisops"), times.get("docker_run")
    overhead = None if job is None or bare is None else job - bare
    return [
        [
            "iris training",
            fmt_number(job, 2),
            fmt_number(bare, 2),
            fmt_number(overhead, 2),
            fmt_ratio(ratio(job, bare)),
        ]
    ]


TRAINING_JOB_HEADERS = ["job", "job s", "docker run s", "overhead s", "job/docker run"]


def training_job_target(entry: dict[str, Any]) -> Target:
    """The job's time over (bare docker run + 2 s): at most 1."""
    times = training_job_times(entry)
    bare = times.get("docker_run")
    return Target(
        f"training job time vs bare docker run + {TRAINING_JOB_EXTRA_S:g} s",
        1.0,
        ratio(times.get("irisops"), None if bare is None else bare + TRAINING_JOB_EXTRA_S),
        entry.get("error", ""),
        at_most=True,
    )


# --- targets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    threshold: float
    measured: float | None
    note: str = ""

    #: True when the measured ratio must stay at or below the threshold (a time ratio).
    at_most: bool = False

    @property
    def verdict(self) -> str:
        if self.measured is None:
            return "SKIP"
        if self.at_most:
            return "PASS" if self.measured <= self.threshold else "FAIL"
        return "PASS" if self.measured >= self.threshold else "FAIL"


def _errors_note(errors: dict[str, str], names: Sequence[str]) -> str:
    return "; ".join(f"{n}: {errors[n]}" for n in names if n in errors)


def evaluate_targets(results: dict[str, Any]) -> list[Target]:
    targets = []
    n = CHEAP_TARGET_CLIENTS
    for call, entry in results.get("cheap_calls", {}).items():
        iris, moto = point(entry, "irisops", n), point(entry, "moto", n)
        errors = {s: entry[s]["error"] for s in SERVERS if "error" in (entry.get(s) or {})}
        targets.append(
            Target(
                f"{call} req/s @{n} clients vs moto",
                CHEAP_TARGET_RATIO,
                ratio(_field(iris, "rps"), _field(moto, "rps")),
                _errors_note(errors, SERVERS),
            )
        )
    transfer = results.get("s3_64mb")
    if transfer is not None:
        rates = transfer_rates(transfer) if "size_bytes" in transfer else {}
        errors = transfer.get("errors", {})
        if "error" in transfer:
            errors = {"bench": transfer["error"]}
        for op in ("put", "get"):
            iris = rates.get(f"irisops_{op}")
            for baseline, series, threshold in (
                ("moto", f"moto_{op}", TRANSFER_TARGET_VS_MOTO),
                ("cp", "cp", TRANSFER_TARGET_VS_CP),
            ):
                targets.append(
                    Target(
                        f"S3 64 MB {op.upper()} MB/s vs {baseline}",
                        threshold,
                        ratio(iris, rates.get(series)),
                        _errors_note(errors, ("bench", "irisops", baseline)),
                    )
                )
    push = results.get("git_push")
    if push is not None:
        times = git_push_times(push)
        targets.append(
            Target(
                "git push of 1,000 files, time vs file://",
                GIT_PUSH_TARGET_RATIO,
                ratio(times.get("irisops"), times.get("file")),
                push.get("error", ""),
                at_most=True,
            )
        )
    docker = results.get("docker_push")
    if docker is not None:
        targets += [Target(*target) for target in push_report.push_targets(docker)]
    invoke = results.get("invoke_endpoint")
    if invoke is not None:
        from bench import invoke_report

        targets += [Target(*target) for target in invoke_report.invoke_targets(invoke)]
    to_image = results.get("push_to_image")
    if to_image is not None:
        times = push_to_image_times(to_image)
        targets.append(
            Target(
                "git push to image in ECR, time vs docker build + push by hand",
                PUSH_TO_IMAGE_TARGET_RATIO,
                ratio(times.get("pipeline"), times.get("manual")),
                to_image.get("error", ""),
                at_most=True,
            )
        )
    training = results.get("training_job")
    if training is not None:
        targets.append(training_job_target(training))
    return targets


def target_rows(targets: Sequence[Target]) -> list[list[str]]:
    return [
        [
            t.verdict,
            t.name,
            f"{'<=' if t.at_most else '>='} {t.threshold:g}x",
            fmt_ratio(t.measured),
            t.note,
        ]
        for t in targets
    ]


# --- the whole report ------------------------------------------------------------------


def render_report(results: dict[str, Any]) -> str:
    conditions = results.get("conditions", {})
    out = ["irisops benchmarks: ratios against baselines measured in this run"]
    out += [f"  {key}: {value}" for key, value in conditions.items()]
    cheap = results.get("cheap_calls", {})
    if cheap:
        out += [
            "",
            "Load generator check (same generator and request against a trivial responder):",
            render_table(GENERATOR_HEADERS, generator_rows(cheap)),
            "",
            "Cheap calls (req/s ratio: higher is better for irisops; latency ratios: lower is):",
            render_table(CHEAP_HEADERS, cheap_call_rows(cheap)),
        ]
        out += [f"  ERROR {line}" for line in cheap_call_errors(cheap)]
    transfer = results.get("s3_64mb")
    if transfer:
        out.append("")
        if "error" in transfer:
            out.append(f"S3 64 MB transfers: ERROR {transfer['error']}")
        else:
            out += [
                f"S3 {transfer['size_bytes'] // MB} MB transfers "
                f"(median of {transfer['repeats']}; client: {transfer['client']}; "
                "trivial: the same client against a trivial server that drops PUT bodies "
                "and sendfile()s GETs, i.e. what client and loopback manage at all):",
                render_table(TRANSFER_HEADERS, transfer_rows(transfer)),
            ]
            out += [f"  ERROR {name}: {text}" for name, text in transfer["errors"].items()]
    push = results.get("git_push")
    if push:
        out.append("")
        if "error" in push:
            out.append(f"git push: ERROR {push['error']}")
        else:
            out += [
                f"git push of a {push['files']}-file repository into an empty one "
                f"(median of {push['repeats']}; irisops over smart HTTP vs a local bare "
                "repository over file://; time ratio: lower is better):",
                render_table(GIT_PUSH_HEADERS, git_push_rows(push)),
            ]
    docker = results.get("docker_push")
    if docker:
        out += ["", *push_report.push_section(docker)]
    to_image = results.get("push_to_image")
    if to_image:
        out.append("")
        if "error" in to_image:
            out.append(f"git push to image: ERROR {to_image['error']}")
        else:
            out += [
                f"git push to image in ECR (median of {to_image['repeats']}; CodeCommit -> "
                "CodePipeline -> CodeBuild -> ECR vs the same docker build and docker push "
                "by hand; time ratio: lower is better):",
                render_table(PUSH_TO_IMAGE_HEADERS, push_to_image_rows(to_image)),
            ]
    invoke = results.get("invoke_endpoint")
    if invoke:
        from bench import invoke_report

        out += ["", *invoke_report.invoke_section(invoke)]
    training = results.get("training_job")
    if training:
        out.append("")
        if "error" in training:
            out.append(f"training job: ERROR {training['error']}")
        else:
            out += [
                f"SageMaker training job, CreateTrainingJob -> Completed (median of "
                f"{training['repeats']}) vs a bare docker run of the same container and "
                "/opt/ml layout:",
                render_table(TRAINING_JOB_HEADERS, training_job_rows(training)),
            ]
    targets = evaluate_targets(results)
    if targets:
        out += [
            "",
            "Targets:",
            render_table(["verdict", "target", "needs", "measured", "note"], target_rows(targets)),
        ]
    return "\n".join(out)


def failed(results: dict[str, Any]) -> bool:
    """Whether any entry errored (a bench of errors is no bench: the run exits non-zero)."""
    cheap = results.get("cheap_calls", {})
    transfer = results.get("s3_64mb") or {}
    git = results.get("git_push") or {}
    docker = results.get("docker_push") or {}
    to_image = results.get("push_to_image") or {}
    invoke = results.get("invoke_endpoint") or {}
    training = results.get("training_job") or {}
    return bool(
        invoke.get("error")
        or cheap_call_errors(cheap)
        or transfer.get("error")
        or transfer.get("errors")
        or git.get("error")
        or docker.get("error")
        or to_image.get("error")
        or training.get("error")
    )
