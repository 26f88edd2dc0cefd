"""Confining the load generator to one CPU.

On a small machine a generator left to the scheduler can take CPU the server would use,
and the server's number then depends on how frugal the generator is. Confined to one
CPU (with ``taskset``), the generator can never take more than that CPU; the servers
(irisops, moto, the trivial responder alike) stay free to use every CPU, because pinning
a server to one CPU penalises a threaded server such as moto's (its request threads then
convoy on the GIL).
"""

from __future__ import annotations

import os
import shutil


def generator_cpu() -> int | None:
    """The CPU for the generator: the first this process may use; None where there are
    fewer than two, or no ``taskset`` to confine it with."""
    if not hasattr(os, "sched_getaffinity") or not shutil.which("taskset"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    return cpus[0] if len(cpus) >= 2 else None


def confined(cmd: list[str], cpu: int | None) -> list[str]:
    """``cmd`` run on one CPU (unchanged when cpu is None)."""
    return cmd if cpu is None else ["taskset", "--cpu-list", str(cpu), *cmd]
