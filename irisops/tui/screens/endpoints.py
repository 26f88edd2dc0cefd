"""Endpoints: status, variants, instances and their health, invocations and latency,
with the selected endpoint's p99 latency as a sparkline (from the runtime's
``sagemaker-runtime.EndpointInvocations`` events, one per second with traffic)."""

from __future__ import annotations

from collections import deque
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Sparkline, Static

from irisops.tui.data.endpoints import EndpointRow, endpoints
from irisops.tui.widgets.pane import LivePane
from irisops.tui.widgets.resource_table import ResourceTable
from irisops.tui.widgets.status import STYLES, status_text

COLUMNS = ["Endpoint", "Status", "Variants", "Healthy", "Calls", "Errors", "p50", "p99"]
HISTORY = 60


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}ms"


class EndpointsPane(LivePane):
    topic = "endpoints"

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-notice")
        yield ResourceTable(COLUMNS, "no endpoint yet", id="endpoint-table")
        with Horizontal(id="endpoint-detail"):
            yield Static(id="instances")
            with Vertical(id="latency"):
                yield Static("p99 latency", id="latency-title")
                yield Sparkline([], id="latency-spark")
                yield Static(id="latency-range")

    def on_mount(self) -> None:
        self.rows: dict[str, EndpointRow] = {}
        #: Per endpoint name: (p99 ms, invocations) of each interval, oldest first.
        self.history: dict[str, deque[tuple[float, int]]] = {}

    def fetch(self) -> list[EndpointRow]:
        return endpoints(self.aws)

    def show(self, data: list[EndpointRow]) -> None:
        self.rows = {row.key: row for row in data}
        self.query_one(ResourceTable).set_rows(
            (
                row.key,
                [
                    row.name,
                    status_text(row.status),
                    ", ".join(f"{v.name} {v.current}/{v.desired}" for v in row.variants) or "-",
                    f"{row.healthy}/{len(row.instances)}",
                    str(row.invocations),
                    str(row.errors),
                    ms(row.p50),
                    ms(row.p99),
                ],
            )
            for row in data
        )
        self._draw_detail()

    def invocations(self, details: list[dict[str, Any]]) -> None:
        """Intervals of traffic (event details), oldest first."""
        for detail in details:
            name = str(detail.get("EndpointName", ""))
            series = self.history.setdefault(name, deque(maxlen=HISTORY))
            series.append((float(detail.get("P99Ms") or 0.0), int(detail.get("Invocations") or 0)))
        if details:
            self._draw_detail()

    @on(DataTable.RowHighlighted, "#endpoint-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._draw_detail()

    def _draw_detail(self) -> None:
        row = self.rows.get(self.query_one(ResourceTable).selected_key or "")
        instances = self.query_one("#instances", Static)
        spark = self.query_one("#latency-spark", Sparkline)
        title = self.query_one("#latency-title", Static)
        span = self.query_one("#latency-range", Static)
        if row is None:
            instances.update("")
            spark.data = []
            span.update("")
            return
        text = Text(f"{row.name}  config {row.config}\n")
        if row.failure:
            text.append(f"{row.failure}\n", style=STYLES["bad"])
        for v in row.variants:
            text.append(f"{v.name}: {v.current}/{v.desired} instances, weight {v.weight:g}\n")
        for i in row.instances:
            mark = ("✔ healthy", STYLES["good"]) if i.healthy else ("✘ out", STYLES["bad"])
            text.append(f"  {i.variant} {i.container} :{i.port} ")
            text.append(mark[0], style=mark[1])
            text.append("\n")
        instances.update(text)
        series = list(self.history.get(row.name, []))
        spark.data = [p99 for p99, _ in series] or [0.0]
        title.update(f"p99 latency, {len(series)} s")
        if series:
            values = [p99 for p99, _ in series]
            calls = sum(n for _, n in series)
            span.update(f"{min(values):.1f}-{max(values):.1f} ms · {calls} calls")
        else:
            span.update("no traffic yet")
