"""A memory's change history (ADD/UPDATE/DELETE rows from the store's history table)."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label


class HistoryScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "dismiss(None)", "Close")]

    def __init__(self, memory: dict, rows: list[dict]):
        super().__init__()
        self.memory, self.rows = memory, rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(f"History of “{self.memory.get('memory') or ''}”", classes="question", markup=False)
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
            yield Button("Close", id="close")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("when", "event", "old", "new")
        for r in self.rows:
            table.add_row(
                str(r.get("created_at") or r.get("timestamp") or "")[:19],
                str(r.get("event") or ""),
                str(r.get("old_memory") or r.get("old") or ""),
                str(r.get("new_memory") or r.get("new") or r.get("memory") or ""),
            )
        if not self.rows:
            table.add_row("", "", "(no history recorded)", "")
        table.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)
