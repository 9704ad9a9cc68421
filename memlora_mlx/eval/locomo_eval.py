"""LoCoMo end to end: ingest each conversation through the Memory API, answer its questions, score them.

Protocol (as Mem0's `evaluation/src/memzero`): each speaker's memories live under their own user id, a
session is added in time order with its date; a question is answered from the top-k memories of BOTH
speakers. Mem0 sends every session to both users with roles flipped and tells its extractor to use only
the "user" (own) turns; here `--speakers own` (default) passes each speaker only their own turns (same
facts, half the extraction work) and `--speakers both` passes the whole session to each speaker.

Layout under --out (one configuration per directory):
  config.json  results.jsonl (one row per question, appended)  summary.json  summary.md
  stores/<sample_id>/ (LanceDB)  stores/<sample_id>.ingest.json (sessions and speakers done; "done" when complete)
Reruns skip finished questions and finished ingestion; --mode full-context / no-memory need no store.
"""

import json
import logging
import platform
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ..locomo import Conversation, load_conversations
from ..memory import rerank
from ..memory.attribution import MARGIN, attribute
from ..ops import answer as answer_op
from ..ops.leaks import op_leaks
from . import report
from .metrics import score_answer

log = logging.getLogger(__name__)

MODES = ("memory", "full-context", "no-memory")
RETRIEVALS = ("focus", "cosine")
QUESTION_ROOM = 96  # full-context: prompt tokens kept free for the question
_KEYS = ("mode", "model", "adapters", "top_k", "speakers", "max_tokens", "context_tokens", "extract_max_tokens",
         "speaker_margin", "retrieval")  # a run dir holds one of these


@dataclass
class EvalConfig:
    files: list[str]
    out: str
    mode: str = "memory"
    model: str | None = None
    adapters: str = "default"
    categories: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5])
    max_questions: int | None = None  # per conversation
    top_k: int = 5  # per speaker
    speakers: str = "own"
    max_tokens: int = 24  # answer length cap
    context_tokens: int | None = None  # full-context: prompt budget (default: the model's context)
    extract_max_tokens: int | None = None  # cap on the extract op's output (default: Memory's)
    speaker_margin: float | None = MARGIN  # memory mode: refuse a question about one speaker whose words the other's
    # memories hold more of, by more than this share (memory/attribution.py); None: no check
    retrieval: str = "focus"  # memory mode: "focus" (memory/rerank.py; a question naming one speaker gets
    # 2 * top_k of that speaker's memories) or "cosine" (top_k per speaker by cosine, Mem0's protocol)
    judge: str | None = None
    batch: int = 8  # questions answered together (batched decoding); 1: one at a time
    ingest_sessions: int = 4  # memory mode: sessions whose extraction is decoded together; 1: one at a time

    @property
    def name(self) -> str:
        ad = Path(self.adapters).name if self.adapters not in ("default", "none") else self.adapters
        return f"{self.mode}/{ad}-adapters"


