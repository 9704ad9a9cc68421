"""Pilot tests of `memlora chat`: the real Memory API on a real LanceDB store in a tmp dir, the real
embedder; only the LLM is a deterministic scripted engine (tests/support/scripted_engine.py). The chat as a
conversation on a real (tiny) model: tests/test_tui_chat.py."""

import asyncio

import pytest

import memlora_mlx  # noqa: F401 - BLAS preload before mlx

pytest.importorskip("memlora_mlx.memory")

from support.pilot import send, wait_for  # noqa: E402
from support.scripted_engine import ChatScriptedEngine  # noqa: E402
from tui.app import MemloraApp  # noqa: E402
from tui.screens.confirm import ForgetScreen  # noqa: E402
from tui.widgets.chat_input import ChatInput  # noqa: E402
from tui.widgets.chat_log import AssistantMessage, ImageMessage, NoticeMessage, RecallNote, UserMessage  # noqa: E402
from tui.widgets.memory_panel import MemoryItem, MemoryPanel  # noqa: E402
from tui.widgets.status_bar import StatusBar  # noqa: E402

SIZE = (120, 40)


class FailingEngine(ChatScriptedEngine):
    """Scripted engine whose reply generation fails (a broken model), to test error display."""

    def stream(self, messages, *, adapter=None, **kw):
        if adapter == "reply":
            raise RuntimeError("generation failed: out of memory (test)")
        yield from super().stream(messages, adapter=adapter, **kw)


def make_memory(tmp_path, embedder, engine=None):
    from memlora_mlx.memory import Memory

    return Memory(engine=engine or ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder)


def notices(app, kind=None):
    return [n for n in app.screen.query(NoticeMessage) if kind is None or n.has_class(f"-{kind}")]


def text_of(widget) -> str:
    return str(widget.render())


def panel_texts(app) -> list[str]:
    return [it.memory.get("memory") for it in app.screen.query(MemoryItem)]


def close_memory(memory):
    for name in ("close",):
        fn = getattr(memory, name, None)
        if callable(fn):
            fn()


@pytest.fixture
def memory(tmp_path, embedder):
    m = make_memory(tmp_path, embedder)
    yield m
    close_memory(m)


