"""`memlora bench memory`: add throughput and per-operation latency on the real engine, plus store
search latency at 1k/10k/100k memories (bench/memory.py)."""

import tempfile
import time

import memlora_mlx  # noqa: F401  (BLAS preload)

from ..memory.demo import SESSIONS, QUESTIONS, USER
from ..types import Turn


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


def add_bench(model=None, n_turns: int = 12) -> dict:
    from ..engine import Engine
    from ..memory import Memory

    engine = Engine(model)
    calls: dict[str, list[float]] = {}
    engine.add_listener(lambda e: e.get("type") == "stats" and calls.setdefault(e.get("requested") or "base", []).append(e["seconds"]))
    turns = [(date, Turn(speaker=s, text=t)) for date, ts in SESSIONS for s, t in ts]
    turns = (turns * (n_turns // len(turns) + 1))[:n_turns]
    with tempfile.TemporaryDirectory(prefix="memlora-bench-") as tmp:
        mem = Memory(engine=engine, store=f"{tmp}/store")
        per_turn = []
        t0 = time.perf_counter()
        for date, turn in turns:
            t = time.perf_counter()
            mem.add([turn], user_id=USER, session_date=date)
            per_turn.append(time.perf_counter() - t)
        total = time.perf_counter() - t0
        answer_s = []
        for q in QUESTIONS:
            t = time.perf_counter()
            mem.answer(q, user_id=USER)
            answer_s.append(time.perf_counter() - t)
        n_mem = len(mem.get_all(USER)["results"])
    res = {
        "add_turns_per_s": len(turns) / total,
        "add_turn_p50_s": _pct(per_turn, 0.5),
        "add_turn_p95_s": _pct(per_turn, 0.95),
        "answer_e2e_p50_s": _pct(answer_s, 0.5),
        "memories": n_mem,
        "adapters": engine.adapter_names,
    }
    for op, xs in calls.items():
        res[f"{op}_p50_s"], res[f"{op}_p95_s"], res[f"{op}_calls"] = _pct(xs, 0.5), _pct(xs, 0.95), len(xs)
    return res


def run_memory_bench(args) -> dict:
    from .memory import search_bench

    sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())
    res = add_bench(args.model, args.turns)
    print(f"add: {res['add_turns_per_s']:.3f} turns/s (p50 {res['add_turn_p50_s']:.2f} s/turn, "
          f"p95 {res['add_turn_p95_s']:.2f}); adapters {res['adapters']}")
    for op in ("extract", "update", "answer"):
        if f"{op}_p50_s" in res:
            print(f"  {op:8} p50 {res[op + '_p50_s']:.2f} s  p95 {res[op + '_p95_s']:.2f} s  ({res[op + '_calls']} calls)")
    s = search_bench(sizes)
    for key in s["search_p50_ms"]:
        print(f"search @{int(key):>7}: p50 {s['search_p50_ms'][key]:.2f} ms  p95 {s['search_p95_ms'][key]:.2f} ms"
              f"  recall@{s['k']} {s['recall_at_k'].get(key, float('nan')):.2f}  index {s['index_used'].get(key)}")
    res.update(s)
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in res.items()}
