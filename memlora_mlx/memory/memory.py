"""Memory: mem0-style verbs over the ops (extract -> update -> apply), a LanceDB store and an embedder.

    m = Memory()                                  # default store, lazy engine and embedder
    m.add([{"role": "user", "content": "I moved to Paris"}], user_id="alice", session_date="8 May 2023")
    m.search("where does alice live", user_id="alice")
    m.answer("Where does Alice live?", user_id="alice")

Fast paths (no model call): no stored memory of the user at cosine >= `update_threshold`, or none close enough for the
guards below to let a model decision through (`update.settled`) -> ADD; an exact duplicate (case/space/punctuation-
insensitive) among the similar memories -> NONE. Guards: an UPDATE or DELETE of a memory with cosine <
`min_update_similarity` to the new fact (about something else), or an UPDATE whose merged text drops the fact, becomes
an ADD of the fact; so does a NONE ("already known") unless the memory it cites is at cosine >= `min_none_similarity`
(a near restatement), and a DELETE for a fact that retracts nothing; a DELETE of a memory this call just updated is a
NONE. A retraction ("bea stopped doing pottery.") is stored as the memory is deleted (`update.superseding`). The update
op's DELETE keeps a history row; `delete(id)` by the user purges it too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from .. import paths
from .attribution import attribute
from .memory_io import export_jsonl, import_jsonl
from ..ops import answer as answer_op
from ..ops.answer import answer_context  # noqa: F401  (public API here too)
from ..ops import extract as extract_op
from ..ops import update as update_op
from ..ops.parsing import format_date, normalize_text
from .store import HistoryRecord, MemoryRecord, MemoryStore
from .messages import chunk_turns, to_turns  # noqa: F401  (to_turns is public API here too)
from ..types import Turn

log = logging.getLogger(__name__)

DEFAULT_DIM = 384  # all-MiniLM-L6-v2


def record_dict(rec: MemoryRecord, score: float | None = None) -> dict:
    d = {"id": rec.id, "memory": rec.text, "user_id": rec.user_id, "created_at": rec.created_at,
         "updated_at": rec.updated_at, "metadata": rec.metadata, "source": rec.source}
    return {**d, "score": score} if score is not None else d


class Memory:
    def __init__(self, engine=None, store=None, embedder=None, *, top_k_update: int = 5, top_k_search: int = 10,
                 update_threshold: float = 0.3, min_update_similarity: float = update_op.MIN_UPDATE_SIMILARITY,
                 min_none_similarity: float = update_op.MIN_NONE_SIMILARITY,
                 model: str | None = None, read_only: bool = False,
                 on_event: Callable[[dict], None] | None = None, max_tokens: dict | None = None,
                 vision="auto"):
        self._engine, self._model = engine, model
        self._vision = vision  # VisionPipeline | "auto" (the base's shipped vision model, if any) | None
        self._embedder = embedder
        dim = embedder.dim if embedder is not None else DEFAULT_DIM
        self.store = store if isinstance(store, MemoryStore) else MemoryStore(
            Path(store) if store is not None else paths.default_store(), dim=dim, writer=not read_only)
        self.top_k_update, self.top_k_search = top_k_update, top_k_search
        self.update_threshold, self.min_update_similarity = update_threshold, min_update_similarity
        self.min_none_similarity = min_none_similarity
        self.max_tokens = {"extract": 256, "update": 96, "answer": 32, **(max_tokens or {})}
        self._listeners: list[Callable[[dict], None]] = [on_event] if on_event else []

    # -- lazy components -------------------------------------------------------------------------
    @property
    def engine(self):
        if self._engine is None:
            from ..engine import Engine

            self._engine = Engine(self._model)
        return self._engine

    @property
    def embedder(self):
        if self._embedder is None:
            from .embedder import load_embedder

            self._embedder = load_embedder()
        return self._embedder

    @property
    def vision(self):
        """The image pipeline, or None when no vision model is available for this base."""
        if self._vision == "auto":
            from ..vision.pipeline import VisionPipeline, default_vision_dir

            has = getattr(self.engine, "vlm", None) is not None \
                or (default_vision_dir(self.engine.model_id) / "vision_config.json").is_file()
            self._vision = VisionPipeline() if has else None
        return self._vision

    def _add_images(self, turns: list[Turn], user_id: str, session_date) -> tuple[list[dict], set]:
        if not any(t.image for t in turns):
            return [], set()
        if self.vision is None:
            log.warning("images not stored: no vision model is loaded for this base")
            return [], set()
        return self.vision.add_turn_images(self, turns, user_id, session_date)

    def add_listener(self, cb: Callable[[dict], None]) -> None:
        self._listeners.append(cb)

    def _emit(self, event: dict) -> None:
        for cb in list(self._listeners):
            try:
                cb(event)
            except Exception:  # noqa: BLE001 - a listener never breaks a write
                log.exception("memory listener failed")

    # -- add -------------------------------------------------------------------------------------
    def add(self, messages, user_id: str, infer: bool = True, metadata: dict | None = None,
            session_date: str | None = None, context=None) -> dict:
        """Extract facts from `messages`, decide ADD/UPDATE/DELETE/NONE for each, apply.
        infer=False stores each message's text verbatim. `context` (same forms as `messages`): earlier turns shown to
        the extractor so that a follow-up ("She's called Bean.") can be resolved; not mined themselves.
        Returns {"results": [{"id","memory","event",...}]}."""
        return self.add_many([{"messages": messages, "user_id": user_id, "infer": infer, "metadata": metadata,
                               "session_date": session_date, "context": context}])[0]

    def add_many(self, calls: list[dict], on_result: Callable[[int, dict], None] | None = None) -> list[dict]:
        """`add` for several calls (each a dict of `add`'s arguments): the extraction of all their turns is decoded
        together (`extract.extract_many`: several rows per step, faster on a CPU), then each call's facts are decided
        and applied in order, as successive `add`s would; `on_result(i, result)` once call i is applied (progress
        a caller can record, to resume without adding anything twice). Returns one result per call."""
        prepared = []
        for c in calls:
            if unknown := set(c) - _ADD_ARGS:
                raise TypeError(f"add_many: unknown argument(s) {sorted(unknown)} (add takes {sorted(_ADD_ARGS)})")
            user_id, session_date = c["user_id"], c.get("session_date")
            _check_user(user_id)
            turns = to_turns(c["messages"], user_id)
            source = _source(turns, session_date)
            images, linked = self._add_images(turns, user_id, session_date) if turns else ([], set())
            context = to_turns(c["context"], user_id) if c.get("context") else None
            chunks = chunk_turns([t for t in turns if (t.text or "").strip()]) if c.get("infer", True) else []
            prepared.append((c, turns, source, images, linked,  # whole: one message said on its own (extract-chat)
                             [(ch, session_date, context, len(chunks) == 1) for ch in chunks]))
        jobs = [j for p in prepared for j in p[5]]  # none (infer=False): the engine is not loaded
        found = iter(extract_op.extract_many(self.engine, jobs, max_tokens=self.max_tokens["extract"]) if jobs else [])
        results = []
        for c, turns, source, images, linked, jobs in prepared:
            facts = [f for _ in jobs for f in next(found)]
            if not turns:
                res = {"results": []}
            elif not c.get("infer", True):  # verbatim; an image's linked memory already quotes its turn's text
                texts = [" ".join(t.text.split()) for t in turns if t.text.strip() and id(t) not in linked]
                res = self._apply(c["user_id"], [(t, update_op.Decision("ADD", None, t), []) for t in texts],
                                  self.embedder.embed(texts), c.get("metadata"), source,
                                  cause="infer=False") if texts else {"results": []}
            else:
                res = self.add_facts(facts, c["user_id"], metadata=c.get("metadata"),
                                     session_date=c.get("session_date"), _source=source)
            res["results"] = images + res["results"]
            results.append(res)
            if on_result is not None:
                on_result(len(results) - 1, res)
        return results

    def add_facts(self, facts: list[str], user_id: str, metadata: dict | None = None,
                  session_date: str | None = None, _source: dict | None = None) -> dict:
        """The update half of `add`: decide and apply each already-extracted fact (skips extraction)."""
        _check_user(user_id)
        facts = [" ".join(f.split()) for f in facts if isinstance(f, str) and f.strip()]
        if not facts:
            return {"results": []}
        source = _source if _source is not None else _source_of(session_date)
        vecs = self.embedder.embed(facts)
        # Facts of one call are compared with stored memories only (not with each other: the extractor
        # already dedups them), which saves a model call per fact on a fresh topic.
        work: dict[str, tuple[str, np.ndarray]] = {}  # stored ids updated in this call -> (text, vector)
        deleted: set[str] = set()
        plan = []
        for fact, v in zip(facts, vecs):
            cands = self._similar(v, user_id, work, deleted)
            d, new_vec = update_op.ended(fact, [c[1] for c in cands]), None  # a memory it ends, by words: no model call
            if d is None and update_op.settled([c[2] for c in cands], min_update=self.min_update_similarity,
                                               min_none=self.min_none_similarity):  # the guards would make it an ADD
                d = update_op.Decision("ADD", None, fact)
            if d is None:
                d = update_op.decide(_Lazy(self), fact, [c[1] for c in cands], max_tokens=self.max_tokens["update"])
                new_vec = self.embedder.embed([d.text])[0] if d.event == "UPDATE" else None
                d = update_op.check(d, fact, [c[2] for c in cands],
                                    float(np.dot(new_vec, v)) if new_vec is not None else None,
                                    min_update=self.min_update_similarity, min_none=self.min_none_similarity)
            if d.event == "DELETE" and cands[d.index][0] in work:  # not the memory it just updated (noor's move)
                d = update_op.Decision("NONE", d.index, None)
            if d.event == "UPDATE":
                work[cands[d.index][0]] = (d.text, new_vec)
            elif d.event == "DELETE":
                deleted.add(cands[d.index][0])
            plan.append((fact, d, cands))
        return self._apply(user_id, plan, vecs, metadata, source, cause=None, vectors=work)

    def _similar(self, v, user_id, work, deleted) -> list[tuple[str, str, float]]:
        """Top-k (id, text, score) stored memories at or above update_threshold, with this call's edits."""
        out = []
        for rec, score in self.store.search(v, user_id=user_id, limit=self.top_k_update):
            if rec.id in deleted:
                continue
            if rec.id in work:
                text, vec = work[rec.id]
                out.append((rec.id, text, float(np.dot(v, vec))))
            else:
                out.append((rec.id, rec.text, score))
        return [c for c in sorted(out, key=lambda c: -c[2]) if c[2] >= self.update_threshold]

    def _apply(self, user_id, plan, vecs, metadata, source, cause, vectors=None) -> dict:
        """Map temporary ids to real ids, then write: one batched add, updates, one delete, one history add."""
        adds: list[MemoryRecord] = []
        updates: dict[str, tuple[str, np.ndarray]] = {}  # id -> (new text, vector)
        deletes: list[str] = []
        history, results = [], []
        texts: dict[str, str] = {}  # current text of stored ids touched so far
        kept = [((f, update_op.Decision("ADD", None, d.text), c), v)  # a retraction is stored as its memory is deleted
                for (f, d, c), v in zip(plan, vecs) if d.event == "DELETE" and d.text]  # (`update.superseding`)
        for (fact, d, cands), v in [*zip(plan, vecs), *kept]:
            why = cause or fact
            if d.event == "ADD":
                rec = MemoryRecord(user_id, d.text, v, source=dict(source), metadata=dict(metadata or {}))
                adds.append(rec)
                history.append(HistoryRecord(rec.id, user_id, "ADD", None, d.text, why, created_at=_tick()))
                results.append({"id": rec.id, "memory": d.text, "event": "ADD"})
            elif d.event in ("UPDATE", "DELETE"):
                cid = cands[d.index][0]
                old = texts.get(cid, cands[d.index][1])
                if d.event == "UPDATE":
                    if normalize_text(old) == normalize_text(d.text):
                        log.info("update: UPDATE of %s leaves the text unchanged; treated as NONE", cid)
                        continue
                    vec = (vectors or {}).get(cid, (None, None))[1]
                    updates[cid] = (d.text, vec if vec is not None else self.embedder.embed([d.text])[0])
                    texts[cid] = d.text
                    results.append({"id": cid, "memory": d.text, "event": "UPDATE", "previous_memory": old})
                else:
                    updates.pop(cid, None)
                    deletes.append(cid)
                    results.append({"id": cid, "memory": old, "event": "DELETE"})
                history.append(HistoryRecord(cid, user_id, d.event, old, d.text if d.event == "UPDATE" else None,
                                             why, created_at=_tick()))
            else:
                log.info("update: NONE for %r", fact)
        if adds:
            self.store.add_memories(adds)
        for cid, (text, vec) in updates.items():  # the text is now as of this call: its date and turns
            self.store.update_memory(cid, text, vec, source=dict(source) or None)
        if deletes:
            self.store.delete_memories(deletes, purge_history=False)
        if history:
            self.store.add_history(history)
        for r in results:
            self._emit({**r, "user_id": user_id})
        return {"results": results}

    # -- read ------------------------------------------------------------------------------------
    def search(self, query: str, user_id: str | None = None, limit: int | None = None, mode: str = "vector") -> dict:
        if not isinstance(query, str) or not query.strip():
            raise ValueError("search: query must be a non-empty str")
        v = self.embedder.embed([query])[0]
        hits = self.store.search(v, user_id=user_id, limit=limit or self.top_k_search, text=query, mode=mode)
        return {"results": [record_dict(rec, score) for rec, score in hits]}

    def get(self, memory_id: str) -> dict | None:
        rec = self.store.get_memory(memory_id)
        return record_dict(rec) if rec else None

    def get_all(self, user_id: str | None = None, limit: int | None = None) -> dict:
        return {"results": [record_dict(r) for r in self.store.list_memories(user_id, limit)]}

    def history(self, memory_id: str) -> list[dict]:
        return [{"id": h.id, "memory_id": h.memory_id, "user_id": h.user_id, "event": h.event,
                 "old_memory": h.old_text, "new_memory": h.new_text, "cause": h.cause, "created_at": h.created_at}
                for h in self.store.get_history(memory_id)]

    # -- write by hand -----------------------------------------------------------------------------
    def update(self, memory_id: str, text: str) -> dict:
        old = self.store.get_memory(memory_id)
        if old is None:
            raise KeyError(f"no memory with id {memory_id!r}")
        text = " ".join(str(text).split())
        rec = self.store.update_memory(memory_id, text, self.embedder.embed([text])[0])
        self.store.add_history([HistoryRecord(memory_id, old.user_id, "UPDATE", old.text, text, "manual")])
        ev = {"id": memory_id, "memory": rec.text, "event": "UPDATE", "previous_memory": old.text}
        self._emit({**ev, "user_id": old.user_id})
        return ev

    def delete(self, memory_id: str, purge: bool = True) -> dict:
        """Delete a memory. purge=True (default) also deletes its history, so its text leaves the store
        (after the store's next optimize); purge=False keeps the history with a DELETE row."""
        old = self.store.get_memory(memory_id)
        if old is None:
            raise KeyError(f"no memory with id {memory_id!r}")
        self.store.delete_memories([memory_id], purge_history=purge)
        if not purge:
            self.store.add_history([HistoryRecord(memory_id, old.user_id, "DELETE", old.text, None, "manual")])
        ev = {"id": memory_id, "memory": old.text, "event": "DELETE"}
        self._emit({**ev, "user_id": old.user_id})
        return ev

    def delete_all(self, user_id: str) -> dict:
        _check_user(user_id)
        ids = [r.id for r in self.store.list_memories(user_id)]
        self.store.delete_memories(ids)
        return {"deleted": len(ids)}

    def reset(self) -> None:
        self.store.reset()

    # -- answer ------------------------------------------------------------------------------------
    def retrieve(self, question: str, user_id: str | list[str] | None, limit: int | None = None) -> list[dict]:
        """Top memories over one or several users, merged by score (search result dicts)."""
        users = user_id if isinstance(user_id, (list, tuple)) else [user_id]
        hits = [h for u in users for h in self.search(question, user_id=u, limit=limit)["results"]]
        return sorted(hits, key=lambda h: -h["score"])[: limit or self.top_k_search]

    def answer(self, question: str, user_id: str | list[str] | None = None, limit: int | None = None) -> dict:
        """{"answer": short text or answer_op.UNKNOWN_ANSWER, "memories": the search results used}.
        With a vision pipeline, a question about a stored photo is answered from its pixels. Over several users, a
        question about one of them whose answer fits another's memories is refused (`attribution.attribute`; the
        result then carries "attribution")."""
        if self._vision is not None and self.store.count(table="images") and self.vision is not None:
            return self.vision.answer(self, question, user_id, limit)
        if isinstance(user_id, (list, tuple)):
            att = attribute(self, question, list(user_id))
            if att is not None and att.elsewhere:
                return {"answer": answer_op.UNKNOWN_ANSWER, "memories": [],
                        "attribution": {"asked_about": att.asked_about, "fits_best": att.fits_best, "fit": att.fit}}
        used = self.retrieve(question, user_id, limit)
        asker = user_id if isinstance(user_id, str) else None
        text = answer_op.answer_question(_Lazy(self), question, answer_context(used),
                                         max_tokens=self.max_tokens["answer"], asker=asker)
        return {"answer": text, "memories": used}

    # -- export / import -----------------------------------------------------------------------------
    def export(self, path, user_id: str | None = None) -> dict:
        """Write memories (with vectors, timestamps) and their history as JSONL. Returns counts."""
        return export_jsonl(self.store, path, user_id)

    def import_(self, path) -> dict:
        """Read an `export` file back (existing ids are skipped; bad lines reported, others kept)."""
        return import_jsonl(self.store, path)

    def close(self) -> None:
        self.store.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Lazy:
    """Engine stand-in that loads the real engine on first use (fast paths never do)."""

    def __init__(self, memory: Memory):
        self._memory = memory

    def __getattr__(self, name):
        return getattr(self._memory.engine, name)


_last_tick = [""]


def _tick() -> str:
    """Strictly increasing timestamps, so history rows of one call keep their order."""
    t = datetime.now(timezone.utc).isoformat(timespec="microseconds")
    if t <= _last_tick[0]:
        t = (datetime.fromisoformat(_last_tick[0]) + timedelta(microseconds=1)).isoformat(timespec="microseconds")
    _last_tick[0] = t
    return t


def _check_user(user_id) -> None:
    if not isinstance(user_id, str) or not user_id.strip():
        raise ValueError(f"user_id must be a non-empty str, got {user_id!r}")


_ADD_ARGS = {"messages", "user_id", "infer", "metadata", "session_date", "context"}


def _source_of(session_date) -> dict:
    return {"session_date": format_date(session_date)} if session_date else {}


def _source(turns: list[Turn], session_date) -> dict:
    src = _source_of(session_date)
    speakers = {t.speaker for t in turns}
    if len(speakers) == 1:
        src["speaker"] = speakers.pop()
    ids = [t.dia_id for t in turns if t.dia_id]
    if ids:
        src["dia_ids"] = ids
    return src
