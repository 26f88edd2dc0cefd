"""Builds that do not end by themselves: timeoutInMinutes (TIMED_OUT) and a server
killed with SIGKILL mid-build (FAILED on restart, its processes gone)."""

from __future__ import annotations

from pathlib import Path

from irisops.sdk.server import ServerProcess
from tests.integration.codebuild_helpers import (
    create_project,
    log_lines,
    phase_statuses,
    process_gone,
    wait_build,
    wait_log_line,
)

SLEEPER_SPEC = """version: 0.2
phases:
  install:
    commands:
      - echo installing
  build:
    commands:
      - sleep 300 & echo SLEEPER=$! ; wait
"""


def test_timeout_ends_the_build_timed_out(tmp_path: Path) -> None:
    # a minute of timeoutInMinutes lasts 1 s on this server: 5 minutes = 5 s
    env = {"IRISOPS_CODEBUILD_SECONDS_PER_MINUTE": "1"}
    with ServerProcess(tmp_path / "data", env=env) as server:
        cb, logs = server.client("codebuild"), server.client("logs")
        create_project(cb, "slow", SLEEPER_SPEC, timeoutInMinutes=5)
        build_id = cb.start_build(projectName="slow")["build"]["id"]
        build = wait_build(cb, build_id)
        sleeper = next(line for line in log_lines(logs, build) if line.startswith("SLEEPER="))
        pid = int(sleeper.split("=")[1])
        assert build["buildStatus"] == "TIMED_OUT"
        assert build["timeoutInMinutes"] == 5
        build_phase = next(p for p in build["phases"] if p["phaseType"] == "BUILD")
        assert build_phase["phaseStatus"] == "TIMED_OUT"
        assert build_phase["contexts"][0]["statusCode"] == "BUILD_TIMED_OUT"
        assert phase_statuses(build)[-2:] == [("FINALIZING", "SUCCEEDED"), ("COMPLETED", None)]
        assert process_gone(pid)


def test_sigkill_mid_build_is_reconciled_on_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    try:
        cb, logs = server.client("codebuild"), server.client("logs")
        create_project(cb, "interrupted", SLEEPER_SPEC)
        build_id = cb.start_build(projectName="interrupted")["build"]["id"]
        pid = int(wait_log_line(logs, cb, build_id, "SLEEPER=").split("=")[1])
        server.kill()
        # nothing ran at shutdown: the build's processes outlive the server
        assert not process_gone(pid, wait_s=0)
        server = ServerProcess(data).start()
        cb, logs = server.client("codebuild"), server.client("logs")
        build = cb.batch_get_builds(ids=[build_id])["builds"][0]
        assert build["buildStatus"] == "FAILED"
        assert build["buildComplete"] is True
        assert build["currentPhase"] == "COMPLETED"
        failed = [p for p in build["phases"] if p.get("phaseStatus") == "FAILED"]
        assert [p["phaseType"] for p in failed] == ["BUILD"]
        assert "restarted" in failed[0]["contexts"][0]["message"]
        assert process_gone(pid)
        # the project and its build count survived: the next build is number 2
        assert cb.start_build(projectName="interrupted")["build"]["buildNumber"] == 2
    finally:
        server.stop()
