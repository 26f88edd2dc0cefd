"""Sampling a server under load with py-spy, and summing the samples per function.

The profile is taken in its own run after the measured ones, so sampling never distorts
the numbers; py-spy samples without pausing the process (``--nonblocking``): paused, a
waiting thread looks busy to it. Output: the collapsed stacks
(``NAME.txt``, flamegraph input) and ``NAME-summary.txt``, the functions with the most
samples on-CPU (self) and on the stack (inclusive).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

SAMPLE_RATE = 250
TOP = 25
_LINE_NUMBER = re.compile(r":\d+\)$")
#: Leaf frames of threads that are only waiting (py-spy does not always see them idle):
#: a thread-pool worker whose innermost frame is its own loop is waiting for work.
IDLE_LEAVES = frozenset(
    {
        "_worker (concurrent/futures/thread.py)",
        "Condition.wait (threading.py)",
        "Event.wait (threading.py)",
    }
)


def find_py_spy() -> str:
    candidates = [Path(sys.executable).parent / "py-spy", shutil.which("py-spy")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")


def function_of(frame: str) -> str:
    """'handle (irisops/gateway/dispatch.py:57)' -> 'handle (irisops/gateway/dispatch.py)'."""
    return _LINE_NUMBER.sub(")", frame.strip())


def file_of(function: str) -> str:
    """'handle (irisops/gateway/dispatch.py)' -> 'irisops/gateway/dispatch.py'."""
    return function.rpartition(" (")[2].rstrip(")") or function


def summarize(collapsed: Iterable[str], top: int = TOP) -> str:
    """Self and inclusive sample shares per function from py-spy's collapsed stacks,
    leaving out threads that only wait."""
    own: Counter[str] = Counter()
    own_by_file: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = idle = 0
    for line in collapsed:
        stack, _, count_text = line.rstrip("\n").rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [function_of(f) for f in stack.split(";") if f]
        if not frames:
            continue
        if frames[-1] in IDLE_LEAVES:
            idle += count
            continue
        total += count
        own[frames[-1]] += count
        own_by_file[file_of(frames[-1])] += count
        for name in set(frames):
            inclusive[name] += count
    if not total:
        return "no samples"
    out = [f"{total} samples on CPU ({idle} more of threads waiting, left out)"]
    sections = (
        ("self (on CPU in the function itself)", own),
        ("self by file", own_by_file),
        ("inclusive", inclusive),
    )
    for title, counter in sections:
        out.append(f"\n{title}:")
        for name, count in counter.most_common(top):
            out.append(f"  {100 * count / total:5.1f}%  {name}")
    return "\n".join(out)


@contextlib.contextmanager
def profile_process(pid: int, out_prefix: Path) -> Iterator[None]:
    """Sample ``pid`` while the body runs; write the stacks and their summary."""
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    stacks = out_prefix.with_suffix(".txt")
    proc = subprocess.Popen(
        [
            find_py_spy(),
            "record",
            "--pid",
            str(pid),
            "--rate",
            str(SAMPLE_RATE),
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(stacks),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    if not stacks.exists():
        raise RuntimeError(f"py-spy wrote no profile: {err.strip()[-500:]}")
    with stacks.open() as f:
        summary = summarize(f)
    out_prefix.with_name(out_prefix.name + "-summary.txt").write_text(summary + "\n")
