"""Buildspec commands share one shell state (cwd, variables) across processes, each
command fails on its own, and one killpg ends everything a build started."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from irisops.engines.buildspec.shell import BuildShell, is_build_anchor, kill_group, start_anchor


@pytest.fixture
async def anchor() -> AsyncIterator[asyncio.subprocess.Process]:
    proc = await start_anchor("proj:test-build")
    try:
        yield proc
    finally:
        kill_group(proc.pid)
        await proc.wait()


def make_shell(tmp_path: Path, pgid: int, shell: str = "/bin/bash") -> tuple[BuildShell, list[str]]:
    out: list[str] = []
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    env = {"PATH": os.environ["PATH"], "GREETING": "hello"}
    return BuildShell(tmp_path / "state", shell, env, src, pgid, out.append), out


@pytest.mark.parametrize("shell", ["/bin/bash", "/bin/sh"])
async def test_state_carries_between_commands(
    tmp_path: Path, anchor: asyncio.subprocess.Process, shell: str
) -> None:
    sh, out = make_shell(tmp_path, anchor.pid, shell)
    assert await sh.run("echo $GREETING from $(basename $PWD)", {}) == 0
    assert await sh.run("mkdir -p sub && cd sub && export FOO=bar && PLAIN=yes", {}) == 0
    assert await sh.run('echo "$(basename $PWD) $FOO $PLAIN"', {}) == 0
    assert await sh.run("echo $SUCCEEDING", {"SUCCEEDING": "0"}) == 0
    assert out == ["hello from src", "sub bar yes", "0"]
    assert sh.variables()["FOO"] == "bar"


async def test_a_failing_command_fails_alone(
    tmp_path: Path, anchor: asyncio.subprocess.Process
) -> None:
    sh, out = make_shell(tmp_path, anchor.pid)
    assert await sh.run("export KEPT=1; exit 3", {}) == 3
    assert await sh.run("false", {}) == 1
    assert await sh.run("echo still here $KEPT", {}) == 0
    assert out == ["still here 1"]


async def test_values_with_quotes_and_newlines_survive(
    tmp_path: Path, anchor: asyncio.subprocess.Process
) -> None:
    sh, out = make_shell(tmp_path, anchor.pid)
    assert await sh.run('export V="it\'s \\"x\\"\nline2"', {}) == 0
    assert await sh.run('printf "%s|" "$V"', {}) == 0
    assert out == ['it\'s "x"', "line2|"]


async def test_killing_the_group_ends_a_running_command(
    tmp_path: Path, anchor: asyncio.subprocess.Process
) -> None:
    sh, _ = make_shell(tmp_path, anchor.pid)
    pid_file = tmp_path / "pid"
    task = asyncio.create_task(sh.run(f"sleep 300 & echo $! > {pid_file}; wait", {}))
    for _ in range(200):
        if pid_file.exists() and pid_file.read_text().strip():
            break
        await asyncio.sleep(0.05)
    sleeper = int(pid_file.read_text())
    assert os.getpgid(sleeper) == anchor.pid
    assert is_build_anchor(anchor.pid, "proj:test-build")
    assert not is_build_anchor(anchor.pid, "proj:other")
    assert kill_group(anchor.pid)
    assert await asyncio.wait_for(task, 10) < 0
    await anchor.wait()
    for _ in range(100):
        if not running(sleeper):
            break
        await asyncio.sleep(0.05)
    assert not running(sleeper)


def running(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for its reaper does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
