"""The message box: an Input with shell-like history on up/down."""

from textual.binding import Binding
from textual.widgets import Input


class ChatInput(Input):
    BINDINGS = [
        Binding("up", "history(-1)", "Previous", show=False),
        Binding("down", "history(1)", "Next", show=False),
    ]

    PLACEHOLDER = "Message, or /help for commands"

    def __init__(self, **kwargs):
        kwargs.setdefault("placeholder", self.PLACEHOLDER)
        super().__init__(**kwargs)
        self.history: list[str] = []
        self._pos = 0  # == len(history) means "the line being typed"
        self._draft = ""

    def remember(self, text: str) -> None:
        """Add a sent line to the history and reset the browse position."""
        if text and (not self.history or self.history[-1] != text):
            self.history.append(text)
        self._pos = len(self.history)
        self._draft = ""

    def restore(self, text: str) -> None:
        """Put text back after a failure, unless the user already typed something new."""
        if not self.value.strip():
            self.value = text
            self.cursor_position = len(text)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._pos == len(self.history):
            self._draft = self.value
        self._pos = max(0, min(len(self.history), self._pos + step))
        self.value = self._draft if self._pos == len(self.history) else self.history[self._pos]
        self.cursor_position = len(self.value)
