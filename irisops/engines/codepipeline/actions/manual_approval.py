"""Approval / Manual: wait for PutApprovalResult with the action's token.

The token is recorded before the action is reported waiting; PutApprovalResult records
the decision on the action's row (so a decision survives a restart) and then wakes the
waiting action. After a restart the action waits again on the same token.
"""

from __future__ import annotations

import uuid

from irisops.engines.codepipeline.actions.base import ActionContext, ActionFailed, ActionOutcome


class ManualApproval:
    #: A stop that waits for running actions does not wait for a person.
    abandon_on_stop = True

    async def run(self, ctx: ActionContext) -> ActionOutcome:
        token = str(uuid.uuid4())
        decision = ctx.supervisor.approvals.expect(ctx.action_id)
        await ctx.journal.update_action(ctx.action_id, token=token)
        return self._outcome(*await decision)

    async def resume(self, ctx: ActionContext) -> ActionOutcome:
        # Expect the decision before reading the row: one taken in between is not lost.
        decision = ctx.supervisor.approvals.expect(ctx.action_id)
        row = ctx.supervisor.store.read_one(
            "SELECT token, approval_status, approval_summary "
            "FROM codepipeline_action_executions WHERE id = ?",
            (ctx.action_id,),
        )
        assert row is not None
        if row["approval_status"]:
            decision.cancel()
            return self._outcome(row["approval_status"], row["approval_summary"] or "")
        if not row["token"]:
            await ctx.journal.update_action(ctx.action_id, token=str(uuid.uuid4()))
        return self._outcome(*await decision)

    def _outcome(self, status: str, summary: str) -> ActionOutcome:
        if status == "Approved":
            return ActionOutcome(summary=summary or "Approved")
        raise ActionFailed("JobFailed", summary or "Rejected")
