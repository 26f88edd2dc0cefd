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

    def __init__(
        self, columns: Sequence[str], placeholder: str = "nothing yet", **kwargs: object
    ) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._columns = list(columns)
        self.placeholder = placeholder

    def on_mount(self) -> None:
        self.set_rows([])

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
        """Replace the rows; the cursor stays on the same key when it is still there.

        Column widths are computed here from the new rows: DataTable's own auto widths
        only ever grow, and are measured later, on idle.
        """
        selected = self.selected_key
        table = [(key, list(cells)) for key, cells in rows]
        if not table:
            blank = Text(self.placeholder, style="italic #8a8a8a")
            table = [("__empty__", [blank, *[""] * (len(self._columns) - 1)])]
        widths = [cell_len(label) for label in self._columns]
        for _, cells in table[:500]:
            widths = [max(w, cell_len(c)) for w, c in zip(widths, cells, strict=False)]
        self.clear(columns=True)
        for label, width in zip(self._columns, widths, strict=True):
            self.add_column(label, width=width)
        for key, cells in table:
            self.add_row(*cells, key=key)
        keys = [key for key, _ in table]
        if selected in keys:
            self.move_cursor(row=keys.index(selected), animate=False)


def cell_len(cell: Cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else Text(str(cell)).cell_len
