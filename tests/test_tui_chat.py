"""Pilot tests of the chat as a conversation, on a real Engine (tiny random-weight llama with the real tokenizer:
its replies are noise, fine for plumbing), the real Memory API on LanceDB in a tmp dir and the real embedder."""

import asyncio
import threading
import time

import pytest

import memlora_mlx  # noqa: F401 - BLAS preload before mlx
from memlora_mlx.memory import Memory
from support.pilot import send, wait_for
from tui.app import MemloraApp
from tui.screens.chat import ChatScreen
from tui.widgets.chat_input import ChatInput
from tui.widgets.chat_log import AssistantMessage, UserMessage
from tui.widgets.status_bar import StatusBar

SIZE = (120, 40)


class Wrapped:
    """A real engine with hooks: every stream call is logged as ("stream", adapter); replies can be slowed per
    delta; extraction can be held until `release` is set."""

    def __init__(self, engine, events, delay=0.0, hold_extract=False, reply_text=None):
        self._engine, self.events, self.delay, self.reply_text = engine, events, delay, reply_text
        self.release = threading.Event()
        if not hold_extract:
            self.release.set()

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def stream(self, messages, **kw):
        adapter = kw.get("adapter")
        self.events.append(("stream", adapter))
        if adapter == "extract":
            assert self.release.wait(30), "extract held too long"
        if adapter == "reply" and self.reply_text:  # a reply as the bare 0.5B wrote it, in pieces
            yield from (self.reply_text[i:i + 5] for i in range(0, len(self.reply_text), 5))
            return
        for delta in self._engine.stream(messages, **kw):
            if adapter == "reply" and self.delay:
                time.sleep(self.delay)
            yield delta


@pytest.fixture(scope="module")
def tiny_engine(tiny_model_dir):
    from memlora_mlx.engine import Engine

    return Engine(str(tiny_model_dir), adapters="none")


@pytest.fixture
def make_app(tmp_path, embedder, tiny_engine):
    memories = []

    def make(events=None, **kw):
        engine = Wrapped(tiny_engine, events if events is not None else [], **kw)
        memory = Memory(engine=engine, store=tmp_path / "store", embedder=embedder)
        memories.append(memory)
        app = MemloraApp(memory=memory, user_id="alex", cursor_blink=False)
        app.backend.conversation.max_tokens = 24
        return app

    yield make
    for m in memories:
        m.close()


def replies(app):
    return list(app.screen.query(AssistantMessage))


def test_every_message_gets_a_reply_then_the_pipeline(make_app, monkeypatch):
    events = []
    original = ChatScreen.on_reply_done

    async def spy(self, msg):
        events.append(("reply-done", msg.prompt))
        await original(self, msg)

    monkeypatch.setattr(ChatScreen, "on_reply_done", spy)
    app = make_app(events)

    async def run():
        async with app.run_test(size=SIZE) as pilot:
            bar = app.screen.query_one(StatusBar)
            await wait_for(pilot, lambda: bar.count == 0, what="ready")
            msgs = ["My sister Anna is a firefighter in Denver.", "What does my sister do?", "Write a haiku about tea."]
            for i, text in enumerate(msgs, 1):
                await send(pilot, text)
                await wait_for(pilot, lambda: len(replies(app)) == i and replies(app)[-1].done, what=f"reply {i}")
                await wait_for(pilot, lambda: events.count(("stream", "extract")) == i and not bar.busy,
                               what=f"pipeline {i}")
            assert [str(u.render()) for u in app.screen.query(UserMessage)] == msgs
            assert all(r.done and r.source.strip() for r in replies(app))  # each one a real (streamed) reply
            assert "remember that" not in " ".join(r.source for r in replies(app))  # no canned acknowledgement
            # per message: the reply streams, is done, and only then the memory pipeline runs over the message
            order = [e for e in events if e[0] == "reply-done" or e[1] in ("reply", "extract")]
            assert order == [e for text in msgs for e in (("stream", "reply"), ("reply-done", text),
                                                          ("stream", "extract"))]
            conv = app.backend.conversation
            assert [m["content"] for m in conv.history if m["role"] == "user"] == msgs

    asyncio.run(run())


def test_a_made_up_reply_is_replaced_on_screen_with_a_note(make_app):
    app = make_app(reply_text="You told me your brother's name is Rui.")

    async def run():
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, "What's my brother's name?")
            await wait_for(pilot, lambda: replies(app) and replies(app)[0].done, what="reply")
            shown = replies(app)[0].source
            assert shown.startswith("I don't know that yet: you haven't told me.") and "Rui" not in shown.split("_")[0]
            assert "_(the draft named Rui, which you never told me)_" in shown
            assert app.backend.conversation.history[-1]["content"] == "I don't know that yet: you haven't told me."

    asyncio.run(run())


def test_escape_stops_a_reply_and_keeps_the_partial_text(make_app, monkeypatch):
    from memlora_mlx.ops import reply as reply_op

    monkeypatch.setattr(reply_op, "_loop_at", lambda text: None)  # the tiny model's noise repeats itself: the loop
    # guard would end the reply before Esc does
    events = []
    app = make_app(events, delay=0.05)
    app.backend.conversation.max_tokens = 400  # ~20 s at the slowed pace: only Esc ends it in time

    async def run():
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, "Tell me a very long story about the sea.")
            await wait_for(pilot, lambda: replies(app) and replies(app)[0].source.strip(), what="first chunk")
            started = time.monotonic()
            await pilot.press("escape")
            reply = replies(app)[0]
            await wait_for(pilot, lambda: reply.done, timeout=5, what="stopped reply")
            assert time.monotonic() - started < 5
            assert reply.stopped and reply.source.rstrip().endswith("_(stopped)_")
            kept = app.backend.conversation.history[-1]["content"]
            assert kept and kept in reply.source  # the partial text stays, on screen and in the chat's history
            assert app.backend.memory.engine.count_tokens(kept) < 200
            assert app.screen.query_one(ChatInput).has_focus
            # the message still feeds memory, and the next message gets its own full reply
            await wait_for(pilot, lambda: ("stream", "extract") in events, what="pipeline after a stopped reply")
            app.backend.conversation.max_tokens = 8
            await send(pilot, "ok")
            await wait_for(pilot, lambda: len(replies(app)) == 2 and replies(app)[1].done, what="next reply")
            assert not replies(app)[1].stopped

    asyncio.run(run())


def test_typing_stays_responsive_while_the_pipeline_runs(make_app):
    events = []
    app = make_app(events, hold_extract=True)

    async def run():
        async with app.run_test(size=SIZE) as pilot:
            bar = app.screen.query_one(StatusBar)
            await send(pilot, "I adopted a dog called Rex last month.")
            await wait_for(pilot, lambda: ("stream", "extract") in events and bar.busy, what="pipeline busy")
            box = app.screen.query_one(ChatInput)
            box.focus()
            await pilot.press("h", "e", "l", "l", "o")
            assert box.value == "hello" and bar.busy  # typed while the extraction is still held
            assert not app.backend.engine.release.is_set()
            app.backend.engine.release.set()
            await wait_for(pilot, lambda: not bar.busy, what="pipeline done")

    try:
        asyncio.run(run())
    finally:
        app.backend.engine.release.set()
