"""The base of every live pane: re-read its data in a worker thread when told to.

The app tells a pane to refresh at most once per tick (see ``inbox``); a pane reads at
most once at a time, and a refresh asked for during a read makes exactly one more.
A pane that is not on screen only remembers that it is stale and reads when shown.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.containers import Vertical
from textual.widgets import Static

from irisops.tui.aws import Aws
from irisops.tui.handoff import hand_to_app


class LivePane(Vertical):
    #: The inbox topic that makes this pane re-read (see ``inbox.TOPICS``).
    topic: ClassVar[str] = ""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stale = True
        self.refreshes = 0
        self._busy = False
        self._again = False

    @property
    def aws(self) -> Aws:
        aws: Aws = self.app.aws  # type: ignore[attr-defined]
        return aws

    @property
    def live(self) -> bool:
        return bool(getattr(self.app, "live", False))

    def request_refresh(self) -> None:
        if not self.live:
            return
        self.stale = False
        if self._busy:
            self._again = True
            return
        self._busy = True
        self._fetch_worker()

    @work(thread=True, exit_on_error=False)
    def _fetch_worker(self) -> None:
        try:
            data, failure = self.fetch(), None
        except Exception as exc:  # shown in the pane; the next event retries
            data, failure = None, exc
        hand_to_app(self.app, self._fetched, data, failure)

    def _fetched(self, data: Any, failure: Exception | None) -> None:
        self._busy = False
        self.refreshes += 1
        if failure is None:
            self.show(data)
            self.notice("")
        else:
            self.notice(f"cannot read: {failure}")
        if self._again:
            self._again = False
            self.request_refresh()

    def focus_main(self) -> None:
        """Focus what the keys of this pane act on (its table by default)."""
        for widget in self.query("ResourceTable"):
            widget.focus()
            return

    def notice(self, message: str) -> None:
        """A one-line message under the pane's title (errors, results)."""
        for widget in self.query(".pane-notice").results(Static):
            widget.update(Text(message))
            widget.display = bool(message)

    def fetch(self) -> Any:
        """Read the pane's data (runs in a worker thread: boto3 is fine here)."""
        raise NotImplementedError

    def show(self, data: Any) -> None:
        """Draw what ``fetch`` read (runs on the app's loop)."""
        raise NotImplementedError
