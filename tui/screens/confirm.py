"""Yes/no confirmations: delete one memory, or `/forget` (pick which matches to delete)."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel"), Binding("y", "dismiss(True)", "Yes")]

    def __init__(self, question: str, detail: str = "", yes: str = "Delete"):
        super().__init__()
        self.question, self.detail, self.yes = question, detail, yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="question", markup=False)
            if self.detail:
                yield Label(self.detail, classes="detail", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self.yes, variant="error", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class ForgetScreen(ModalScreen[list[str]]):
    """Shows what `/forget QUERY` would delete; returns the ids the user confirmed ([] = cancel).
    Only the best match is preselected: a fuzzy search must never delete silently."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, query: str, candidates: list[dict]):
        super().__init__()
        self.query_text, self.candidates = query, candidates

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Forget memories matching “{self.query_text}”?", classes="question", markup=False)
            yield Label("space toggles · the checked memories will be deleted", classes="detail")
            yield SelectionList[str](
                *[(c.get("memory") or "", str(c["id"]), i == 0) for i, c in enumerate(self.candidates)],
                id="forget-list",
            )
            with Horizontal(classes="buttons"):
                yield Button("Delete checked", variant="error", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#forget-list", SelectionList).focus()

    def action_cancel(self) -> None:
        self.dismiss([])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self.dismiss(list(self.query_one("#forget-list", SelectionList).selected))
        else:
            self.dismiss([])