class Run:
    """One configuration over a set of conversations. `engine` / `memory_factory` may be injected (tests)."""

    def __init__(self, cfg: EvalConfig, engine=None, memory_factory=None, embedder=None):
        if cfg.mode not in MODES:
            raise ValueError(f"--mode must be one of {', '.join(MODES)}, got {cfg.mode!r}")
        if cfg.retrieval not in RETRIEVALS:
            raise ValueError(f"--retrieval must be one of {', '.join(RETRIEVALS)}, got {cfg.retrieval!r}")
        self.cfg, self.out = cfg, Path(cfg.out)
        self._engine, self._memory_factory, self._embedder = engine, memory_factory, embedder
        self.model_calls = 0
        self.truncation: dict = {}

    # --- setup -----------------------------------------------------------------------------
    @property
    def engine(self):
        if self._engine is None:
            from ..engine import Engine

            # full-context reuses the conversation prefix across questions: let the KV cache hold it
            self._engine = Engine(self.cfg.model, adapters=self.cfg.adapters, max_cache_tokens=1 << 15)
        return self._engine

    def _check_config(self):
        self.out.mkdir(parents=True, exist_ok=True)
        p = self.out / "config.json"
        mine = {k: getattr(self.cfg, k) for k in _KEYS}
        if p.exists():
            old = json.loads(p.read_text())
            diff = {k: (old.get(k), v) for k, v in mine.items() if old.get(k) != v}
            if diff:
                raise SystemExit(f"{self.out} holds a run with other settings {diff} (old, new); use another --out")
        p.write_text(json.dumps({**mine, "name": self.cfg.name}, indent=2))

    def _open_memory(self, conv: Conversation):
        path = self.out / "stores" / conv.sample_id
        path.parent.mkdir(parents=True, exist_ok=True)
        if self._memory_factory is not None:
            return self._memory_factory(path)
        from ..memory import Memory

        if self._embedder is None:
            from ..memory.embedder import load_embedder

            self._embedder = load_embedder()
        mt = {"extract": self.cfg.extract_max_tokens} if self.cfg.extract_max_tokens else None
        return Memory(engine=self.engine, store=path, embedder=self._embedder, max_tokens=mt)

    # --- ingest ----------------------------------------------------------------------------
    def ingest(self, conv: Conversation, mem) -> dict:
        """Sessions in time order, `ingest_sessions` at a time: their extraction is decoded together (more rows in
        flight, fewer idle at the end of a batch), then each (session, speaker) is applied in order and recorded, so
        a resumed run adds nothing twice."""
        marker = self.out / "stores" / f"{conv.sample_id}.ingest.json"
        state = json.loads(marker.read_text()) if marker.exists() else {}
        if state.get("done"):
            return state
        done = set(state.get("sessions_done", []))
        applied = set(state.get("calls_done", []))  # "session:speaker" applied, of sessions not yet done
        for k, v in (("seconds", 0.0), ("turns", 0), ("events", {}), ("per_group", [])):
            state.setdefault(k, v)
        todo = [s for s in sorted(conv.sessions, key=lambda s: (s.date is None, s.date, s.index)) if s.index not in done]
        bar = tqdm(total=sum(len(s.turns) for s in todo), desc=f"ingest {conv.sample_id}", unit="turn",
                   dynamic_ncols=True, file=sys.stderr)
        usage = _Usage(self.engine)
        size = max(1, self.cfg.ingest_sessions)
        for g in range(0, len(todo), size):
            group = todo[g:g + size]
            t0, c0, u0 = time.perf_counter(), time.process_time(), usage.snapshot()
            clock = [t0]
            keys, calls = [], []
            for s in group:
                for speaker in conv.speakers:
                    turns = s.turns if self.cfg.speakers == "both" else [t for t in s.turns if t.speaker == speaker]
                    if turns and f"{s.index}:{speaker}" not in applied:
                        keys.append((s, f"{s.index}:{speaker}"))
                        calls.append({"messages": turns, "user_id": speaker, "session_date": s.date_time})
            left = {s.index: sum(1 for k in keys if k[0] is s) for s in group}

            def finish(s):
                done.add(s.index)
                applied.difference_update({f"{s.index}:{sp}" for sp in conv.speakers})
                state["turns"] += len(s.turns)
                bar.update(len(s.turns))

            def on_result(i, res):
                s, key = keys[i]
                for r in (res or {}).get("results", []):
                    ev = r.get("event", "?")
                    state["events"][ev] = state["events"].get(ev, 0) + 1
                applied.add(key)
                left[s.index] -= 1
                if not left[s.index]:
                    finish(s)
                now = time.perf_counter()
                state["seconds"] += now - clock[0]
                clock[0] = now
                save()

            def save():
                state["sessions_done"], state["calls_done"] = sorted(done), sorted(applied)
                marker.write_text(json.dumps(state, indent=2))  # resumable per (session, speaker)

            mem.add_many(calls, on_result=on_result)
            for s in group:
                if not left[s.index] and s.index not in done:  # nothing of it to add (no turns, or all applied)
                    finish(s)
            state["per_group"].append(
                {"sessions": [s.index for s in group], "turns": sum(len(s.turns) for s in group),
                 "seconds": round(time.perf_counter() - t0, 2), "cpu_s": round(time.process_time() - c0, 2),
                 **usage.since(u0)})
            bar.set_postfix(calls=usage.calls, gen_tok=usage.gen)
            save()
        bar.close()
        usage.close()
        state["done"] = True
        marker.write_text(json.dumps(state, indent=2))
        return state

    # --- answer ----------------------------------------------------------------------------
    def _generate_many(self, conversations: list[list[dict]]) -> list[tuple[str, dict]]:
        """Answers of several prompts, decoded together (`Engine.generate_batch`), with each row's stats."""
        if not conversations:
            return []
        eng, stats = self.engine, []
        self.model_calls += len(conversations)

        def on(e):
            if e.get("type") == "stats":
                stats.append(e)

        eng.add_listener(on)
        try:
            outs = eng.generate_batch(conversations, adapter="answer", max_tokens=self.cfg.max_tokens)
        finally:
            eng.remove_listener(on)
        stats = stats if len(stats) == len(outs) else [{}] * len(outs)
        return [(answer_op.final_answer(out, m), {**st, "raw_answer": answer_op.clean_answer(out)})
                for out, m, st in zip(outs, conversations, stats)]

    def _full_context(self, conv: Conversation) -> list[dict]:
        """All turns as dated memories, oldest dropped first until the prompt fits the context."""
        turns = [{"text": t.text + (f" [shares a photo: {t.caption}]" if t.caption else ""), "date": t.timestamp,
                  "speaker": t.speaker} for t in conv.turns]
        eng = self.engine
        limit = min(eng.context_length, self.cfg.context_tokens or eng.context_length)
        budget = limit - self.cfg.max_tokens - QUESTION_ROOM
        cost = [eng.count_tokens(answer_op.format_memory(m)) + 1 for m in turns]
        base = len(eng.prompt_tokens(answer_op.build_messages("", [])))
        total, start = base + sum(cost), 0
        while total > budget and start < len(turns):
            total -= cost[start]
            start += 1
        self.truncation[conv.sample_id] = {"turns": len(turns), "turns_cut": start, "tokens_cut": sum(cost[:start]),
                                           "budget_tokens": budget}
        return turns[start:]

    def answer(self, conv: Conversation, mem=None, done: set | None = None, results=None) -> int:
        qs = [(i, q) for i, q in enumerate(conv.qa) if q.category in self.cfg.categories]
        if self.cfg.max_questions is not None:
            qs = qs[: self.cfg.max_questions]
        todo = [(i, q) for i, q in qs if f"{conv.sample_id}:{i}" not in (done or set())]
        context = self._full_context(conv) if self.cfg.mode == "full-context" and todo else None
        n = 0
        bar = tqdm(total=len(todo), desc=f"answer {conv.sample_id}", unit="q", dynamic_ncols=True, file=sys.stderr)
        size = max(1, self.cfg.batch) if self.cfg.mode == "memory" else 1  # full context: one long prompt at a time
        for at in range(0, len(todo), size):
            group, t0, planned = todo[at:at + size], time.perf_counter(), []
            for i, q in group:  # retrieval first; the model calls of the group are decoded together
                memories, att, ans = [], None, None
                if self.cfg.mode == "memory":
                    if self.cfg.speaker_margin is not None:
                        att = attribute(mem, q.question, list(conv.speakers), margin=self.cfg.speaker_margin)
                    if att is not None and att.elsewhere:  # about someone else: refused without a model call
                        ans = answer_op.UNKNOWN_ANSWER
                    elif not (memories := rerank.retrieve(mem, q.question, list(conv.speakers), self.cfg.top_k,
                                                          self.cfg.retrieval)):
                        ans = answer_op.UNKNOWN_ANSWER
                given = answer_op.build_messages(q.question, memories if self.cfg.mode == "memory" else context or [])
                planned.append((i, q, memories, att, given, ans))
            answered = iter(self._generate_many([g for *_, g, ans in planned if ans is None]))
            latency = (time.perf_counter() - t0) / len(group)  # the group's time, shared by its questions
            for i, q, memories, att, given, ans in planned:
                ans, stats = next(answered) if ans is None else (ans, {})
                self._row(results, conv, i, q, ans, stats, memories, att, given, latency, len(group))
                n += 1
            bar.update(len(group))
        bar.close()
        return n

    def _row(self, results, conv, i, q, ans, stats, memories, att, given, latency, group) -> None:
        gold = q.answer if q.category != 5 else None
        raw = stats.get("raw_answer", ans)  # before the leak guard (final_answer) turned it into the refusal
        row = {
            "qid": f"{conv.sample_id}:{i}", "sample_id": conv.sample_id, "index": i, "category": q.category,
            "question": q.question, "gold": gold, "adversarial_answer": q.adversarial_answer, "answer": ans,
            **score_answer(ans, gold, q.category), "judge": None,
            "retrieved": [m.get("id") for m in memories], "latency_s": round(latency, 4), "batch": group,
            "prompt_tokens": stats.get("prompt_tokens"), "cached_tokens": stats.get("cached_tokens"),
            "generated_tokens": stats.get("generation_tokens"), "mode": self.cfg.mode,
            "leaked": op_leaks(answer_op, ans, given),
            "raw_answer": raw, "raw_leaked": op_leaks(answer_op, raw, given),
            "attribution": None if att is None else {"asked_about": att.asked_about, "fits_best": att.fits_best,
                                                     "fit": {u: round(f, 4) for u, f in att.fit.items()}},
        }
        if self.cfg.judge and q.category != 5:
            from .judge import JudgeError, judge_answer

            try:
                row["judge"] = judge_answer(self.cfg.judge, q.question, gold or "", ans)
            except JudgeError as e:
                log.warning("%s", e)
        results.write(json.dumps(row) + "\n")
        results.flush()

    # --- driver ----------------------------------------------------------------------------
    def run(self) -> dict:
        self._check_config()
        convs = load_conversations(self.cfg.files)
        path = self.out / "results.jsonl"
        done = {r["qid"] for r in report.read_results(path)}
        ingest = {"turns": 0, "seconds": 0.0, "memory_events": 0}
        with open(path, "a", encoding="utf-8") as results:
            for conv in convs:
                mem = None
                try:
                    if self.cfg.mode == "memory":
                        mem = self._open_memory(conv)
                        st = self.ingest(conv, mem)
                        ingest["turns"] += st["turns"]
                        ingest["seconds"] += st["seconds"]
                        ingest["memory_events"] += sum(st["events"].values())
                        for ps in st.get("per_session", []) + st.get("per_group", []):  # older runs: per session
                            for k in ("model_calls", "prompt_tokens", "cached_tokens", "generated_tokens",
                                      "decode_s", "cpu_s"):
                                ingest[k] = round(ingest.get(k, 0) + ps.get(k, 0), 2)
                    self.answer(conv, mem, done, results)
                finally:
                    if mem is not None and hasattr(mem, "close"):
                        mem.close()
        extra = {"config": {"name": self.cfg.name, **{k: getattr(self.cfg, k) for k in _KEYS},
                            "categories": self.cfg.categories, "files": [str(f) for f in self.cfg.files]},
                 "peak_rss_mb": _peak_rss_mb(), "machine": _machine()}
        if self.cfg.mode == "memory" and ingest["turns"]:
            ingest["turns_per_s"] = ingest["turns"] / max(ingest["seconds"], 1e-9)
            extra["ingest"] = ingest
        if self.truncation:
            tr = list(self.truncation.values())
            extra["truncation"] = {k: sum(t[k] for t in tr) for k in ("turns", "turns_cut", "tokens_cut")}
            extra["truncation"]["budget_tokens"] = tr[0]["budget_tokens"]
        return report.write_summary(self.out, extra)


