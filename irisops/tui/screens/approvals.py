"""Approvals: CodePipeline manual approvals waiting for a decision; approve or reject
the selected one (PutApprovalResult)."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from irisops.tui.data.approvals import PendingApproval, decide, pending_approvals
from irisops.tui.data.timing import duration
from irisops.tui.handoff import hand_to_app
from irisops.tui.widgets.pane import LivePane
from irisops.tui.widgets.resource_table import ResourceTable

COLUMNS = ["Pipeline", "Stage", "Action", "Execution", "Waiting"]
DEFAULT_SUMMARY = "decided in irisops tui"


class ApprovalsPane(LivePane):
    topic = "approvals"

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-notice")
        yield ResourceTable(COLUMNS, "no approval waiting", id="approval-table")
        with Horizontal(id="approval-buttons"):
            yield Input(placeholder="summary (optional)", id="approval-summary")
            yield Button("Approve", id="approve", variant="success")
            yield Button("Reject", id="reject", variant="error")
        yield Static("", id="approval-result")

    def on_mount(self) -> None:
        self.pending: dict[str, PendingApproval] = {}

    def fetch(self) -> list[PendingApproval]:
        return pending_approvals(self.aws)

    def show(self, data: list[PendingApproval]) -> None:
        self.pending = {a.key: a for a in data}
        self.query_one(ResourceTable).set_rows(
            (
                a.key,
                [a.pipeline, a.stage, a.action, a.execution_id[:8], duration(a.since, None)],
            )
            for a in data
        )

    @on(Button.Pressed, "#approve")
    def _approve(self) -> None:
        self.action_decide(True)

    @on(Button.Pressed, "#reject")
    def _reject(self) -> None:
        self.action_decide(False)

    def action_decide(self, approve: bool) -> None:
        approval = self.pending.get(self.query_one(ResourceTable).selected_key or "")
        result = self.query_one("#approval-result", Static)
        if approval is None:
            result.update("select a waiting approval first")
            return
        summary = self.query_one("#approval-summary", Input).value or DEFAULT_SUMMARY
        result.update(f"{'approving' if approve else 'rejecting'} {approval.pipeline}…")
        self._decide(approval, approve, summary)

    @work(thread=True, exit_on_error=False, group="approval")
    def _decide(self, approval: PendingApproval, approve: bool, summary: str) -> None:
        try:
            decide(self.aws, approval, approve, summary)
            message = (
                f"{'approved' if approve else 'rejected'}: {approval.pipeline} / {approval.stage}"
            )
        except Exception as exc:  # the server's answer, shown as is
            message = f"cannot decide: {exc}"
        hand_to_app(self.app, self._decided, message)

    def _decided(self, message: str) -> None:
        self.query_one("#approval-result", Static).update(Text(message))
        self.request_refresh()
