"""Export / import a store's memories (vectors, timestamps, source, metadata) and their history as JSONL.

Line 1: {"type": "header", "format": "memlora-memories", "version": 1, "dim": 384}
Then {"type": "memory", id, user_id, text, vector, hash, created_at, updated_at, source, metadata}
and  {"type": "history", id, memory_id, user_id, event, old_text, new_text, cause, created_at}.
float32 vectors round-trip exactly through JSON floats.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .store import HistoryRecord, MemoryRecord, MemoryStore

log = logging.getLogger(__name__)

FORMAT, VERSION = "memlora-memories", 1
_MEM_KEYS = ("id", "user_id", "text", "vector", "hash", "created_at", "updated_at", "source", "metadata")
_HIST_KEYS = ("id", "memory_id", "user_id", "event", "old_text", "new_text", "cause", "created_at")


class ImportFormatError(ValueError):
    pass


def export_jsonl(store: MemoryStore, path, user_id: str | None = None) -> dict:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n_mem = n_hist = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps({"type": "header", "format": FORMAT, "version": VERSION, "dim": store.dim}) + "\n")
        for rec in sorted(store.list_memories(user_id), key=lambda r: (r.created_at, r.id)):
            row = {k: getattr(rec, k) for k in _MEM_KEYS}
            row["vector"] = np.asarray(rec.vector, np.float32).tolist()
            f.write(json.dumps({"type": "memory", **row}, ensure_ascii=False) + "\n")
            n_mem += 1
            for h in store.get_history(rec.id):
                f.write(json.dumps({"type": "history", **asdict(h)}, ensure_ascii=False) + "\n")
                n_hist += 1
    return {"path": str(path), "memories": n_mem, "history": n_hist}


def import_jsonl(store: MemoryStore, path) -> dict:
    """Add the file's memories and history. Existing memory ids are skipped; a bad line is reported
    (line number + reason) and the others are still imported."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"import: no such file {path}")
    mems, hists, errors = [], [], []
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ImportFormatError("not a JSON object")
                kind = obj.get("type")
                if kind == "header":
                    if obj.get("format") != FORMAT:
                        raise ImportFormatError(f"format {obj.get('format')!r} is not {FORMAT!r}")
                    if obj.get("dim") != store.dim:
                        raise ImportFormatError(f"file has {obj.get('dim')}-dim vectors, the store {store.dim}")
                elif kind == "memory":
                    mems.append(_memory(obj, store.dim))
                elif kind == "history":
                    hists.append(HistoryRecord(**{k: obj.get(k) for k in _HIST_KEYS}))
                else:
                    raise ImportFormatError(f"unknown type {kind!r}")
            except (ValueError, TypeError) as e:
                if ln == 1 and isinstance(e, ImportFormatError):
                    raise ImportFormatError(f"{path}:1: {e}") from e
                errors.append(f"{path.name}:{ln}: {e}")
    existing = {m.id for m in mems if store.get_memory(m.id) is not None}
    new = [m for m in mems if m.id not in existing]
    store.add_memories(new)
    kept = {m.id for m in new}
    hist = [h for h in hists if h.memory_id in kept]
    store.add_history(hist)
    for e in errors:
        log.warning("import: skipped %s", e)
    return {"memories": len(new), "history": len(hist), "skipped_existing": len(existing), "errors": errors}


def _memory(obj: dict, dim: int) -> MemoryRecord:
    missing = [k for k in ("id", "user_id", "text", "vector") if not obj.get(k)]
    if missing:
        raise ImportFormatError(f"memory lacks {', '.join(missing)}")
    vec = np.asarray(obj["vector"], dtype=np.float32)
    if vec.shape != (dim,):
        raise ImportFormatError(f"memory {obj['id']}: vector shape {vec.shape}, expected ({dim},)")
    return MemoryRecord(**{k: obj.get(k) for k in _MEM_KEYS if k != "vector"}, vector=vec)