class _Usage:
    """Model calls and tokens seen through the engine's stats events (what bounds ingest speed)."""

    def __init__(self, engine):
        self.engine, self.calls, self.prompt, self.cached, self.gen, self.gen_s = engine, 0, 0, 0, 0, 0.0
        engine.add_listener(self._on)

    def _on(self, e):
        if e.get("type") == "stats":
            self.calls += 1
            self.prompt += e.get("prompt_tokens") or 0
            self.cached += e.get("cached_tokens") or 0
            self.gen += e.get("generation_tokens") or 0
            tps = e.get("generation_tps") or 0
            self.gen_s += (e.get("generation_tokens") or 0) / tps if tps else 0.0

    def snapshot(self):
        return (self.calls, self.prompt, self.cached, self.gen, self.gen_s)

    def since(self, snap) -> dict:
        c, p, k, g, gs = (a - b for a, b in zip(self.snapshot(), snap))
        return {"model_calls": c, "prompt_tokens": p, "cached_tokens": k, "generated_tokens": g,
                "decode_s": round(gs, 2)}

    def close(self):
        try:
            self.engine.remove_listener(self._on)
        except (AttributeError, ValueError):
            pass


def _peak_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1 << 20) if sys.platform == "darwin" else rss / 1024


def _machine() -> str:
    import os

    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"


def run_eval(cfg: EvalConfig, **kw) -> dict:
    return Run(cfg, **kw).run()


__all__ = ["EvalConfig", "Run", "run_eval", "MODES"]
