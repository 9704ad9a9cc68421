"""Exactly-once bookkeeping for ingestion: a `journal` table of fully applied turns + a pending marker.

Protocol per turn (the store's single-writer lock is held throughout):
  1. `begin(turn_hash)`: write `<store>/ingest.pending.json` (atomic, fsynced) with the current version of
     every store table;
  2. the Memory API applies the turn (several LanceDB commits: memories, history, images);
  3. `commit(row)`: append the turn's journal row (one atomic LanceDB commit) — written last;
  4. remove the marker.
On open, `repair()` looks at a leftover marker: if its turn is in the journal, the crash came after step 3
and the marker is just dropped; otherwise every table is restored to the recorded version, undoing the
partial turn, so that re-running it cannot duplicate anything. LanceDB commits are atomic (the manifest is
written last), so a SIGKILL at any point leaves each table at some committed version.
Old versions must survive until the marker is gone: the runner turns the store's auto-optimize off while
ingesting and optimizes only between turns.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

log = logging.getLogger(__name__)

TABLE = "journal"
MARKER = "ingest.pending.json"
STORE_TABLES = ("memories", "history", "images")
SCHEMA = pa.schema([("turn_hash", pa.string()), ("source", pa.string()), ("session", pa.string()),
                    ("idx", pa.string()), ("speaker", pa.string()), ("user_id", pa.string()),
                    ("added", pa.int32()), ("updated", pa.int32()), ("deleted", pa.int32()),
                    ("created_at", pa.string())])


class JournalError(RuntimeError):
    pass


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _table_handle(store, name: str):
    """The store's own handle for `name` (restores must go through it so its later writes see them)."""
    tables = getattr(store, "_tables", None)
    if isinstance(tables, dict) and name in tables:
        return tables[name]
    return store.db.open_table(name) if name in store.db.table_names() else None


class Journal:
    """`Journal(store)` — the ingestion journal living in the store's LanceDB directory."""

    def __init__(self, store):
        self.store = store
        self.dir = Path(store.path)
        self.marker = self.dir / MARKER
        self.table = store.db.create_table(TABLE, schema=SCHEMA, exist_ok=True)
        missing = [f.name for f in SCHEMA if f.name not in self.table.schema.names]
        if missing:
            raise JournalError(f"{self.dir}/{TABLE}: not an ingestion journal (missing columns {missing})")

    # -- reads ---------------------------------------------------------------------------------------------
    def done_hashes(self) -> set[str]:
        if self.table.count_rows() == 0:
            return set()
        return set(self.table.to_arrow().column("turn_hash").to_pylist())

    def has(self, turn_hash: str) -> bool:
        return self.table.count_rows(f"turn_hash = '{turn_hash}'") > 0

    def count(self) -> int:
        return self.table.count_rows()

    # -- the per-turn protocol -----------------------------------------------------------------------------
    def versions(self) -> dict[str, int]:
        out = {}
        for name in STORE_TABLES:
            t = _table_handle(self.store, name)
            if t is not None:
                out[name] = int(t.version)
        return out

    def begin(self, turn_hash: str) -> dict[str, int]:
        """Write the pending marker; returns the table versions it recorded."""
        if not all(c in "0123456789abcdef" for c in turn_hash):
            raise JournalError(f"bad turn hash {turn_hash!r}")
        versions = self.versions()
        data = json.dumps({"turn_hash": turn_hash, "versions": versions, "pid": os.getpid()}).encode()
        fd, tmp = tempfile.mkstemp(prefix=".ingest-", dir=self.dir)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.marker)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.dir)
        return versions

    def commit(self, row: dict) -> None:
        row = {**row, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        self.table.add(pa.Table.from_pylist([row], schema=SCHEMA))
        self.end()

    def end(self) -> None:
        self.marker.unlink(missing_ok=True)
        _fsync_dir(self.dir)

    def rollback(self, versions: dict[str, int]) -> list[str]:
        """Restore each store table to `versions`; returns the tables that changed."""
        changed = []
        for name, v in versions.items():
            t = _table_handle(self.store, name)
            if t is None:
                continue
            if hasattr(t, "checkout_latest"):
                t.checkout_latest()
            if int(t.version) == int(v):
                continue
            try:
                t.restore(int(v))
            except Exception as e:  # noqa: BLE001 - version cleaned up by an optimize since the crash
                raise JournalError(
                    f"cannot undo the interrupted turn: table {name!r} version {v} is gone ({e}); the store "
                    f"was optimized after the crash. Its partial writes are kept; delete {self.marker} to go on"
                ) from e
            changed.append(name)
        return changed

    def repair(self) -> str | None:
        """Finish or undo a turn interrupted by a crash. Returns a description, or None if nothing to do."""
        if not self.marker.exists():
            return None
        try:
            pending = json.loads(self.marker.read_text())
            turn_hash, versions = pending["turn_hash"], {k: int(v) for k, v in pending["versions"].items()}
        except (OSError, ValueError, KeyError, TypeError) as e:
            # A marker is written atomically; an unreadable one means a foreign or damaged file.
            raise JournalError(f"{self.marker}: unreadable ingestion marker ({e}); remove it to go on") from e
        if self.has(turn_hash):
            self.end()
            return f"turn {turn_hash[:12]} had completed; marker cleared"
        changed = self.rollback(versions)
        self.end()
        what = ", ".join(changed) if changed else "nothing had been written"
        log.info("ingest: rolled back interrupted turn %s (%s)", turn_hash[:12], what)
        return f"interrupted turn {turn_hash[:12]} rolled back ({what})"

    def forget_sources(self, sources: list[str]) -> int:
        """Drop the journal rows of these input files (for --no-resume). Returns how many."""
        if not sources:
            return 0
        cond = ", ".join("'" + s.replace("'", "''") + "'" for s in sources)
        n = self.table.count_rows(f"source IN ({cond})")
        if n:
            self.table.delete(f"source IN ({cond})")
        return n
