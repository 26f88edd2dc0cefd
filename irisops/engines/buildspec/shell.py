"""Running buildspec commands one by one with shell state carried between them.

CodeBuild v0.2 runs every command in the same shell instance: a ``cd`` or an ``export``
in one command holds for the next. Here each command is its own shell process (so one
``exit 1`` fails one command, not the build), started by a small wrapper that restores
the state the previous command left -- exported variables (every assignment is exported,
``set -a``) and the working directory -- and saves it again on exit.

Every process of a build joins one process group led by an idle *anchor* process, so
StopBuild, a timeout or a restarted server can end the whole tree with one ``killpg``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

#: The anchor's command line names the build, so a reconcile after a restart can tell
#: a leftover build group from an unrelated process that reused the id.
ANCHOR_TAG = "irisops-codebuild-anchor"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: How long output of background processes is still read after a command exited.
OUTPUT_GRACE_S = 1.0

WRAPPER = """\
set -a
__irisops_s="$IRISOPS_BUILD_STATE"
if [ -f "$__irisops_s/env.sh" ]; then . "$__irisops_s/env.sh"; fi
. "$IRISOPS_BUILD_STATE/overrides.sh"
__irisops_s="$IRISOPS_BUILD_STATE"
cd "$(cat "$__irisops_s/cwd")" || exit 1
__irisops_save() {
  __irisops_rc=$?
  export -p > "$__irisops_s/env.sh.tmp" && mv -f "$__irisops_s/env.sh.tmp" "$__irisops_s/env.sh"
  env -0 > "$__irisops_s/env.dump.tmp" && mv -f "$__irisops_s/env.dump.tmp" "$__irisops_s/env.dump"
  pwd > "$__irisops_s/cwd.tmp" && mv -f "$__irisops_s/cwd.tmp" "$__irisops_s/cwd"
  exit $__irisops_rc
}
trap __irisops_save EXIT
. "$__irisops_s/command.sh"
"""


async def start_anchor(build_id: str) -> asyncio.subprocess.Process:
    """An idle process leading a new process group that the build's commands join."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import signal; signal.pause()",
        ANCHOR_TAG,
        build_id,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        process_group=0,
    )


def kill_group(pgid: int) -> bool:
    """SIGKILL a build's process group; False when it was already gone."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def is_build_anchor(pid: int, build_id: str) -> bool:
    """Whether ``pid`` is still the anchor of ``build_id`` (Linux ``/proc``)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return ANCHOR_TAG.encode() in argv and build_id.encode() in argv


class BuildShell:
    """The shell state of one build and the way to run a command in it."""

    def __init__(
        self,
        state_dir: Path,
        shell: str,
        env: Mapping[str, str],
        cwd: Path,
        pgid: int,
        on_output: Callable[[str], None],
        launcher: list[str] | None = None,
    ) -> None:
        """``env`` is the commands' environment, written as the state the first command
        restores. ``launcher`` (``docker exec ... CONTAINER``) runs the shell elsewhere
        than on the host; the launcher itself then gets the server's environment."""
        self.state_dir = state_dir
        self.shell = shell
        self.launcher = launcher or []
        state = {"IRISOPS_BUILD_STATE": str(state_dir)}
        self.process_env = {**os.environ, **state} if launcher else {**env, **state}
        self.pgid = pgid
        self.on_output = on_output
        state_dir.mkdir(parents=True, exist_ok=True)
        (state_dir / "wrapper.sh").write_text(WRAPPER)
        (state_dir / "cwd").write_text(f"{cwd}\n")
        exports = "".join(
            f"export {name}={_quote(value)}\n" for name, value in env.items() if _NAME.match(name)
        )
        (state_dir / "env.sh").write_text(exports)

    async def run(self, command: str, overrides: Mapping[str, str]) -> int:
        """Run one command; its exit status (negative: killed by that signal)."""
        (self.state_dir / "command.sh").write_text(command + "\n")
        lines = "".join(f"export {name}={_quote(value)}\n" for name, value in overrides.items())
        (self.state_dir / "overrides.sh").write_text(lines)
        proc = await asyncio.create_subprocess_exec(
            *self.launcher,
            self.shell,
            str(self.state_dir / "wrapper.sh"),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=self.process_env,
            cwd=str(self.state_dir),
            process_group=self.pgid,
        )
        reader = asyncio.create_task(self._pump(proc.stdout))
        try:
            code = await proc.wait()
        except asyncio.CancelledError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            raise
        finally:
            done, _ = await asyncio.wait({reader}, timeout=OUTPUT_GRACE_S)
            if not done:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
        return code

    async def _pump(self, stream: asyncio.StreamReader | None) -> None:
        assert stream is not None
        while True:
            try:
                line = await stream.readline()
            except ValueError:  # a line longer than the stream limit: take what is there
                line = await stream.read(64 * 1024)
            if not line:
                return
            self.on_output(line.decode("utf-8", "replace").rstrip("\r\n"))

    def variables(self) -> dict[str, str]:
        """The exported variables as the last command left them."""
        try:
            raw = (self.state_dir / "env.dump").read_bytes()
        except FileNotFoundError:
            return {}
        out = {}
        for entry in raw.split(b"\0"):
            name, sep, value = entry.decode("utf-8", "replace").partition("=")
            if sep:
                out[name] = value
        return out


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"
