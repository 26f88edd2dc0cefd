"""CI/CD: each pipeline's latest executions as Source → Build stages, and the live log
of the selected execution's build."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from irisops.tui.data.cicd import ExecutionRow, build_log, pipeline_executions
from irisops.tui.data.timing import duration
from irisops.tui.handoff import hand_to_app
from irisops.tui.widgets.log_tail import LogTail
from irisops.tui.widgets.pane import LivePane
from irisops.tui.widgets.resource_table import ResourceTable
from irisops.tui.widgets.status import stage_strip, status_text

COLUMNS = ["Pipeline", "Execution", "Status", "Stages", "Commit", "Time"]


class CicdPane(LivePane):
    topic = "cicd"

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-notice")
        yield ResourceTable(COLUMNS, "no pipeline has run yet", id="executions")
        yield LogTail(id="build-log")

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)
        self.rows: dict[str, ExecutionRow] = {}
        #: build id -> its log (group, stream): looked up once per build.
        self.build_streams: dict[str, tuple[str, str]] = {}
        self.query_one(LogTail).border_title = "build log"

    def fetch(self) -> list[ExecutionRow]:
        return pipeline_executions(self.aws)

    def show(self, data: list[ExecutionRow]) -> None:
        self.rows = {row.key: row for row in data}
        self._draw()
        self._follow_selected()

    def _tick(self) -> None:
        """Running rows' durations count up between events."""
        if self.rows and any(row.ended is None for row in self.rows.values()):
            self._draw()

    def _draw(self) -> None:
        table = self.query_one(ResourceTable)
        table.set_rows(
            (
                row.key,
                [
                    row.pipeline,
                    row.execution_id[:8],
                    status_text(row.status),
                    stage_strip(row.stages),
                    row.commit or "-",
                    duration(row.started, row.ended),
                ],
            )
            for row in self.rows.values()
        )

    @on(DataTable.RowHighlighted, "#executions")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._follow_selected()

    def _follow_selected(self) -> None:
        if not self.live:
            return
        row = self.rows.get(self.query_one(ResourceTable).selected_key or "")
        tail = self.query_one(LogTail)
        if row is None or not row.build_ids:
            if row is not None:
                tail.unfollow(f"{row.pipeline} {row.execution_id[:8]}: no build yet")
            return
        build_id = row.build_ids[-1]
        if build_id in self.build_streams:
            tail.follow(*self.build_streams[build_id], f"build {build_id}")
        else:
            self._resolve_build(build_id)

    @work(thread=True, exit_on_error=False, exclusive=True, group="build-lookup")
    def _resolve_build(self, build_id: str) -> None:
        log = build_log(self.aws, build_id)
        if log is not None and log.group and log.stream:
            hand_to_app(self.app, self._follow, log.group, log.stream, log)

    def _follow(self, group: str, stream: str, log: Any) -> None:
        self.build_streams[log.build_id] = (group, stream)
        self.query_one(LogTail).follow(group, stream, f"build {log.build_id}")

    def streams_grew(self, streams: set[tuple[str, str]]) -> None:
        self.query_one(LogTail).streams_grew(streams)
