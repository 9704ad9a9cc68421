"""The conversation: user lines, streamed assistant replies (Markdown), notices and images."""

from pathlib import Path

from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Markdown, Static

from .image_view import image_widget


class UserMessage(Static):
    def __init__(self, text: str, **kwargs):
        super().__init__(text, markup=False, **kwargs)
        self.border_title = "you"


class AssistantMessage(Markdown):
    """A reply; `stream` is filled while tokens arrive (Markdown.get_stream batches appends)."""

    def __init__(self, reply_id: int, context: list[str] | None = None, text: str = "", **kwargs):
        super().__init__(text, **kwargs)
        self.reply_id = reply_id
        self.stream = None
        self.done = bool(text)  # set when the reply is complete
        self.stopped = False  # Esc ended it; the partial text is kept
        self.border_title = "memlora"
        if context:
            self.border_subtitle = f"{len(context)} memor{'y' if len(context) == 1 else 'ies'} recalled"

    async def finish(self) -> None:
        """Flush and stop the stream (idempotent)."""
        stream, self.stream = self.stream, None
        if stream is not None:
            await stream.stop()


class OpeningMessage(Static):
    """The assistant's first line of the chat (memlora_mlx.ops.reply.OPENING): the reply prompt holds it too."""

    def __init__(self, text: str, **kwargs):
        super().__init__(text, markup=False, **kwargs)
        self.border_title = "memlora"


class RecallNote(Static):
    """The memories a reply was given, under it: the evidence stays visible even when the model refuses. A follow-up
    shows what it was understood as ("understood as: My puppy is called Bean.")."""

    def __init__(self, memories: list[str], understood: str = "", **kwargs):
        lines = ([f"understood as: {understood}"] if understood else []) + \
            (["recalled: " + "  ·  ".join(memories)] if memories else [])
        super().__init__("\n".join(lines), markup=False, **kwargs)


class NoticeMessage(Static):
    """Info, command results and errors. Errors carry the `-error` class (red)."""

    def __init__(self, text: str, kind: str = "info", title: str = "", **kwargs):
        super().__init__(text, markup=False, **kwargs)
        self.add_class(f"-{kind}")
        self.border_title = title or {"error": "error", "result": "result"}.get(kind, "")


class ImageMessage(Vertical):
    def __init__(self, path: Path, **kwargs):
        super().__init__(**kwargs)
        self.path = path
        self.border_title = f"image · {path.name}"

    def compose(self):
        yield image_widget(self.path, classes="picture")
        yield Label(str(self.path), classes="caption", markup=False)


class ChatLog(VerticalScroll):
    """Scrolls to the newest message unless the user scrolled up (anchor)."""

    def on_mount(self) -> None:
        self.anchor()

    async def add(self, widget) -> None:
        await self.mount(widget)
        self.anchor()

    def find_reply(self, reply_id: int) -> AssistantMessage | None:
        for w in self.query(AssistantMessage):
            if w.reply_id == reply_id:
                return w
        return None
