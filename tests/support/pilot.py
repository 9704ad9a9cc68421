"""Pilot helpers shared by the TUI tests."""

import time

from tui.widgets.chat_input import ChatInput


async def wait_for(pilot, cond, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def send(pilot, text):
    box = pilot.app.screen.query_one(ChatInput)
    box.focus()
    box.value = text
    await pilot.press("enter")
