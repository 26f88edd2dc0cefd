"""Who may be in which stage: CodePipeline's execution modes.

SUPERSEDED (the default): a stage holds one execution at a time. An execution that
finished a stage leaves it and waits in the transition until the next stage is free; a
newer execution arriving at the same transition replaces an older one waiting there,
which ends Superseded (CP:concepts-how-it-works). QUEUED: waiting executions enter in the order
they arrived. PARALLEL: no stage is ever locked.

State is in memory: after a restart the resumed executions enter their current stage
again, in execution order.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass
class _Waiter:
    seq: int
    execution_id: str
    future: asyncio.Future[bool]


@dataclass
class _Stage:
    holder: str | None = None
    waiters: list[_Waiter] = field(default_factory=list)


class StageGates:
    def __init__(self) -> None:
        self._stages: dict[tuple[int, str], _Stage] = {}

    async def enter(
        self, pipeline_id: int, stage: str, execution_id: str, seq: int, mode: str
    ) -> bool:
        """Wait until ``stage`` is free for this execution; False when superseded."""
        if mode == "PARALLEL":
            return True
        gate = self._stages.setdefault((pipeline_id, stage), _Stage())
        if gate.holder in (None, execution_id):
            gate.holder = execution_id
            return True
        waiter = _Waiter(seq, execution_id, asyncio.get_running_loop().create_future())
        if mode == "SUPERSEDED":
            for other in list(gate.waiters):
                loser = other if other.seq < seq else waiter
                if loser is other:
                    gate.waiters.remove(other)
                    if not other.future.done():
                        other.future.set_result(False)
                else:
                    return False
        gate.waiters.append(waiter)
        gate.waiters.sort(key=lambda w: w.seq)
        try:
            return await waiter.future
        finally:
            if waiter in gate.waiters:
                gate.waiters.remove(waiter)

    def release(self, pipeline_id: int, stage: str, execution_id: str) -> None:
        gate = self._stages.get((pipeline_id, stage))
        if gate is None or gate.holder != execution_id:
            return
        gate.holder = None
        while gate.waiters:
            nxt = gate.waiters.pop(0)
            if not nxt.future.done():
                gate.holder = nxt.execution_id
                nxt.future.set_result(True)
                return
        self._stages.pop((pipeline_id, stage), None)

    def release_all(self, pipeline_id: int, execution_id: str) -> None:
        for (pid, stage), gate in list(self._stages.items()):
            if pid != pipeline_id:
                continue
            for waiter in list(gate.waiters):
                if waiter.execution_id == execution_id and not waiter.future.done():
                    waiter.future.cancel()
            self.release(pid, stage, execution_id)

    def waiting(self, pipeline_id: int, stage: str) -> list[str]:
        """Executions waiting in the transition into ``stage``, oldest first."""
        gate = self._stages.get((pipeline_id, stage))
        return [w.execution_id for w in gate.waiters if not w.future.done()] if gate else []

    def holder(self, pipeline_id: int, stage: str) -> str | None:
        gate = self._stages.get((pipeline_id, stage))
        return gate.holder if gate else None

    def forget_pipeline(self, pipeline_id: int) -> None:
        for key in [k for k in self._stages if k[0] == pipeline_id]:
            for waiter in self._stages[key].waiters:
                if not waiter.future.done():
                    waiter.future.cancel()
            del self._stages[key]
