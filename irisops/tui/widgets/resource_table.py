"""A row-cursor DataTable refilled from fresh rows that keeps the selected row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual.widgets import DataTable

Cell = str | Text


class ResourceTable(DataTable[Cell]):
    DEFAULT_CSS = """
    ResourceTable { height: 1fr; }
    """

    def __init__(self, columns: Sequence[str], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._columns = list(columns)
        self.placeholder = "nothing yet"

    def on_mount(self) -> None:
        self.add_columns(*self._columns)

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # the cursor is outside the rows
            return None
        return None if key.value == "__empty__" else key.value

    def set_rows(self, rows: Iterable[tuple[str, Sequence[Cell]]]) -> None:
        """Replace the rows; the cursor stays on the same key when it is still there."""
        selected = self.selected_key
        rows = list(rows)
        # Columns too: their widths then fit the new rows (they only ever grow otherwise).
        self.clear(columns=True)
        if not rows:
            first, *rest = self._columns
            self.add_column(first, width=max(len(first), len(self.placeholder)))
            self.add_columns(*rest)
            blank = [Text(self.placeholder, style="italic #8a8a8a")]
            self.add_row(*blank, *[""] * len(rest), key="__empty__")
            return
        self.add_columns(*self._columns)
        keys = []
        for key, cells in rows:
            self.add_row(*cells, key=key)
            keys.append(key)
        if selected in keys:
            self.move_cursor(row=keys.index(selected), animate=False)
