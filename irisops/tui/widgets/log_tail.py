"""The live tail of one CloudWatch Logs stream (a build's, a job's).

The pane says which stream to follow; the app tells every tail which streams grew
(``logs.EventsAppended``), and a tail that follows one of them reads the new lines in a
worker thread. One read at a time; appends during a read cause one more read.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.widgets import RichLog

from irisops.tui.data.logs import LogCursor
from irisops.tui.handoff import hand_to_app


class LogTail(RichLog):
    DEFAULT_CSS = """
    LogTail { height: 1fr; border: round $primary-darken-1; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_lines=400, wrap=False, markup=False, **kwargs)
        self.cursor: LogCursor | None = None
        self._busy = False
        self._again = False

    def follow(self, group: str, stream: str, title: str = "") -> None:
        if self.cursor and (self.cursor.group, self.cursor.stream) == (group, stream):
            return
        self.cursor = LogCursor(group, stream)
        self.border_title = title or stream
        self.clear()
        self.read_more()

    def unfollow(self, title: str) -> None:
        self.cursor = None
        self.border_title = title
        self.clear()

    @property
    def text(self) -> list[str]:
        """The lines shown, as plain text."""
        return [strip.text for strip in self.lines]

    def streams_grew(self, streams: set[tuple[str, str]]) -> None:
        if self.cursor and (self.cursor.group, self.cursor.stream) in streams:
            self.read_more()

    def read_more(self) -> None:
        if self.cursor is None:
            return
        if self._busy:
            self._again = True
            return
        self._busy = True
        self._read(self.cursor)

    @work(thread=True, exit_on_error=False, group="log-tail")
    def _read(self, cursor: LogCursor) -> None:
        try:
            lines = cursor.read_new(self.app.aws)  # type: ignore[attr-defined]
        except Exception as exc:  # shown in the log, never fatal
            lines = [f"(cannot read the log: {exc})"]
        hand_to_app(self.app, self._append, cursor, lines)

    def _append(self, cursor: LogCursor, lines: list[str]) -> None:
        self._busy = False
        if cursor is self.cursor:
            for line in lines:
                self.write(line)
        if self._again:
            self._again = False
            self.read_more()
