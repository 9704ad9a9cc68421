"""Edit one memory's text."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class EditMemoryScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, memory: dict):
        super().__init__()
        self.memory = memory

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Edit memory", classes="question")
            yield Input(self.memory.get("memory") or "", id="edit-text")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.app.steady_cursors(self)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self._save()
        else:
            self.dismiss(None)

    def _save(self) -> None:
        text = self.query_one("#edit-text", Input).value.strip()
        if not text:
            self.notify("a memory cannot be empty (use delete instead)", severity="error")
            return
        self.dismiss(text if text != self.memory.get("memory") else None)
