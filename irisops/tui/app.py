"""The irisops dashboard: one Textual app, one tab per area, fed by the event stream.

``IrisOpsApp(endpoint_url)`` attaches to a server. A background ``EventFeed`` thread
reads ``/_irisops/events`` into an ``EventInbox``; every ``tick`` the app takes what
arrived (however many events) and tells each concerned pane to re-read, so a pane
refreshes at most 1/tick times a second and boto3 runs only in worker threads.
``live=False`` draws no server data at all (snapshot tests fill the panes themselves);
``endpoint_url=None`` with a ``scenario`` waits for the scenario's server and attaches
to it once it answers.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane

from irisops.tui.aws import Aws
from irisops.tui.feed import EventFeed
from irisops.tui.handoff import hand_to_app
from irisops.tui.inbox import EventInbox
from irisops.tui.scenario import ScenarioRun, endpoint_of
from irisops.tui.screens.approvals import ApprovalsPane
from irisops.tui.screens.cicd import CicdPane
from irisops.tui.screens.endpoints import EndpointsPane
from irisops.tui.screens.help import HelpScreen
from irisops.tui.screens.jobs import JobsPane
from irisops.tui.screens.predict import PredictPane
from irisops.tui.screens.registry import RegistryPane
from irisops.tui.screens.scenario import ScenarioPane
from irisops.tui.widgets.pane import LivePane

#: (tab id, title, pane class), in tab order: key N shows the Nth.
PANES: list[tuple[str, str, type[LivePane]]] = [
    ("cicd", "CI/CD", CicdPane),
    ("registry", "Registry", RegistryPane),
    ("jobs", "Jobs", JobsPane),
    ("endpoints", "Endpoints", EndpointsPane),
    ("predict", "Predict", PredictPane),
    ("approvals", "Approvals", ApprovalsPane),
]
DARK, LIGHT = "textual-dark", "textual-light"


class IrisOpsApp(App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "irisops"
    BINDINGS = [
        *[
            Binding(str(n), f"show_pane('{tab}')", title, show=False)
            for n, (tab, title, _) in enumerate(PANES, 1)
        ],
        Binding("7", "show_pane('scenario')", "Scenario", show=False),
        Binding("a", "decide(True)", "Approve"),
        Binding("x", "decide(False)", "Reject"),
        Binding("r", "refresh_all", "Refresh"),
        Binding("t", "toggle_theme", "Theme"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        endpoint_url: str | None,
        *,
        live: bool = True,
        scenario: ScenarioRun | None = None,
        events_url: str | None = None,
        tick: float = 0.25,
        light: bool = False,
    ) -> None:
        super().__init__()
        self.scenario = scenario
        self.tick = tick
        self.inbox = EventInbox()
        self.events_url = events_url
        self.ticks = 0
        #: The app's loop (set on mount): where worker threads hand their results.
        self.ui_loop: asyncio.AbstractEventLoop | None = None
        self.ui_context: contextvars.Context | None = None
        #: Until ``attach``: no server to show (a scenario starts its own first).
        self.live = False
        self.endpoint_url = ""
        self.feed_status = "waiting for a server" if live else "offline"
        self.aws = Aws("http://127.0.0.1:0")
        self.feed: EventFeed | None = None
        self._attach_to = endpoint_url if live else None
        if endpoint_url and not live:
            self.endpoint_url = endpoint_url.rstrip("/")
        self.theme = LIGHT if light else DARK
        #: The scenario run's end: "done" or "failed" (None until it ends), and what
        #: its ``run`` returned; kept after the app exits.
        self.scenario_outcome: str | None = None
        self.scenario_summary: Any = None

    def compose(self) -> ComposeResult:
        yield Header()
        initial = "scenario" if self.scenario is not None else "cicd"
        with TabbedContent(initial=initial, id="tabs"):
            if self.scenario is not None:
                with TabPane("Scenario", id="scenario"):
                    yield ScenarioPane(self.scenario, id="scenario-pane")
            for tab, title, pane in PANES:
                with TabPane(title, id=tab):
                    yield pane(id=f"{tab}-pane")
        yield Footer()

    def on_mount(self) -> None:
        self.ui_loop = asyncio.get_running_loop()
        self.ui_context = contextvars.copy_context()
        self._draw_subtitle()
        if self._attach_to:
            self.attach(self._attach_to)
        if self.scenario is not None:
            self.query_one(ScenarioPane).start()
            self.query_one(ScenarioPane).focus_main()
        else:
            self.pane("cicd").focus_main()

    def attach(self, endpoint_url: str) -> None:
        """Show the server at ``endpoint_url``: start the feed, the ticks, the reads."""
        if self.live:
            return
        self.endpoint_url = endpoint_url.rstrip("/")
        self.aws = Aws(self.endpoint_url)
        self.feed = EventFeed(
            self.endpoint_url, self.inbox, on_status=self._feed_status, events_url=self.events_url
        )
        self.live = True
        self.feed_status = "connecting"
        self.feed.start()
        self.set_interval(self.tick, self.flush)
        for pane in self.panes():
            pane.stale = True
        self.active_pane_refresh()
        self._draw_subtitle()

    def scenario_step_changed(self) -> None:
        """A scenario step began or ended: attach once its server answers."""
        if not self.live and (url := endpoint_of(self.scenario)):
            self.attach(url)

    def on_unmount(self) -> None:
        if self.feed is not None:
            self.feed.stop()

    # -- panes --------------------------------------------------------------------------

    def pane(self, tab: str) -> LivePane:
        return self.query_one(f"#{tab}-pane", LivePane)

    def panes(self) -> list[LivePane]:
        return [self.pane(tab) for tab, _, _ in PANES]

    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    def active_pane_refresh(self) -> None:
        if self.active_tab != "scenario":
            self.pane(self.active_tab).request_refresh()

    def flush(self) -> None:
        """One tick: hand what the feed gathered to the panes (each re-reads once)."""
        self.ticks += 1
        batch = self.inbox.take()
        if batch is None:
            return
        active = self.active_tab
        for pane in self.panes():
            if batch.wants(pane.topic):
                if pane.id == f"{active}-pane":
                    pane.request_refresh()
                else:
                    pane.stale = True
        if batch.log_streams:
            self.query_one(CicdPane).streams_grew(batch.log_streams)
            self.query_one(JobsPane).streams_grew(batch.log_streams)
        if batch.invocations:
            self.query_one(EndpointsPane).invocations(batch.invocations)
        self._draw_subtitle()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id or ""
        self.refresh_bindings()
        if tab != "scenario" and self.pane(tab).stale:
            self.pane(tab).request_refresh()

    def _feed_status(self, status: str) -> None:
        self.feed_status = status
        hand_to_app(self, self._draw_subtitle)

    def _draw_subtitle(self) -> None:
        where = self.endpoint_url or "no server yet"
        self.sub_title = f"{where} · {self.feed_status} · {self.inbox.total} events"

    # -- actions ------------------------------------------------------------------------

    def action_show_pane(self, tab: str) -> None:
        if not self.query(f"TabPane#{tab}"):
            return
        self.query_one(TabbedContent).active = tab
        pane = self.query_one(ScenarioPane) if tab == "scenario" else self.pane(tab)
        pane.focus_main()

    def action_decide(self, approve: bool) -> None:
        self.query_one(ApprovalsPane).action_decide(approve)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "decide":
            return self.active_tab == "approvals"
        return True

    def action_refresh_all(self) -> None:
        for pane in self.panes():
            pane.stale = True
        self.active_pane_refresh()

    def action_toggle_theme(self) -> None:
        self.theme = DARK if self.theme == LIGHT else LIGHT

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for tab, title, _ in PANES:
            yield SystemCommand(f"Show {title}", f"Switch to the {title} pane", self._shower(tab))
        yield SystemCommand("Refresh", "Re-read every pane", self.action_refresh_all)
        yield SystemCommand("Toggle light/dark", "Switch the theme", self.action_toggle_theme)
        yield SystemCommand("Help", "Keys and panes", self.action_help)

    def _shower(self, tab: str) -> Any:
        return lambda: self.action_show_pane(tab)
