"""`memlora demo`: ingest a short built-in conversation, show the memory events, answer from memory.

Runs on the embedded default model, offline, in a temporary store unless --store is given. Everything
printed is what the model really produced (no canned output).
"""

from __future__ import annotations

import sys
import tempfile
import time

from ..types import Turn

USER = "alex"
SESSIONS = [
    ("2:10 pm on 8 May, 2023", [
        ("Alex", "Guess what, I moved to Boston last week for my new job as a nurse!"),
        ("Sam", "Congrats! How is the new place?"),
        ("Alex", "Small, but cozy. I also adopted a cat named Miso."),
    ]),
    ("6:30 pm on 20 June, 2023", [
        ("Sam", "Are you settling in?"),
        ("Alex", "Yes! I started violin lessons on Saturdays."),
    ]),
    ("9:00 am on 2 September, 2023", [
        ("Alex", "Big change: I left Boston and moved to Seattle last month."),
        ("Sam", "Wow, that was fast. Do you like it?"),
    ]),
]
QUESTIONS = ["Where does Alex live now?", "What is the name of Alex's cat?", "What instrument is Alex learning?"]


def add_parser(sub, name):
    p = sub.add_parser(name, help="ingest a short built-in conversation and answer from memory")
    p.add_argument("--store", default=None, help="store directory (default: a temporary one, deleted after)")
    p.add_argument("--user", default=USER, help=f"user id for the demo memories (default: {USER})")
    p.add_argument("--quick", action="store_true", help="first session and first question only (smoke test)")
    p.set_defaults(func=run_demo)


def _say(text: str = "", **kw) -> None:
    print(text, flush=True, **kw)


def run_demo(args) -> int:
    tmp = None
    if args.store is None:
        tmp = tempfile.TemporaryDirectory(prefix="memlora-demo-")
        store = f"{tmp.name}/store"
    else:
        store = args.store
    try:
        n = 1 if args.quick else len(SESSIONS)
        return _demo(store, args.user, getattr(args, "model", None), tmp is not None, SESSIONS[:n], QUESTIONS[:n])
    finally:
        if tmp is not None:
            tmp.cleanup()


def _demo(store: str, user: str, model: str | None, temporary: bool, sessions, questions) -> int:
    from ..engine import Engine
    from .memory import Memory, answer_context
    from ..ops import answer as answer_op

    t0 = time.perf_counter()
    _say("memlora demo: on-device memory, offline\n")
    engine = Engine(model)
    tokens = {"prompt": 0, "cached": 0, "generated": 0}

    def count(ev):
        if ev.get("type") == "stats":
            tokens["prompt"] += ev.get("prompt_tokens", 0)
            tokens["cached"] += ev.get("cached_tokens", 0)
            tokens["generated"] += ev.get("generation_tokens", 0)

    engine.add_listener(count)
    adapters = ", ".join(engine.adapter_names) or "none (bare base model; see `memlora train`)"
    _say(f"model     {engine.model_id}\nadapters  {adapters}\nstore     {store}{' (temporary)' if temporary else ''}")
    _say(f"loaded in {time.perf_counter() - t0:.1f} s\n")
    with Memory(engine=engine, store=store) as mem:
        for i, (date, turns) in enumerate(sessions, start=1):
            _say(f"-- session {i}, {date}")
            for speaker, text in turns:
                _say(f"   {speaker}: {text}")
            t = time.perf_counter()
            res = mem.add([Turn(s, x) for s, x in turns], user_id=user, session_date=date)
            for r in res["results"]:
                prev = f"   (was: {r['previous_memory']})" if r.get("previous_memory") else ""
                _say(f"   {r['event']:<6} {r['memory']}{prev}")
            if not res["results"]:
                _say("   (no memory events)")
            _say(f"   [{time.perf_counter() - t:.1f} s]\n")

        _say("-- memories now stored")
        for m in mem.get_all(user)["results"]:
            _say(f"   {(m['source'] or {}).get('session_date', ''):<17} {m['memory']}")
        _say()

        for q in questions:
            t = time.perf_counter()
            used = mem.retrieve(q, user, limit=5)
            _say(f"Q: {q}\nA: ", end="")
            for delta in answer_op.stream_answer(engine, q, answer_context(used), max_tokens=mem.max_tokens["answer"]):
                sys.stdout.write(delta)
                sys.stdout.flush()
            _say(f"\n   [{time.perf_counter() - t:.1f} s, from {len(used)} memories]")
    _say(f"\ndone in {time.perf_counter() - t0:.1f} s ({tokens['prompt']} prompt tokens, {tokens['cached']} of them "
         f"from the prompt cache, {tokens['generated']} generated)")
    return 0
