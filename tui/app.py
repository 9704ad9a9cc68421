"""`memlora chat`: a terminal chat that remembers. The App only holds configuration and the
Backend (a thin wrapper of the Memory API); screens do the work."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from .backend import Backend
from .screens.chat import ChatScreen


class MemloraApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "memlora chat"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("f12", "save_svg", "Screenshot", show=False)]

    def __init__(
        self,
        memory=None,
        engine=None,
        *,
        user_id: str = "me",
        store: str | Path | None = None,
        model: str | None = None,
        history_tokens: int | None = None,
        cursor_blink: bool = True,
    ):
        """`memory` (a memlora_mlx Memory) and `engine` are injected by tests; without them the
        engine and store load in a thread worker after the UI appears."""
        super().__init__()
        self.user_id, self.store, self.model, self.history_tokens = user_id, store, model, history_tokens
        self.cursor_blink = cursor_blink
        self.backend: Backend | None = Backend(memory, engine, user_id, history_tokens=history_tokens) \
            if memory is not None else None

    def on_mount(self) -> None:
        self.push_screen(ChatScreen())

    def action_save_svg(self) -> None:
        """Save the screen as SVG in the current directory (F12)."""
        path = self.save_screenshot(path=".")
        self.notify(f"saved {path}", timeout=3)

    def steady_cursors(self, screen) -> None:
        """Stop cursor blinking on a screen's inputs (stable snapshots)."""
        if not self.cursor_blink:
            for inp in screen.query("Input"):
                inp.cursor_blink = False
