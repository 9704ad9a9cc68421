"""The memory panel: this user's memories newest first, a search box, live ADD/UPDATE/DELETE."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, ListItem, ListView, Static

FLASH_SECONDS = 2.0


class MemoryItem(ListItem):
    def __init__(self, memory: dict, **kwargs):
        super().__init__(**kwargs)
        self.memory = memory

    @property
    def memory_id(self) -> str:
        return str(self.memory.get("id"))

    def compose(self) -> ComposeResult:
        yield Label(self.memory.get("memory") or "", markup=False)


class MemoryPanel(Vertical):
    BINDINGS = [
        Binding("e", "edit", "Edit"),
        Binding("d,delete", "delete", "Delete"),
        Binding("h", "history", "History"),
        Binding("slash", "search", "Search", show=False),
    ]

    class Requested(Message):
        """The user asked to edit/delete/show history of a memory."""

        def __init__(self, action: str, memory: dict):
            super().__init__()
            self.action = action
            self.memory = memory

    class SearchChanged(Message):
        def __init__(self, query: str):
            super().__init__()
            self.query = query

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search memories", id="memory-search")
        yield Static("", id="memory-event")
        yield ListView(id="memory-list")
        yield Label("e edit · d delete · h history · F2 close", id="memory-help")

    def on_mount(self) -> None:
        self.border_title = "memories"

    @property
    def query_text(self) -> str:
        return self.query_one("#memory-search", Input).value

    async def show(self, memories: list[dict], flash_id: str | None = None, flash_event: str = "") -> None:
        lv = self.query_one("#memory-list", ListView)
        index = lv.index
        await lv.clear()
        items = [MemoryItem(m) for m in memories]
        await lv.extend(items)
        if items:
            lv.index = min(index or 0, len(items) - 1)
        self.border_subtitle = f"{len(memories)}"
        if flash_id:
            for item in items:
                if item.memory_id == flash_id:
                    item.add_class(f"-flash-{flash_event.lower()}")
                    self.set_timer(FLASH_SECONDS, lambda it=item: it.remove_class(f"-flash-{flash_event.lower()}"))

    def flash_event(self, event: str, text: str | None) -> None:
        """Show the latest pipeline event in the panel's event line, highlighted briefly."""
        line = self.query_one("#memory-event", Static)
        sign = {"ADD": "+", "UPDATE": "~", "DELETE": "−"}.get(event, "·")
        line.update(f"{sign} {event}: {text or ''}")
        line.set_classes(f"-flash-{event.lower()}")
        self.set_timer(FLASH_SECONDS, lambda: line.set_classes(""))

    def selected(self) -> dict | None:
        item = self.query_one("#memory-list", ListView).highlighted_child
        return item.memory if isinstance(item, MemoryItem) else None

    def _request(self, action: str) -> None:
        memory = self.selected()
        if memory is None:
            self.app.notify("no memory selected", severity="warning")
            return
        self.post_message(self.Requested(action, memory))

    def action_edit(self) -> None:
        self._request("edit")

    def action_delete(self) -> None:
        self._request("delete")

    def action_history(self) -> None:
        self._request("history")

    def action_search(self) -> None:
        self.query_one("#memory-search", Input).focus()

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        self._request("edit")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.SearchChanged(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#memory-list", ListView).focus()
