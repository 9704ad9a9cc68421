"""`memlora chat --script FILE`: play a file of messages through the chat's own code path (`Conversation`, as the
app uses it) and print each reply with its timings, the memories it recalled and the memory events it caused.

Script format: one message per line; blank lines and lines starting with `#` are skipped; `/new` starts a new
chat on the same store (history cleared, memories kept). The memory pipeline of a message finishes before the
next message is sent, so every event is attributable to its message.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
import time
from pathlib import Path

from .conversation import Conversation


def read_script(path: str | Path) -> list[str]:
    """Messages and `/new` markers, in order (other slash commands are reported and skipped by `drive`)."""
    lines = Path(path).expanduser().read_text(encoding="utf-8").splitlines()
    return [s for s in (ln.strip() for ln in lines) if s and not s.startswith("#")]


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    xs = sorted(values)
    return xs[max(0, math.ceil(p / 100 * len(xs)) - 1)]


def _fmt_s(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f} s"


def drive(conversation: Conversation, lines: list[str], out=sys.stdout, *, live: bool = True) -> dict:
    """Play `lines`; returns {"turns": [...], "summary": {...}}. With `live`, replies stream to `out` as text."""
    say = (lambda s="", end="\n": print(s, end=end, file=out, flush=True)) if live \
        else (lambda s="", end="\n": None)
    progress = (lambda s: None) if live else (lambda s: print(s, file=sys.stderr, flush=True))
    conv, chat, turns = conversation, 1, []
    n_messages = sum(1 for ln in lines if not ln.startswith("/"))
    say(f"== chat {chat} ==\nmemlora: {conv.opening}")
    for line in lines:
        if line.split()[0].lower() == "/new":
            conv, chat = conv.new(), chat + 1
            say(f"\n== chat {chat} (new chat, same memories) ==\nmemlora: {conv.opening}")
            continue
        if line.startswith("/"):
            say(f"\n(skipped {line.split()[0]}: a script only knows /new)")
            continue
        progress(f"[{len(turns) + 1}/{n_messages}] {line}")
        row = {"chat": chat, "message": line}
        say(f"\nyou: {line}\nmemlora: ", end="")
        streamed = ""
        try:
            reply = conv.turn(line)
            for delta in reply:
                streamed += delta
                say(delta, end="")
        except Exception as e:  # noqa: BLE001 - reported, and the script goes on
            row["error"] = f"{type(e).__name__}: {e}"
            say(f"[reply failed: {row['error']}]")
            turns.append(row)
            continue
        stats = reply.stats
        row.update(reply=reply.text, first_token_s=reply.first_token_s, reply_s=reply.total_s,
                   retrieval_s=reply.retrieval_s, tokens=reply.tokens, tps=reply.tps,
                   prompt_tokens=stats.get("prompt_tokens"), cached_tokens=stats.get("cached_tokens"),
                   recalled=reply.memory_texts, ungrounded=reply.ungrounded)
        say()
        if reply.ungrounded:
            say(f"  replaced by: {reply.text} (the draft named {', '.join(reply.ungrounded)}, which neither you nor "
                "the memories said)")
        elif reply.text != streamed.strip():  # said as the user -> to you, or a refusal -> the memory shown
            say(f"  final text: {reply.text}")
        prompt = f" · prompt {row['prompt_tokens']} tok ({row['cached_tokens']} cached)" \
            if row["prompt_tokens"] is not None else ""
        say(f"  first token {_fmt_s(reply.first_token_s)} · reply {_fmt_s(reply.total_s)} · {reply.tokens} tokens, "
            f"{reply.tps:.1f} tok/s{prompt}")
        if reply.understood != reply.message:
            row["understood"] = reply.understood
            say(f"  understood as: {reply.understood}")
        say("  recalled: " + ("; ".join(row["recalled"]) if row["recalled"] else "none"))
        t0 = time.perf_counter()
        try:
            events = conv.remember(line, reply.text)
        except Exception as e:  # noqa: BLE001
            events = []
            row["pipeline_error"] = f"{type(e).__name__}: {e}"
            say(f"  memory pipeline failed: {row['pipeline_error']}")
        row["pipeline_s"] = time.perf_counter() - t0
        row["events"] = [{k: ev[k] for k in ("event", "memory", "previous_memory") if k in ev} for ev in events]
        for ev in row["events"]:
            was = f" (was: {ev['previous_memory']})" if ev.get("previous_memory") else ""
            say(f"  memory {ev['event']}: {ev['memory']}{was}")
        if not events:
            say("  memory: no change")
        say(f"  pipeline {row['pipeline_s']:.2f} s")
        turns.append(row)
    report = {"turns": turns, "summary": summarize(conversation, turns, chat)}
    _print_summary(report["summary"], say)
    return report


def summarize(conversation: Conversation, turns: list[dict], chats: int) -> dict:
    ok = [t for t in turns if "error" not in t]
    first = [t["first_token_s"] for t in ok if t.get("first_token_s") is not None]
    memories = conversation.memory.get_all(user_id=conversation.user_id)["results"]
    return {
        "model": str(getattr(conversation.engine, "model_id", "")),
        "chats": chats, "messages": len(turns), "failed": len(turns) - len(ok),
        "first_token_p50_s": percentile(first, 50), "first_token_p95_s": percentile(first, 95),
        "reply_p50_s": percentile([t["reply_s"] for t in ok], 50),
        "tps_mean": (sum(t["tps"] for t in ok) / len(ok)) if ok else None,
        "memories_created": sum(ev["event"] == "ADD" for t in ok for ev in t.get("events", [])),
        "memories": sorted(m["memory"] for m in memories),
    }


def _print_summary(s: dict, say) -> None:
    say(f"\n== summary ({s['model']}) ==")
    say(f"{s['messages']} messages in {s['chats']} chat(s), {s['failed']} failed")
    say(f"first token p50 {_fmt_s(s['first_token_p50_s'])}, p95 {_fmt_s(s['first_token_p95_s'])}; "
        f"reply p50 {_fmt_s(s['reply_p50_s'])}" + (f"; {s['tps_mean']:.1f} tok/s mean" if s["tps_mean"] else ""))
    say(f"memories created (ADD events): {s['memories_created']}; memories now: {len(s['memories'])}")
    for m in s["memories"]:
        say(f"- {m}")


def main(script: str | Path, *, user: str = "me", store: str | Path | None = None, model: str | None = None,
         json_out: bool = False, memory=None, out=None, **conversation_kwargs) -> int:
    """Run a script (`memlora chat --script`). Without `store`, a temporary store (deleted after) keeps the
    drive's facts out of your memories. `memory` (a Memory) is injected by tests."""
    out = out or sys.stdout
    lines = read_script(script)
    tmp = None
    owned = memory is None
    if owned:
        from ..memory.memory import Memory

        if store is None:
            tmp = tempfile.TemporaryDirectory(prefix="memlora-drive-")
            store = Path(tmp.name) / "store"
        memory = Memory(store=Path(store).expanduser(), model=model)
    try:
        conv = Conversation(memory, user, **conversation_kwargs)
        conv.engine  # noqa: B018 - load the model before the first timing
        memory.embedder  # noqa: B018
        warm_s = conv.warm()
        print(f"(warm-up: reply prompt prefix computed in {warm_s:.2f} s, as the app does after loading)",
              file=sys.stderr if json_out else out)
        report = drive(conv, lines, out, live=not json_out)
        if json_out:
            print(json.dumps(report, indent=2, ensure_ascii=False), file=out)
        return 1 if report["summary"]["messages"] and report["summary"]["failed"] == report["summary"]["messages"] \
            else 0
    finally:
        if owned:
            memory.close()
        if tmp is not None:
            tmp.cleanup()
