"""Jobs: training, processing and transform jobs with status, secondary status,
duration and final metrics; the selected job's log tail, live."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from irisops.tui.data.jobs import JobRow, JobsSource, job_log_stream
from irisops.tui.data.timing import duration
from irisops.tui.handoff import hand_to_app
from irisops.tui.widgets.log_tail import LogTail
from irisops.tui.widgets.pane import LivePane
from irisops.tui.widgets.resource_table import ResourceTable
from irisops.tui.widgets.status import status_text

COLUMNS = ["Kind", "Job", "Status", "Secondary", "Time", "Metrics"]


def metrics_text(metrics: dict[str, float]) -> str:
    return " ".join(f"{name}={value:.3g}" for name, value in metrics.items())


class JobsPane(LivePane):
    topic = "jobs"

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-notice")
        yield ResourceTable(COLUMNS, "no job yet", id="job-table")
        yield LogTail(id="job-log")

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)
        self.rows: dict[str, JobRow] = {}
        self.source: JobsSource | None = None
        self.query_one(LogTail).border_title = "job log"

    def fetch(self) -> list[JobRow]:
        if self.source is None or self.source.aws is not self.aws:
            self.source = JobsSource(self.aws)  # the app attached (again)
        return self.source.rows()

    def show(self, data: list[JobRow]) -> None:
        self.rows = {row.key: row for row in data}
        self._draw()
        self._follow_selected()

    def _tick(self) -> None:
        """Running rows' durations count up between events."""
        if self.rows and any(row.ended is None for row in self.rows.values()):
            self._draw()

    def _draw(self) -> None:
        self.query_one(ResourceTable).set_rows(
            (
                row.key,
                [
                    row.kind,
                    row.name,
                    status_text(row.status),
                    row.secondary or "-",
                    duration(row.started, row.ended),
                    metrics_text(row.metrics) or (row.failure[:30] if row.failure else "-"),
                ],
            )
            for row in self.rows.values()
        )

    @on(DataTable.RowHighlighted, "#job-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._follow_selected()

    def _follow_selected(self) -> None:
        if not self.live:
            return
        row = self.rows.get(self.query_one(ResourceTable).selected_key or "")
        tail = self.query_one(LogTail)
        if row is None:
            return
        cursor = tail.cursor
        if cursor and cursor.group == row.log_group and cursor.stream.startswith(f"{row.name}/"):
            return  # already followed: appends arrive as events
        self._resolve_stream(row)

    @work(thread=True, exit_on_error=False, exclusive=True, group="job-stream")
    def _resolve_stream(self, row: JobRow) -> None:
        stream = job_log_stream(self.aws, row)
        hand_to_app(self.app, self._follow, row, stream)

    def _follow(self, row: JobRow, stream: str | None) -> None:
        tail = self.query_one(LogTail)
        if stream is None:
            tail.unfollow(f"{row.name}: no log yet")
        else:
            tail.follow(row.log_group, stream, f"{row.kind} job {row.name}")

    def streams_grew(self, streams: set[tuple[str, str]]) -> None:
        tail = self.query_one(LogTail)
        if tail.cursor is None:
            self._follow_selected()
        tail.streams_grew(streams)