def test_send_message_streams_reply_and_remembers(memory):
    async def run():
        memory.add("Alice has a cat named Miso", user_id="me", infer=False)
        app = MemloraApp(memory=memory, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            bar = app.screen.query_one(StatusBar)
            await wait_for(pilot, lambda: bar.count == 1, what="initial count")
            await send(pilot, "what is the name of my cat?")
            await wait_for(pilot, lambda: app.screen.query(AssistantMessage), what="reply widget")
            reply = app.screen.query_one(AssistantMessage)
            await wait_for(pilot, lambda: reply.done and "Miso" in reply.source, what="streamed reply")
            assert "Miso" in text_of(app.screen.query_one(RecallNote))  # the memory the reply was given
            assert app.screen.query_one(UserMessage)
            assert app.screen.query_one(ChatInput).value == ""
            # the reply op ran, then the pipeline over the question (the extractor finds no fact in it)
            await wait_for(pilot, lambda: "extract" in [a for a, _ in memory.engine.calls] and not bar.busy,
                           what="pipeline after the reply")
            ops = [a for a, _ in memory.engine.calls]
            assert ops.index("reply") < ops.index("extract") and "answer" not in ops and bar.count == 1
            # a statement gets a reply too (an acknowledgement), then the pipeline remembers it
            await send(pilot, "My sister Lena lives in Porto.")
            await wait_for(pilot, lambda: len(app.screen.query(AssistantMessage)) == 2
                           and app.screen.query(AssistantMessage).last().done, what="ack")
            assert "Lena lives in Porto" in app.screen.query(AssistantMessage).last().source
            await wait_for(pilot, lambda: bar.count == 2 and not bar.busy, what="statement remembered")
            assert any("Porto" in m["memory"] for m in memory.get_all(user_id="me")["results"])
            assert [m["role"] for m in app.backend.conversation.history] == ["user", "assistant"] * 2

    asyncio.run(run())


def test_a_follow_up_shows_what_it_was_understood_as(memory):
    async def run():
        app = MemloraApp(memory=memory, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            bar = app.screen.query_one(StatusBar)
            for n, text in enumerate(["I just adopted a puppy.", "She's called Bean."], start=1):
                await send(pilot, text)
                await wait_for(pilot, lambda n=n: len(app.screen.query(AssistantMessage)) == n
                               and app.screen.query(AssistantMessage).last().done and not bar.busy, what=text)
            note = text_of(app.screen.query(RecallNote).last())
            assert "understood as: My puppy is called Bean." in note
            assert app.backend.conversation.history[-2]["content"] == "She's called Bean."  # the words as typed

    asyncio.run(run())


def test_status_bar_shows_the_model_and_why_it_was_chosen(memory):
    async def run():
        app = MemloraApp(memory=memory, cursor_blink=False)
        app.backend.model_reason = "the CPU default"  # load_backend sets it when the default preset is used
        async with app.run_test(size=SIZE) as pilot:
            bar = app.screen.query_one(StatusBar)
            await wait_for(pilot, lambda: bar.model, what="model shown")
            assert bar.model == "scripted (the CPU default)"

    asyncio.run(run())


def test_memory_panel_shows_add_and_delete(memory):
    async def run():
        app = MemloraApp(memory=memory, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f2")
            panel = app.screen.query_one(MemoryPanel)
            assert panel.display
            # an ADD made outside the UI (another verb of the API) arrives through the listener
            await send(pilot, "/remember Bob moved to Lisbon in March")
            await wait_for(pilot, lambda: "Bob moved to Lisbon in March" in panel_texts(app), what="ADD in panel")
            assert "ADD" in text_of(panel.query_one("#memory-event"))
            await send(pilot, "/remember Bob likes green tea")
            await wait_for(pilot, lambda: len(panel_texts(app)) == 2, what="second ADD")
            assert panel_texts(app)[0] == "Bob likes green tea"  # newest first
            # delete the selected (newest) memory from the panel, confirming in the modal
            panel.query_one("#memory-list").focus()
            await pilot.press("d")
            await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ConfirmScreen", what="confirm modal")
            await pilot.press("y")
            await wait_for(pilot, lambda: panel_texts(app) == ["Bob moved to Lisbon in March"], what="DELETE in panel")
            assert [m["memory"] for m in memory.get_all(user_id="me")["results"]] == ["Bob moved to Lisbon in March"]
            # edit it (UPDATE), then open its history in the modal
            panel.query_one("#memory-list").focus()
            await pilot.press("e")
            await wait_for(pilot, lambda: app.screen.__class__.__name__ == "EditMemoryScreen", what="edit modal")
            app.screen.query_one("#edit-text").value = "Bob moved to Lisbon in April"
            await pilot.press("enter")
            await wait_for(pilot, lambda: panel_texts(app) == ["Bob moved to Lisbon in April"], what="UPDATE in panel")
            assert "UPDATE" in text_of(panel.query_one("#memory-event"))
            panel.query_one("#memory-list").focus()
            await pilot.press("h")
            await wait_for(pilot, lambda: app.screen.__class__.__name__ == "HistoryScreen", what="history modal")
            rows = [app.screen.query_one("#history-table").get_row_at(i)
                    for i in range(app.screen.query_one("#history-table").row_count)]
            assert [r[1] for r in rows] == ["ADD", "UPDATE"]
            assert rows[1][2:] == ["Bob moved to Lisbon in March", "Bob moved to Lisbon in April"]

    asyncio.run(run())


def test_forget_asks_before_deleting(memory):
    async def run():
        for text in ("Carol plays the violin", "Carol lives in Oslo", "Dan drives a red truck"):
            memory.add(text, user_id="me", infer=False)
        app = MemloraApp(memory=memory, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, "/forget violin")
            await wait_for(pilot, lambda: isinstance(app.screen, ForgetScreen), what="forget modal")
            shown = [str(o.prompt) for o in app.screen.query_one("#forget-list")._options]
            assert shown[0] == "Carol plays the violin"  # best match first, and only it preselected
            assert len(memory.get_all(user_id="me")["results"]) == 3  # nothing deleted before confirming
            # cancel first: nothing happens
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, ForgetScreen), what="modal closed")
            assert len(memory.get_all(user_id="me")["results"]) == 3
            await send(pilot, "/forget violin")
            await wait_for(pilot, lambda: isinstance(app.screen, ForgetScreen), what="forget modal again")
            await pilot.click("#yes")
            await wait_for(pilot, lambda: len(memory.get_all(user_id="me")["results"]) == 2, what="deleted")
            left = sorted(m["memory"] for m in memory.get_all(user_id="me")["results"])
            assert left == ["Carol lives in Oslo", "Dan drives a red truck"]
            await wait_for(pilot, lambda: any("deleted 1 memory" in text_of(n) for n in notices(app)), what="notice")

    asyncio.run(run())


def test_image_attach_and_question(memory, tmp_path):
    from PIL import Image

    png = tmp_path / "red square.png"
    img = Image.new("RGB", (32, 24), (255, 255, 255))
    img.paste((220, 30, 30), (8, 6, 24, 18))
    img.save(png)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really a png")

    async def run():
        app = MemloraApp(memory=memory, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, f"/image {png}")
            await wait_for(pilot, lambda: app.screen.query(ImageMessage), what="image shown")
            assert app.screen.query_one(ImageMessage).path.name == "red square.png"
            assert "red square.png" in app.screen.query_one(ChatInput).placeholder
            # a question about the image goes to the vision path, or says clearly that it is missing
            await send(pilot, "what colour is the square?")
            await wait_for(pilot, lambda: any("vision" in text_of(n) for n in notices(app))
                           or app.screen.query(AssistantMessage), what="vision answer or notice")
            # an unreadable image: a specific error, and the typed command comes back
            await send(pilot, f"/image {broken}")
            await wait_for(pilot, lambda: any("broken.png" in text_of(n) for n in notices(app, "error")), what="error")
            assert app.screen.query_one(ChatInput).value == f"/image {broken}"
            assert len(app.screen.query(ImageMessage)) == 1
            # ctrl+o opens the file picker (a DirectoryTree in a modal); escape cancels
            await pilot.press("ctrl+o")
            await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ImagePickerScreen", what="picker")
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ChatScreen", what="picker closed")

    asyncio.run(run())


def test_generation_error_is_shown_and_input_restored(tmp_path, embedder):
    memory = make_memory(tmp_path, embedder, FailingEngine())

    async def run():
        app = MemloraApp(memory=memory, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            memory.add("Eve is allergic to peanuts", user_id="me", infer=False)
            await send(pilot, "is Eve allergic to anything?")
            await wait_for(pilot, lambda: notices(app, "error"), what="error notice")
            assert "out of memory (test)" in text_of(notices(app, "error")[0])
            assert app.screen.query_one(ChatInput).value == "is Eve allergic to anything?"
            assert not app.screen.query(AssistantMessage)  # the half reply is removed
            # the app keeps running: a command still works afterwards
            await send(pilot, "/search peanuts")
            await wait_for(pilot, lambda: notices(app, "result"), what="search result")
            assert "Eve is allergic to peanuts" in text_of(notices(app, "result")[0])

    try:
        asyncio.run(run())
    finally:
        close_memory(memory)


def test_store_locked_is_reported(tmp_path, embedder):
    """A second app on a store held by another writer shows a specific message and keeps running."""
    memory = make_memory(tmp_path, embedder)

    async def run():
        app = MemloraApp(store=tmp_path / "store", cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: notices(app, "error"), timeout=60, what="load error")
            msg = text_of(notices(app, "error")[0])
            assert "locked" in msg
            await send(pilot, "hello")  # not loaded: the text stays in the box
            assert app.screen.query_one(ChatInput).value == "hello"

    try:
        asyncio.run(run())
    finally:
        close_memory(memory)


def test_unknown_command_and_input_history(memory):
    async def run():
        app = MemloraApp(memory=memory, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, "/frobnicate now")
            await wait_for(pilot, lambda: notices(app, "error"), what="unknown command error")
            assert "unknown command /frobnicate" in text_of(notices(app, "error")[0])
            box = app.screen.query_one(ChatInput)
            assert box.value == "/frobnicate now"
            box.value = ""
            await send(pilot, "/help")
            await pilot.press("up")
            assert box.value == "/help"
            await pilot.press("up")
            assert box.value == "/frobnicate now"
            await pilot.press("down", "down")
            assert box.value == ""

    asyncio.run(run())


def test_ingest_and_export_run_in_background(memory, tmp_path):
    import json

    from textual.widgets import ProgressBar

    transcript = tmp_path / "chat.txt"
    transcript.write_text("me: I started a pottery class on Tuesdays.\nFriend: Nice!\nme: My brother Tom lives in Lyon.\n")
    out = tmp_path / "export" / "memories.jsonl"

    async def run():
        app = MemloraApp(memory=memory, cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, f"/ingest {transcript}")
            bar = app.screen.query_one("#ingest-progress", ProgressBar)
            await wait_for(pilot, lambda: any("ingested" in text_of(n) for n in notices(app, "result")),
                           timeout=40, what="ingest done")
            assert bar.progress == bar.total == 3  # only progress messages from the worker move the bar
            assert not bar.display  # shown while ingesting, hidden again when done
            texts = " ".join(m["memory"] for m in memory.get_all(user_id="me")["results"])
            assert "pottery" in texts and "Lyon" in texts
            await send(pilot, "/ingest /no/such/file.txt")
            await wait_for(pilot, lambda: notices(app, "error"), what="ingest error")
            assert "/no/such/file.txt" in text_of(notices(app, "error")[0])
            assert app.screen.query_one(ChatInput).value == "/ingest /no/such/file.txt"
            app.screen.query_one(ChatInput).value = ""
            await send(pilot, f"/export {out}")
            await wait_for(pilot, lambda: any("exported" in text_of(n) for n in notices(app, "result")), what="export")
            rows = [json.loads(line) for line in out.read_text().splitlines()]
            assert sum(r["type"] == "memory" for r in rows) == len(memory.get_all(user_id="me")["results"])

    asyncio.run(run())
