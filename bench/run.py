"""Run irisops' benchmarks and print ratios against baselines measured in the same run.

    .venv/bin/python bench/run.py [--quick] [--only NAME[,NAME...]] [--profile]

Entries: s3-head-object, iam-get-role, sts-get-caller-identity (cheap calls, irisops vs
moto's server, with a load-generator ceiling check), s3-64mb (PUT/GET vs moto and cp),
git-push (a 1,000-file push to irisops vs to a bare repository over file://),
docker-push (docker push of a ~200 MB image vs cp of its layer files) and push-to-image
(git push -> pipeline -> image in ECR vs docker build + push by hand), invoke-endpoint
(InvokeEndpoint vs a direct POST to the container; CreateEndpoint -> InService vs docker
run + first /ping) and training-job (a SageMaker training job, Create -> Completed, vs a
bare docker run of its container).
Results go to bench/results/bench-<time>.json (and latest.json); the exit status is 1
when any entry failed (a request errored, a server did not start).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import (  # noqa: E402
    cheap_calls,
    cpus,
    docker_push,
    git_push,
    invoke_endpoint,
    push_to_image,
    s3_transfer,
    servers,
    training_job,
)
from bench.console import log  # noqa: E402
from bench.loadgen import LoadGenerator  # noqa: E402
from bench.report import MB, failed, render_report  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
TRANSFER = "s3-64mb"
GIT_PUSH = "git-push"
PUSH = "docker-push"
PUSH_TO_IMAGE = "push-to-image"
INVOKE = "invoke-endpoint"
TRAINING_JOB = "training-job"
ENTRIES = [call.name for call in cheap_calls.CALLS] + [
    TRANSFER,
    GIT_PUSH,
    PUSH,
    PUSH_TO_IMAGE,
    INVOKE,
    TRAINING_JOB,
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s points, 3 transfer repeats")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help=f"run only these entries (repeatable or comma-separated): {', '.join(ENTRIES)}",
    )
    parser.add_argument(
        "--generator",
        choices=["auto", "wrk", "rawgen"],
        default="auto",
        help="load generator (auto: wrk, installed with apt-get as root if missing)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also sample irisops with py-spy under the highest load (bench/results/)",
    )
    parser.add_argument(
        "--no-pin",
        dest="pin",
        action="store_false",
        help="do not confine the load generator to one CPU",
    )
    parser.add_argument("--duration", type=int, help="seconds per measured point")
    parser.add_argument("--repeats", type=int, help="repeats of each 64 MB transfer")
    args = parser.parse_args(argv)
    args.only = [name for item in args.only for name in item.split(",") if name]
    unknown = set(args.only) - set(ENTRIES)
    if unknown:
        parser.error(f"unknown entries {', '.join(sorted(unknown))}; known: {', '.join(ENTRIES)}")
    return args


def conditions(generator: LoadGenerator, duration: int) -> dict[str, str]:
    fsync = "on" if servers.irisops_fsync() else "off (IRISOPS_FSYNC)"
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "irisops": f"irisops serve, one process, fsync {fsync} (default: on), only the "
        "services a call needs",
        "moto": "moto_server (werkzeug, threaded), request log off, objects spooled to disk",
        "load generator": f"{generator.describe()}, {duration} s per point after a warm-up, "
        "every response's status checked",
        "cpus": f"generator confined to CPU {generator.cpu}, servers free on all"
        if generator.cpu is not None
        else "nothing pinned",
        "disk": "irisops' data dirs, moto's spooled objects and the cp copies all under "
        "bench/results/work-* (one file system)",
        "network": "127.0.0.1 only",
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wanted = args.only or ENTRIES
    duration = args.duration or (2 if args.quick else 5)
    repeats = args.repeats or (3 if args.quick else 5)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix="work-", dir=RESULTS_DIR))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results: dict[str, Any] = {"started": stamp, "quick": args.quick}
    profile_dir = RESULTS_DIR / f"profile-{stamp}" if args.profile else None
    try:
        calls = [c for c in cheap_calls.CALLS if c.name in wanted]
        generator = LoadGenerator(args.generator, cpus.generator_cpu() if args.pin else None)
        results["conditions"] = conditions(generator, duration)
        if calls:
            settings = cheap_calls.Settings(
                concurrencies=(1, 32),
                duration_s=duration,
                warmup_s=1,
                work_dir=work_dir,
                profile_dir=profile_dir,
            )
            results["cheap_calls"] = cheap_calls.run(calls, generator, settings)
        if TRANSFER in wanted:
            settings = s3_transfer.Settings(64 * MB, repeats, work_dir / "transfer", profile_dir)
            results["s3_64mb"] = s3_transfer.run(settings)
        if GIT_PUSH in wanted:
            results["git_push"] = git_push.run(git_push.Settings(repeats, work_dir / "git-push"))
        if PUSH in wanted:
            push_settings = docker_push.Settings(
                size_mb=200, repeats=max(1, repeats - 2), work_dir=work_dir / "push"
            )
            results["docker_push"] = docker_push.run(push_settings)
        if PUSH_TO_IMAGE in wanted:
            settings = push_to_image.Settings(repeats, work_dir / "push-to-image")
            results["push_to_image"] = push_to_image.run(settings)
        if INVOKE in wanted:
            settings = invoke_endpoint.Settings(
                concurrencies=(1, 32),
                duration_s=duration,
                warmup_s=1,
                repeats=repeats,
                work_dir=work_dir / "invoke-endpoint",
                profile_dir=profile_dir,
            )
            results["invoke_endpoint"] = invoke_endpoint.run(generator, settings)
        if TRAINING_JOB in wanted:
            settings = training_job.Settings(repeats, work_dir / "training-job")
            results["training_job"] = training_job.run(settings)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    report = render_report(results)
    print(report)
    out = RESULTS_DIR / f"bench-{stamp}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    shutil.copyfile(out, RESULTS_DIR / "latest.json")
    log(f"results written to {out.relative_to(ROOT)}")
    if profile_dir is not None:
        log(f"profiles (py-spy stacks and summaries) in {profile_dir.relative_to(ROOT)}")
    if failed(results):
        log("FAILED: some entries errored (see ERROR lines above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
