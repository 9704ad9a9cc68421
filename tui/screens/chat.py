"""The main screen: conversation, input, memory panel, status bar. Every message gets a streamed reply written
with the memories retrieved for it (memlora_mlx.chat.Conversation), then the memory pipeline runs over it in the
background. Every Memory API call runs in a thread worker that posts typed messages back (tui/messages.py); the
UI thread never blocks."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Markdown, ProgressBar

from .. import messages as M
from ..backend import VisionUnavailable, load_backend
from ..command_runner import delete_many, run_command
from ..commands import HELP, CommandError, parse_command
from ..messages import describe
from ..widgets.chat_input import ChatInput
from ..widgets.chat_log import (AssistantMessage, ChatLog, ImageMessage, NoticeMessage, OpeningMessage, RecallNote,
                                UserMessage)
from ..widgets.memory_panel import MemoryPanel
from ..widgets.status_bar import StatusBar
from .confirm import ConfirmScreen, ForgetScreen
from .edit import EditMemoryScreen
from .history import HistoryScreen
from .image_picker import ImagePickerScreen


RECALL_SHOWN = 3  # memories listed under a reply (the evidence it was given), at most


class ChatScreen(Screen):
    BINDINGS = [
        Binding("f2", "toggle_memories", "Memories"),
        Binding("ctrl+o", "attach_image", "Image"),
        Binding("escape", "escape", "Stop reply / input", show=False),
    ]

    def __init__(self):
        super().__init__()
        self._reply_ids = itertools.count(1)
        self._pipelines = 0
        self._pending_image: Path | None = None
        self._reply_lock = threading.Lock()
        self._live: dict[int, object] = {}  # reply id -> memlora_mlx.chat.Reply while it streams (Esc stops it)
        self._flash: tuple[str | None, str] = (None, "")

    @property
    def backend(self):
        return self.app.backend

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="chat"):
                yield ChatLog(id="log")
                yield ProgressBar(id="ingest-progress", show_eta=False)
                yield ChatInput(id="input")
            yield MemoryPanel(id="memory-panel")
        yield StatusBar(id="status")
        yield Footer()

    async def on_mount(self) -> None:
        self.app.steady_cursors(self)
        self.query_one(ChatInput).focus()
        self.query_one("#memory-panel").display = False
        self.query_one("#ingest-progress").display = False
        if self.backend is None:
            self.load()
        else:
            self._ready()

    # -- loading ------------------------------------------------------------------------------
    @work(thread=True, group="load")
    def load(self) -> None:
        app = self.app
        try:
            backend = load_backend(app.store, app.model, app.user_id, app.history_tokens)
        except Exception as e:  # noqa: BLE001 - shown to the user
            self.post_message(M.BackendFailed(describe(e)))
            return
        app.backend = backend
        self.post_message(M.BackendReady(backend.model_id))

    def on_backend_ready(self, _: M.BackendReady) -> None:
        self._ready()

    def _ready(self) -> None:
        b = self.backend
        b.attach(self._on_memory_event, lambda ev: self.post_message(M.EngineEvent(dict(ev))))
        bar = self.query_one(StatusBar)
        bar.model = f"{b.model_id} ({b.model_reason})" if b.model_reason else b.model_id
        bar.adapter = getattr(b.engine, "active_adapter", None) or "base"
        self.refresh_memories()
        # The chat's opening line, as the reply prompt holds it (memlora_mlx.ops.reply.OPENING)
        self.run_worker(self._log(OpeningMessage(b.conversation.opening)))

    def on_backend_failed(self, msg: M.BackendFailed) -> None:
        self.query_one(StatusBar).model = "not loaded"
        self.notify(msg.error, title="could not start", severity="error", timeout=10)
        self.run_worker(self._log(NoticeMessage(msg.error, "error", "could not start")))

    def _on_memory_event(self, ev: dict) -> None:  # any thread
        event = str(ev.get("event") or ev.get("type") or "").upper()
        text = ev.get("memory") or ev.get("text") or ev.get("new_memory") or ev.get("old_memory")
        mid = ev.get("id") or ev.get("memory_id")
        self.post_message(M.MemoryChanged(event, str(mid) if mid is not None else None, text))

    # -- input --------------------------------------------------------------------------------
    async def _log(self, widget) -> None:
        await self.query_one(ChatLog).add(widget)

    @on(ChatInput.Submitted, "#input")
    async def send(self, event: ChatInput.Submitted) -> None:
        box = self.query_one(ChatInput)
        text = event.value.strip()
        if not text:
            return
        box.remember(text)
        box.value = ""
        if text.startswith("/"):
            await self.run_command(text)
            return
        if self.backend is None:
            box.restore(text)
            self.notify("the model is still loading — your message is kept in the box", severity="warning")
            return
        await self._log(UserMessage(text))
        reply_id = next(self._reply_ids)
        if self._pending_image is not None:
            image, self._pending_image = self._pending_image, None
            box.placeholder = ChatInput.PLACEHOLDER
            self.ask_image(reply_id, image, text)
        else:  # every message: a reply, then (after ReplyDone) the memory pipeline
            self.reply(reply_id, text)

    @work(thread=True, group="reply")
    def reply(self, reply_id: int, text: str) -> None:
        conv = self.backend.conversation
        with self._reply_lock:  # one reply at a time: the next one is written with this one in its history
            try:
                reply = conv.turn(text)
                self._live[reply_id] = reply
                self.post_message(M.ReplyStarted(reply_id, reply.memory_texts,
                                                 reply.understood if reply.understood != text.strip() else ""))
                for delta in reply:
                    self.post_message(M.ReplyChunk(reply_id, delta))
            except Exception as e:  # noqa: BLE001 - shown to the user, input restored
                self.post_message(M.ReplyFailed(reply_id, describe(e), text))
                return
            finally:
                self._live.pop(reply_id, None)
        self.post_message(M.ReplyDone(reply_id, reply.text.strip(), text, reply.stopped, tuple(reply.ungrounded)))

    @work(thread=True, group="reply")
    def ask_image(self, reply_id: int, image: Path, question: str) -> None:
        try:
            self.post_message(M.ReplyStarted(reply_id))
            parts = []
            for delta in self.backend.ask_image(image, question):
                parts.append(delta)
                self.post_message(M.ReplyChunk(reply_id, delta))
            self.backend.conversation.record(question, "".join(parts).strip())
            self.post_message(M.ReplyDone(reply_id, "".join(parts).strip()))
        except VisionUnavailable as e:
            self.post_message(M.ReplyFailed(reply_id, str(e), ""))
        except Exception as e:  # noqa: BLE001
            self.post_message(M.ReplyFailed(reply_id, describe(e), question))

    async def on_reply_started(self, msg: M.ReplyStarted) -> None:
        await self._log(AssistantMessage(msg.reply_id, msg.memories))
        if msg.memories or msg.understood:
            shown = msg.memories[:RECALL_SHOWN]
            more = len(msg.memories) - len(shown)
            await self._log(RecallNote(shown + ([f"+{more} more"] if more > 0 else []), msg.understood))

    async def on_reply_chunk(self, msg: M.ReplyChunk) -> None:
        reply = self.query_one(ChatLog).find_reply(msg.reply_id)
        if reply is not None:
            if reply.stream is None:  # created on the first chunk: a stream that never ran cannot stop cleanly
                reply.stream = Markdown.get_stream(reply)
            await reply.stream.write(msg.text)

    async def on_reply_done(self, msg: M.ReplyDone) -> None:
        reply = self.query_one(ChatLog).find_reply(msg.reply_id)
        if reply is not None:
            await reply.finish()
            final = msg.text + ("\n\n_(stopped)_" if msg.stopped else "")
            if msg.ungrounded:  # the streamed draft said something about the user that nobody told it
                final += f"\n\n_(the draft named {', '.join(msg.ungrounded)}, which you never told me)_"
            if final != reply.source.strip():
                await reply.update(final if msg.text else "_(stopped)_" if msg.stopped else "_(empty reply)_")
            reply.done, reply.stopped = True, msg.stopped
        self.query_one(ChatLog).anchor()
        if msg.prompt:  # the reply is out: now the memory pipeline over the message, in the background
            self.remember_turn(msg.prompt, msg.text)

    async def on_reply_failed(self, msg: M.ReplyFailed) -> None:
        reply = self.query_one(ChatLog).find_reply(msg.reply_id)
        if reply is not None:
            await reply.finish()
            await reply.remove()
        await self._log(NoticeMessage(msg.error, "error", "reply failed" if msg.prompt else "vision"))
        self.notify(msg.error, severity="error", timeout=8)
        if msg.prompt:
            self.query_one(ChatInput).restore(msg.prompt)

    # -- memory pipeline ----------------------------------------------------------------------
    @work(thread=True, group="pipeline")
    def remember_turn(self, message: str, reply: str) -> None:
        self.post_message(M.PipelineStatus(True, "remembering…"))
        try:
            self.backend.remember_turn(message, reply)
        except Exception as e:  # noqa: BLE001
            self.post_message(M.Notice(f"memory pipeline failed: {describe(e)}", "error"))
        finally:
            self.post_message(M.PipelineStatus(False))

    def on_pipeline_status(self, msg: M.PipelineStatus) -> None:
        self._pipelines = max(0, self._pipelines + (1 if msg.busy else -1))
        self.query_one(StatusBar).busy = msg.detail if msg.busy else ("remembering…" if self._pipelines else "")

    def on_memory_changed(self, msg: M.MemoryChanged) -> None:
        self.query_one(MemoryPanel).flash_event(msg.event, msg.text)
        self._flash = (msg.memory_id, msg.event)
        self.refresh_memories()

    def refresh_memories(self, query: str | None = None) -> None:
        """Reload the panel and the count (UI thread; threads post M.RefreshMemories instead)."""
        if self.backend is not None:
            self._load_memories(self.query_one(MemoryPanel).query_text if query is None else query)

    def on_refresh_memories(self, _: M.RefreshMemories) -> None:
        self.refresh_memories()

    @work(thread=True, exclusive=True, group="memories")
    def _load_memories(self, query: str) -> None:
        try:
            rows = self.backend.list_memories(query)
            count = len(rows) if not query.strip() else self.backend.count()
        except Exception as e:  # noqa: BLE001
            self.post_message(M.Notice(f"could not list memories: {describe(e)}", "error"))
            return
        self.post_message(M.MemoriesLoaded(rows, query, count))

    async def on_memories_loaded(self, msg: M.MemoriesLoaded) -> None:
        flash_id, flash_event = self._flash
        self._flash = (None, "")
        self.query_one(StatusBar).count = msg.count
        await self.query_one(MemoryPanel).show(msg.memories, flash_id, flash_event)

    def on_memory_panel_search_changed(self, msg: MemoryPanel.SearchChanged) -> None:
        self.refresh_memories(msg.query)

    def on_memory_panel_requested(self, msg: MemoryPanel.Requested) -> None:
        mem = msg.memory
        if msg.action == "edit":
            self.app.push_screen(EditMemoryScreen(mem), lambda text: text and self.memory_call("update", mem["id"], text))
        elif msg.action == "delete":
            self.app.push_screen(
                ConfirmScreen("Delete this memory?", mem.get("memory") or ""),
                lambda yes: yes and self.memory_call("delete", mem["id"]),
            )
        elif msg.action == "history":
            self.show_history(mem)

    @work(thread=True, group="memory-call")
    def memory_call(self, verb: str, memory_id: str, *args) -> None:
        try:
            getattr(self.backend, verb)(memory_id, *args)
        except Exception as e:  # noqa: BLE001
            self.post_message(M.Notice(f"{verb} failed: {describe(e)}", "error"))
        self.post_message(M.RefreshMemories())

    @work(thread=True, group="memory-call")
    def show_history(self, memory: dict) -> None:
        try:
            rows = self.backend.history(memory["id"])
        except Exception as e:  # noqa: BLE001
            self.post_message(M.Notice(f"history failed: {describe(e)}", "error"))
            return
        self.app.call_from_thread(self.app.push_screen, HistoryScreen(memory, rows))

    def on_engine_event(self, msg: M.EngineEvent) -> None:
        bar, ev = self.query_one(StatusBar), msg.event
        if ev.get("type") == "adapter":
            bar.adapter = ev.get("name") or "base"
        elif ev.get("type") == "stats" and ev.get("generation_tps"):
            bar.tps = float(ev["generation_tps"])

    async def on_notice(self, msg: M.Notice) -> None:
        await self._log(NoticeMessage(msg.text, msg.kind, msg.title))
        if msg.kind == "error":
            self.notify(msg.text, severity="error", timeout=8)
        if msg.restore:
            self.query_one(ChatInput).restore(msg.restore)

    # -- actions ------------------------------------------------------------------------------
    def action_toggle_memories(self) -> None:
        panel = self.query_one(MemoryPanel)
        panel.display = not panel.display
        if panel.display:
            self.refresh_memories()
            panel.query_one("#memory-list").focus()
        else:
            self.query_one(ChatInput).focus()

    def action_escape(self) -> None:
        """Stop the replies that are streaming (their text so far is kept); always back to the input."""
        for reply in list(self._live.values()):
            reply.stop()
        self.query_one(ChatInput).focus()

    def action_attach_image(self) -> None:
        self.app.push_screen(ImagePickerScreen(Path.cwd()), lambda p: p and self.check_image(p))

    # -- commands (worker bodies live in tui/command_runner.py) --------------------------------
    async def run_command(self, text: str) -> None:
        try:
            cmd = parse_command(text)
        except CommandError as e:
            await self._log(NoticeMessage(str(e), "error"))
            self.query_one(ChatInput).restore(text)
            return
        if cmd.name == "help":
            await self._log(NoticeMessage(HELP, "info", "help"))
            return
        if self.backend is None:
            self.query_one(ChatInput).restore(text)
            self.notify("the model is still loading — your command is kept in the box", severity="warning")
            return
        run_command(self, cmd, text)

    @work(thread=True, group="image")
    def check_image(self, path: Path, restore: str = "") -> None:
        try:
            path = self.backend.check_image(path)
        except Exception as e:  # noqa: BLE001 - ImageRefused, ValueError, OSError
            self.post_message(M.Notice(f"image refused: {e}", "error", "image", restore))
            return
        self.post_message(M.ImageReady(path))
        try:
            stored = self.backend.add_image(path)
        except Exception as e:  # noqa: BLE001
            self.post_message(M.Notice(f"could not store the image memory: {describe(e)}", "error"))
            return
        if stored is None:
            self.post_message(M.Notice(self.backend.vision_unavailable(), "info"))

    async def on_image_ready(self, msg: M.ImageReady) -> None:
        path = Path(msg.path)
        try:
            await self._log(ImageMessage(path))
        except Exception as e:  # noqa: BLE001 - e.g. a truncated file that passed the header check
            await self._log(NoticeMessage(f"cannot draw {path.name}: {e}", "error"))
            return
        self._pending_image = path
        self.query_one(ChatInput).placeholder = f"Ask about {path.name}… (or any message)"

    async def on_forget_candidates(self, msg: M.ForgetCandidates) -> None:
        if not msg.candidates:
            await self._log(NoticeMessage(f"nothing matches “{msg.query}”", "info", "forget"))
            return

        def done(ids: list[str] | None) -> None:
            if ids:
                delete_many(self, ids)
            else:
                self.run_worker(self._log(NoticeMessage("nothing deleted", "info", "forget")))

        self.app.push_screen(ForgetScreen(msg.query, msg.candidates), done)

    def on_ingest_progress(self, msg: M.IngestProgress) -> None:
        bar = self.query_one("#ingest-progress", ProgressBar)
        bar.display = True
        bar.update(total=msg.total, progress=msg.done)
        self.query_one(StatusBar).busy = f"ingesting {msg.detail}".strip()

    async def on_ingest_done(self, msg: M.IngestDone) -> None:
        self.query_one("#ingest-progress").display = False
        self.query_one(StatusBar).busy = "remembering…" if self._pipelines else ""
        await self._log(NoticeMessage(msg.error or msg.summary, "error" if msg.error else "result", "ingest"))
        self.refresh_memories()
