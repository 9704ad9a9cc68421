"""Deterministic stand-in for the LLM in ingestion tests (the Memory API, store and LanceDB stay real).

Same `generate`/`generate_batch`/`stream` signature as `memlora_mlx.engine.Engine`. Output is JSON derived from the prompt only:
- extract: every `Speaker: text` line of the user message becomes facts "Speaker said: <sentence piece>"
  (pieces of at most 240 chars, at most 6 per line, so long turns yield several facts);
- update: "New fact" containing "no longer" -> DELETE memory 0; containing "actually" -> UPDATE memory 0 with
  the fact; otherwise ADD (the Memory API's exact-duplicate fast path still answers NONE);
- reply (the chat's reply op): a message ending in "?" -> "From memory: <first memory>" or "I don't know that
  yet."; anything else -> "Got it — <message>";
- answer / vqa / anything else: the first memory line shown, or "I don't know".
`ChatScriptedEngine` also mimics a trained extract adapter in a chat: a question yields no facts.
Import from a subprocess with PYTHONPATH=<repo>/tests: `from support.scripted_engine import ScriptedEngine`.
"""

from __future__ import annotations

import json
import re

from memlora_mlx.ingest.formats import chunk_text

_LINE = re.compile(r"^([^:\n]{1,80}):\s*(.+)$")
PIECE = 240
MAX_PIECES = 6


def _pieces(text: str) -> list[str]:
    return chunk_text(" ".join(text.split()), PIECE)[:MAX_PIECES]


def extract_json(user: str, skip_questions: bool = False) -> str:
    facts = []
    for line in user.splitlines():
        if line.startswith("Session date:"):
            continue
        m = _LINE.match(line.strip())
        if m and not (skip_questions and m.group(2).strip().endswith("?")):
            facts += [f"{m.group(1).strip()} said: {p}" for p in _pieces(m.group(2))]
    return json.dumps({"facts": facts})


def update_json(user: str) -> str:
    fact = user.rsplit("New fact:", 1)[-1].strip()
    has_memory = bool(re.search(r"^0: ", user, re.M))
    low = fact.lower()
    if has_memory and "no longer" in low:
        return json.dumps({"event": "DELETE", "id": 0, "text": None})
    if has_memory and "actually" in low:
        return json.dumps({"event": "UPDATE", "id": 0, "text": fact})
    return json.dumps({"event": "ADD", "id": None, "text": fact})


def reply_text(user: str) -> str:
    message = user.split("\n\n[What you remember", 1)[0].strip()
    if not message.endswith("?"):
        return f"Got it — {message}"
    m = re.search(r"^- (?:[^:\n]*\d{4}: )?(.+)$", user, re.M)
    return f"From memory: {m.group(1).strip().rstrip(']')}" if m else "I don't know that yet."


def answer_text(user: str) -> str:
    m = re.search(r"^(?:\d+: |- )(.+)$", user, re.M)
    return m.group(1).strip() if m else "I don't know"


class ScriptedEngine:
    """Deterministic Engine stand-in; records calls in `calls` as (adapter, user_content)."""

    model_id = "scripted"
    context_length = 8192
    skip_questions = False

    def __init__(self):
        self.active_adapter = None
        self.adapter_names = ["extract", "update", "answer", "vqa"]
        self.calls: list[tuple[str | None, str]] = []
        self.last_stats = {"prompt_tokens": 0, "prompt_tps": 0.0, "generation_tokens": 0, "generation_tps": 0.0}
        self._listeners = []

    def use(self, name):
        self.active_adapter = name
        for cb in self._listeners:
            cb({"type": "adapter", "name": name})

    def add_listener(self, cb):
        self._listeners.append(cb)

    def remove_listener(self, cb):
        self._listeners.remove(cb)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def generate(self, messages, *, adapter=None, max_tokens=256, temperature=0.0, json_schema=None, stop=None,
                 **_) -> str:
        self.use(adapter)
        user = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
        self.calls.append((adapter, user))
        if adapter == "extract":
            out = extract_json(user, self.skip_questions)
        elif adapter == "update":
            out = update_json(user)
        elif adapter == "reply":
            out = reply_text(user)
        else:
            out = answer_text(user)
        self.last_stats = {"prompt_tokens": self.count_tokens(user), "prompt_tps": 0.0,
                           "generation_tokens": self.count_tokens(out), "generation_tps": 0.0}
        return out

    def generate_batch(self, conversations, *, adapter=None, max_tokens=256, json_schema=None, stop=None,
                       until=None) -> list[str]:
        return [self.generate(m, adapter=adapter, max_tokens=max_tokens, json_schema=json_schema, stop=stop)
                for m in conversations]

    def stream(self, messages, *, adapter=None, max_tokens=256, temperature=0.0, **kw):
        out = self.generate(messages, adapter=adapter, max_tokens=max_tokens, temperature=temperature, **kw)
        for i in range(0, len(out), 16):
            yield out[i:i + 16]


class ChatScriptedEngine(ScriptedEngine):
    """For chat tests: like an extract adapter trained for chat, a question gives no facts."""

    skip_questions = True


class DraftingEngine(ChatScriptedEngine):
    """Writes a fixed reply draft when the user's message holds a keyword (the first that matches), as the bare 0.5B
    wrote them; other calls as ChatScriptedEngine."""

    def __init__(self, drafts: dict[str, str]):
        super().__init__()
        self.drafts = drafts

    def generate(self, messages, *, adapter=None, **kw):
        said = messages[-1]["content"].split("\n\n[", 1)[0]  # the user's message, without the memories
        if adapter == "reply":
            for word, draft in self.drafts.items():
                if word in said:
                    return draft
        return super().generate(messages, adapter=adapter, **kw)
