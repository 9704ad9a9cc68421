"""SVG snapshots of `memlora chat` (pytest-textual-snapshot). Real Memory API + LanceDB in a tmp dir,
scripted engine for deterministic text. Update with: uv run pytest tests/test_tui_snapshots.py --snapshot-update"""

import time

import pytest

import memlora_mlx  # noqa: F401 - BLAS preload before mlx

pytest.importorskip("memlora_mlx.memory")

from support.scripted_engine import ChatScriptedEngine  # noqa: E402
from tui.app import MemloraApp  # noqa: E402
from tui.widgets.chat_log import AssistantMessage  # noqa: E402
from tui.widgets.chat_input import ChatInput  # noqa: E402
from tui.widgets.memory_panel import MemoryItem  # noqa: E402
from tui.widgets.status_bar import StatusBar  # noqa: E402

SIZE = (120, 36)
FACTS = ["Alice adopted a cat named Miso in May", "Alice works as a nurse in Porto", "Alice is learning Portuguese"]


@pytest.fixture
def app(tmp_path, embedder):
    from memlora_mlx.memory import Memory

    memory = Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder)
    for fact in FACTS:  # one by one: distinct timestamps give a fixed newest-first order
        memory.add(fact, user_id="alice", infer=False, session_date="8 May 2023")
        time.sleep(0.01)
    yield MemloraApp(memory=memory, user_id="alice", cursor_blink=False)
    close = getattr(memory, "close", None)
    if callable(close):
        close()


async def _until(pilot, cond, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "snapshot setup timed out"
        await pilot.pause(0.05)


async def _chat(pilot):
    app = pilot.app
    bar = app.screen.query_one(StatusBar)
    await _until(pilot, lambda: bar.count == len(FACTS))
    box = app.screen.query_one(ChatInput)
    # a question: answered from memory (recall note under it); then a statement: acknowledged, then remembered
    for i, text in enumerate(["what is the name of my cat?", "My sister Lena lives in Porto."], 1):
        box.value = text
        await pilot.press("enter")
        await _until(pilot, lambda: len(app.screen.query(AssistantMessage)) == i
                     and app.screen.query(AssistantMessage).last().done)
        await _until(pilot, lambda: [a for a, _ in app.backend.engine.calls].count("extract") == i and not bar.busy)
    await _until(pilot, lambda: bar.count == len(FACTS) + 1 and not bar.busy)
    bar.tps = 0.0  # wall-clock dependent
    await pilot.pause(0.2)


def test_main_screen(snap_compare, app):
    assert snap_compare(app, run_before=_chat, terminal_size=SIZE)


async def _panel(pilot):
    app = pilot.app
    await _until(pilot, lambda: app.screen.query_one(StatusBar).count == len(FACTS))
    await pilot.press("f2")
    await _until(pilot, lambda: len(app.screen.query(MemoryItem)) == len(FACTS))
    await pilot.pause(0.2)


def test_memory_panel(snap_compare, app):
    assert snap_compare(app, run_before=_panel, terminal_size=SIZE)
