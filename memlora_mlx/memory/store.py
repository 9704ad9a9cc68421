"""Memories, their history and image records in one LanceDB directory.

Tables: `memories`, `history`, `images` (+ `journal`, owned by ingestion, through `store.db`).
Deletes are hard: `optimize()` rewrites any table that still carries deleted rows and drops old
versions, so deleted text leaves the disk. Only one writer per directory (`lock.StoreLock`).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa

from . import store_index
from .lock import StoreLock, StoreLockedError  # noqa: F401  (re-exported)


class StoreError(RuntimeError):
    """Bad input or misuse of a store (message names what is wrong)."""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


new_id = lambda: str(uuid.uuid4())
TABLES = ("memories", "history", "images")
EVENTS = ("ADD", "UPDATE", "DELETE", "NONE")
MEMORY_COLUMNS = ("id", "user_id", "text", "vector", "hash", "created_at", "updated_at", "source", "metadata")


def normalize_text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def text_hash(text: str) -> str:
    """sha256 of the normalised text: the same fact worded with other case/spacing hashes the same."""
    return hashlib.sha256(normalize_text(text).encode()).hexdigest()


def sql_str(value) -> str:
    """A SQL string literal, quotes escaped (filters are built from user ids and ids)."""
    if not isinstance(value, str):
        raise TypeError(f"expected str for a filter value, got {type(value).__name__}")
    return "'" + value.replace("'", "''") + "'"


@dataclass
class MemoryRecord:
    user_id: str
    text: str
    vector: np.ndarray | list | None = None
    id: str = field(default_factory=new_id)
    hash: str = ""
    created_at: str = ""
    updated_at: str = ""
    source: dict = field(default_factory=dict)  # turn ids, session date, speaker...
    metadata: dict = field(default_factory=dict)


@dataclass
class HistoryRecord:
    memory_id: str
    user_id: str
    event: str  # ADD | UPDATE | DELETE | NONE
    old_text: str | None = None
    new_text: str | None = None
    cause: str | None = None  # e.g. the fact or turn that triggered it
    id: str = field(default_factory=new_id)
    created_at: str = ""


@dataclass
class ImageRecord:
    user_id: str
    file_hash: str
    path: str
    vector: np.ndarray | list | None = None
    thumb_path: str | None = None
    caption: str | None = None
    memory_id: str | None = None
    id: str = field(default_factory=new_id)
    created_at: str = ""


def _schemas(dim: int, image_dim: int) -> dict[str, pa.Schema]:
    s, vec = pa.string(), lambda d: pa.list_(pa.float32(), d)
    return {
        "memories": pa.schema([("id", s), ("user_id", s), ("text", s), ("vector", vec(dim)), ("hash", s),
                               ("created_at", s), ("updated_at", s), ("source", s), ("metadata", s)]),
        "history": pa.schema([("id", s), ("memory_id", s), ("user_id", s), ("event", s), ("old_text", s),
                              ("new_text", s), ("created_at", s), ("cause", s)]),
        "images": pa.schema([("id", s), ("user_id", s), ("file_hash", s), ("path", s), ("thumb_path", s),
                             ("vector", vec(image_dim)), ("caption", s), ("memory_id", s), ("created_at", s)]),
    }


def _vec(v, dim: int, what: str) -> list[float]:
    a = np.asarray(v, dtype=np.float32).reshape(-1)
    if a.shape[0] != dim:
        raise StoreError(f"{what}: vector has {a.shape[0]} dims, store expects {dim}")
    if not np.all(np.isfinite(a)):
        raise StoreError(f"{what}: vector has NaN/inf values")
    return a.tolist()


def _check_str(value, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise StoreError(f"{what} must be a non-empty str, got {value!r}")
    return value


def _memory_from_row(r: dict) -> MemoryRecord:
    keys = ("id", "user_id", "text", "hash", "created_at", "updated_at")
    return MemoryRecord(vector=np.asarray(r["vector"], np.float32), source=json.loads(r["source"] or "{}"),
                        metadata=json.loads(r["metadata"] or "{}"), **{k: r[k] for k in keys})


def _image_from_row(r: dict) -> ImageRecord:
    keys = ("id", "user_id", "file_hash", "path", "thumb_path", "caption", "memory_id", "created_at")
    return ImageRecord(vector=np.asarray(r["vector"], np.float32), **{k: r[k] for k in keys})


class MemoryStore:
    """`MemoryStore(path, dim=384, *, writer=True)`. Readers (`writer=False`) take no lock and see the
    writer's committed data; write methods raise on them."""

    def __init__(self, path, dim: int = 384, *, writer: bool = True, image_dim: int = 384,
                 optimize_every: int = 50, index_from: int = store_index.INDEX_FROM):
        import lancedb

        self.path, self.dim, self.image_dim = Path(path).expanduser(), int(dim), int(image_dim)
        self.writer, self.optimize_every, self.index_from = writer, optimize_every, index_from
        self._lock, self._mutex = (StoreLock(self.path) if writer else None), threading.RLock()
        self._writes, self._fts_stale = 0, True
        if writer:
            self._lock.acquire()
        elif not self.path.is_dir():
            raise StoreError(f"no store at {self.path} (open it once as a writer to create it)")
        # Readers re-check the latest version on every read so they see the writer's commits.
        self.db = lancedb.connect(str(self.path), read_consistency_interval=None if writer else timedelta(0))
        self._tables, schemas, existing = {}, _schemas(self.dim, self.image_dim), set(self.table_names())
        for name in TABLES:
            if name in existing:
                self._tables[name] = self.db.open_table(name)
                self._check_schema(name, schemas[name])
            elif writer:
                self._tables[name] = self.db.create_table(name, schema=schemas[name], exist_ok=True)

    def _check_schema(self, name: str, want: pa.Schema):
        got = self._tables[name].schema
        for f in want:
            if f.name not in got.names:
                raise StoreError(f"{self.path}/{name}: column {f.name!r} missing (not a memlora store?)")
            if pa.types.is_fixed_size_list(f.type) and got.field(f.name).type != f.type:
                raise StoreError(f"{self.path}/{name}: {f.name} has {got.field(f.name).type.list_size} dims, "
                                 f"this store was opened with {f.type.list_size} (wrong embedder?)")

    def table_names(self) -> list[str]:
        return list(self.db.list_tables(limit=10_000).tables)

    def _rows(self, name: str, where: str | None = None, limit: int | None = None) -> list[dict]:
        t = self._tables.get(name)
        if t is None:
            return []
        q = t.search().where(where) if where else t.search()
        return q.limit(limit if limit is not None else max(t.count_rows(), 1)).to_list()

    def _write(self):
        if not self.writer:
            raise StoreError(f"store {self.path} is open read-only (writer=False)")
        if self._lock is None or not self._lock.locked:
            raise StoreError(f"store {self.path} is closed")

    def _wrote(self, memories_changed: bool = True):
        self._fts_stale |= memories_changed
        self._writes += 1
        if self.optimize_every and self._writes >= self.optimize_every:
            self.optimize()

    def add_memories(self, records: list[MemoryRecord]) -> list[str]:
        """One batched write. Fills hash/timestamps. Returns the ids."""
        self._write()
        rows, now = [], now_iso()
        for i, r in enumerate(records):
            what = f"add_memories: records[{i}]"
            _check_str(r.user_id, f"{what}.user_id"), _check_str(r.id, f"{what}.id")
            if not isinstance(r.text, str) or not r.text.strip():
                raise StoreError(f"{what}.text must be a non-empty str")
            if r.vector is None:
                raise StoreError(f"{what}.vector is missing")
            rows.append(dict(id=r.id, user_id=r.user_id, text=r.text, vector=_vec(r.vector, self.dim, what),
                             hash=r.hash or text_hash(r.text), created_at=r.created_at or now,
                             updated_at=r.updated_at or r.created_at or now,
                             source=json.dumps(r.source or {}, default=str),
                             metadata=json.dumps(r.metadata or {}, default=str)))
        if rows:
            with self._mutex:
                self._tables["memories"].add(rows)
                self._wrote()
        return [r["id"] for r in rows]

    def update_memory(self, id: str, text: str, vector, metadata: dict | None = None,
                      source: dict | None = None) -> MemoryRecord:
        self._write()
        with self._mutex:
            old = self.get_memory(id)
            if old is None:
                raise KeyError(f"update_memory: no memory with id {id!r}")
            if not isinstance(text, str) or not text.strip():
                raise StoreError("update_memory: text must be a non-empty str")
            row = dict(id=old.id, user_id=old.user_id, text=text, vector=_vec(vector, self.dim, "update_memory"),
                       hash=text_hash(text), created_at=old.created_at, updated_at=now_iso(),
                       source=json.dumps(old.source if source is None else source, default=str),
                       metadata=json.dumps(old.metadata if metadata is None else metadata, default=str))
            upsert = self._tables["memories"].merge_insert("id").when_matched_update_all()
            upsert.when_not_matched_insert_all().execute([row])
            self._wrote()
        return _memory_from_row(row)

    def delete_memories(self, ids: list[str], *, purge_history: bool = True) -> int:
        """Delete memories (and, by default, their history rows, which hold their text).
        The text leaves the disk at the next `optimize()`. Returns how many memories were deleted."""
        self._write()
        ids = [_check_str(i, "delete_memories: id") for i in ids]
        if not ids:
            return 0
        cond = ", ".join(sql_str(i) for i in ids)
        with self._mutex:
            n = self._tables["memories"].count_rows(f"id IN ({cond})")
            if n:
                self._tables["memories"].delete(f"id IN ({cond})")
            if purge_history:
                self._tables["history"].delete(f"memory_id IN ({cond})")
            self._wrote()
        return n

    def get_memory(self, id: str) -> MemoryRecord | None:
        return next(map(_memory_from_row, self._rows("memories", f"id = {sql_str(id)}", 1)), None)

    def list_memories(self, user_id: str | None = None, limit: int | None = None) -> list[MemoryRecord]:
        """Newest first (by created_at, then updated_at)."""
        rows = self._rows("memories", f"user_id = {sql_str(user_id)}" if user_id is not None else None)
        rows.sort(key=lambda r: (r["created_at"], r["updated_at"]), reverse=True)
        return [_memory_from_row(r) for r in rows[:limit]]

    def find_by_hash(self, user_id: str, hash: str) -> MemoryRecord | None:
        rows = self._rows("memories", f"user_id = {sql_str(user_id)} AND hash = {sql_str(hash)}", 1)
        return next(map(_memory_from_row, rows), None)

    def count(self, user_id: str | None = None, table: str = "memories") -> int:
        t = self._tables.get(table)
        where = f"user_id = {sql_str(user_id)}" if user_id is not None else None
        return 0 if t is None else t.count_rows(where)

    def search(self, vector, user_id: str | None = None, limit: int = 10, text: str | None = None,
               mode: str = "vector") -> list[tuple[MemoryRecord, float]]:
        """Top `limit` memories as (record, cosine similarity). mode="hybrid" (needs `text`) ranks by
        RRF over vector + full-text results; the score is still the cosine similarity."""
        if mode not in ("vector", "hybrid"):
            raise ValueError(f"search: mode must be 'vector' or 'hybrid', got {mode!r}")
        t = self._tables.get("memories")
        q = np.asarray(_vec(vector, self.dim, "search"), dtype=np.float32)
        if t is None or limit <= 0:
            return []
        hybrid = mode == "hybrid" and bool(text and text.strip())
        if hybrid and t.count_rows() == 0:
            return []
        if hybrid:
            self._ensure_fts()
            b = t.search(query_type="hybrid", vector_column_name="vector").vector(q).text(text)
        else:
            b = t.search(q, vector_column_name="vector")
        b = store_index.tune(b.distance_type("cosine"), limit)  # same settings as bench_memory
        if user_id is not None:
            b = b.where(f"user_id = {sql_str(user_id)}", prefilter=True)
        b = b.limit(limit) if hybrid else b.select([*MEMORY_COLUMNS, "_distance"]).limit(limit)  # no _rowid etc.
        recs = [_memory_from_row(r) for r in b.to_arrow().to_pylist()]
        if not recs:
            return []
        m = np.stack([r.vector for r in recs])  # exact cosine (the index's distances are approximate)
        sims = m @ q / np.maximum(np.linalg.norm(m, axis=1) * np.linalg.norm(q), 1e-12)
        return list(zip(recs, map(float, sims)))

    def _ensure_fts(self):
        """(Re)build the full-text index when memories changed since it was built."""
        from lancedb.index import FTS

        t = self._tables["memories"]
        with self._mutex:
            have = any(i.index_type == "FTS" for i in t.list_indices())
            if have and (not self._fts_stale or not self.writer):  # readers use the writer's index
                return
            if not self.writer:
                raise StoreError("hybrid search on a read-only store needs the writer to build the text index")
            t.create_index("text", config=FTS(), replace=True)
            self._fts_stale = False

    def add_history(self, records: list[HistoryRecord]) -> None:
        self._write()
        rows, now = [], now_iso()
        for i, r in enumerate(records):
            _check_str(r.memory_id, f"add_history: records[{i}].memory_id")
            if r.event not in EVENTS:
                raise StoreError(f"add_history: records[{i}].event must be one of {EVENTS}, got {r.event!r}")
            rows.append(dict(id=r.id, memory_id=r.memory_id, user_id=r.user_id, event=r.event, old_text=r.old_text,
                             new_text=r.new_text, created_at=r.created_at or now, cause=r.cause))
        if rows:
            with self._mutex:
                self._tables["history"].add(rows)
                self._wrote(memories_changed=False)

    def get_history(self, memory_id: str) -> list[HistoryRecord]:
        """Oldest first."""
        rows = sorted(self._rows("history", f"memory_id = {sql_str(memory_id)}"), key=lambda r: r["created_at"])
        return [HistoryRecord(**r) for r in rows]

    def add_image(self, rec: ImageRecord) -> str:
        self._write()
        _check_str(rec.user_id, "add_image: user_id"), _check_str(rec.file_hash, "add_image: file_hash")
        if rec.vector is None:
            raise StoreError("add_image: vector is missing")
        row = dict(id=rec.id, user_id=rec.user_id, file_hash=rec.file_hash, path=str(rec.path),
                   thumb_path=None if rec.thumb_path is None else str(rec.thumb_path),
                   vector=_vec(rec.vector, self.image_dim, "add_image"), caption=rec.caption,
                   memory_id=rec.memory_id, created_at=rec.created_at or now_iso())
        with self._mutex:
            self._tables["images"].add([row])
            self._wrote(memories_changed=False)
        return rec.id

    def get_image(self, id: str) -> ImageRecord | None:
        return next(map(_image_from_row, self._rows("images", f"id = {sql_str(id)}", 1)), None)

    def find_image_by_hash(self, user_id: str, file_hash: str) -> ImageRecord | None:
        rows = self._rows("images", f"user_id = {sql_str(user_id)} AND file_hash = {sql_str(file_hash)}", 1)
        return next(map(_image_from_row, rows), None)

    def search_images(self, vector, user_id: str | None = None, limit: int = 5) -> list[tuple[ImageRecord, float]]:
        t = self._tables.get("images")
        q = np.asarray(_vec(vector, self.image_dim, "search_images"), np.float32)
        if t is None or limit <= 0 or t.count_rows() == 0:
            return []
        b = store_index.tune(t.search(q, vector_column_name="vector").distance_type("cosine"), limit)
        if user_id is not None:
            b = b.where(f"user_id = {sql_str(user_id)}", prefilter=True)
        return [(_image_from_row(r), 1.0 - float(r["_distance"])) for r in b.limit(limit).to_list()]

    def optimize(self) -> None:
        """Compact, purge deleted rows from data files, drop every old version (cleanup_older_than=0).
        Builds the vector + user_id indexes once `memories` reaches `index_from` rows (store_index)."""
        self._write()
        with self._mutex, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "cleanup_older_than=0 removes old versions": intended
            for name in self.table_names():
                t = self.db.open_table(name) if name not in self._tables else self._tables[name]
                t.optimize(cleanup_older_than=timedelta(0), delete_unverified=True)
                # Compaction keeps fragments with few deletions (their text stays on disk): rewrite.
                if store_index.rewrite_if_deleted(t, self.image_dim if name == "images" else self.dim):
                    self._fts_stale |= name == "memories"  # FTS is rebuilt lazily
            store_index.ensure_indexes(self._tables["memories"], self.dim, self.index_from)
            self._writes = 0

    def create_vector_index(self, table: str = "memories", index_type: str = store_index.VECTOR_INDEX) -> None:
        """Cosine index on `vector` + a BITMAP index on user_id. optimize() does this by itself for
        `memories` from `index_from` rows; call it to force one (or another type: IVF_PQ, IVF_HNSW_PQ)."""
        self._write()
        with self._mutex:
            dim = self.image_dim if table == "images" else self.dim
            store_index.create_vector_index(self._tables[table], dim, index_type)

    def reset(self, user_id: str | None = None) -> None:
        """Delete everything (or one user's memories, history and images), then optimize."""
        self._write()
        with self._mutex:
            for name in TABLES:
                self._tables[name].delete("true" if user_id is None else f"user_id = {sql_str(user_id)}")
            self._fts_stale = True
            self.optimize()

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
        self._tables = {}

    __enter__ = lambda self: self
    __exit__ = lambda self, *exc: self.close()

    def __repr__(self) -> str:
        return f"MemoryStore({str(self.path)!r}, dim={self.dim}, writer={self.writer})"
