"""Batch ingestion: files -> sessions in time order -> one `Memory.add` per turn, exactly once per turn.

See journal.py for the crash-safety protocol. Bad input never loses other input: parse issues are reported
with file:line:col and skipped (or stop everything before any write with on_error="stop"); a refused image
drops only the image, the turn's text is still ingested; a turn whose add fails is rolled back and retried
on the next run.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..memory.images import ImageRefused, check_image
from ..paths import expand_inputs
from .formats import FORMATS, SourceSession, SourceTurn, read_file
from .journal import Journal

log = logging.getLogger(__name__)

INPUT_SUFFIXES = (".json", ".jsonl", ".txt", ".md", ".log")
OPTIMIZE_EVERY = 200  # turns between store optimizations while ingesting (keeps LanceDB versions bounded)


class IngestError(RuntimeError):
    pass


@dataclass
class IngestReport:
    files: list[str] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # file -> format used
    sessions: int = 0
    turns: int = 0  # turns read (after chunking, empty turns dropped)
    applied: int = 0  # turns applied in this run
    already_done: int = 0  # turns found in the journal (skipped)
    failed: int = 0  # turns whose add failed (rolled back; retried next run)
    added: int = 0
    updated: int = 0
    deleted: int = 0
    images_refused: int = 0
    repaired: str | None = None  # what was done about a turn interrupted by a crash
    stopped: bool = False  # on_error="stop" ended the run early
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.stopped

    def summary(self) -> str:
        rate = self.applied / self.seconds if self.seconds > 0 else 0.0
        lines = [f"{len(self.files)} file(s), {self.sessions} session(s), {self.turns} turn(s): "
                 f"{self.applied} applied, {self.already_done} already in the journal, {self.failed} failed "
                 f"({self.seconds:.1f} s, {rate:.2f} turns/s)",
                 f"memories: +{self.added} added, ~{self.updated} updated, -{self.deleted} deleted"]
        if self.repaired:
            lines.append(f"recovered: {self.repaired}")
        if self.images_refused:
            lines.append(f"images refused: {self.images_refused} (their turns' text was kept)")
        if self.warnings:
            lines.append(f"{len(self.warnings)} warning(s)")
        if self.errors:
            lines.append(f"{len(self.errors)} error(s)")
        if self.stopped:
            lines.append("stopped early (--on-error stop)")
        return "\n".join(lines)


def expand_paths(paths) -> list[Path]:
    """Files, directories (their input files, sorted) and glob patterns -> existing files, in order."""
    try:
        return expand_inputs(paths, INPUT_SUFFIXES)
    except FileNotFoundError as e:
        raise IngestError(str(e)) from e


def _order(sessions: list[SourceSession]) -> list[SourceSession]:
    """Global time order when every session is dated, else file order (each file already time-sorted)."""
    if sessions and all(s.when is not None for s in sessions):
        return sorted(sessions, key=lambda s: s.when)  # stable: ties keep file order
    return sessions


def _check_turn_image(st: SourceTurn, image_roots, report: IngestReport) -> None:
    if not st.turn.image:
        return
    p = Path(st.turn.image).expanduser()
    base = Path(st.source).parent
    if not p.is_absolute():
        p = base / p
    roots = image_roots if image_roots is not None else [base]
    try:
        st.turn.image = str(check_image(p, allowed_roots=roots).path)
    except ImageRefused as e:
        report.images_refused += 1
        where = f"{st.source}:{st.line}" if st.line else st.source
        report.warnings.append(f"{where}: image refused: {e.reason} ({st.turn.image}); text kept")
        st.turn.image = None


def _count(result, report: IngestReport) -> tuple[int, int, int]:
    rows = result.get("results", []) if isinstance(result, dict) else (result or [])
    n = {"ADD": 0, "UPDATE": 0, "DELETE": 0}
    for r in rows:
        ev = r.get("event") if isinstance(r, dict) else getattr(r, "event", None)
        if ev in n:
            n[ev] += 1
    report.added += n["ADD"]
    report.updated += n["UPDATE"]
    report.deleted += n["DELETE"]
    return n["ADD"], n["UPDATE"], n["DELETE"]


def read_inputs(paths, fmt: str = "auto", user: str | None = None, report: IngestReport | None = None):
    """Parse every input file first (cheap), so --on-error stop can refuse before any write."""
    if fmt not in FORMATS:
        raise IngestError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    report = report or IngestReport()
    sessions: list[SourceSession] = []
    for p in expand_paths(paths):
        got, issues, used = read_file(p, fmt, user)
        report.files.append(str(p))
        report.formats[str(p)] = used
        for iss in issues:
            (report.errors if iss.level == "error" else report.warnings).append(str(iss))
        sessions += got
    sessions = _order(sessions)
    report.sessions = len(sessions)
    report.turns = sum(len(s.turns) for s in sessions)
    return sessions, report


def ingest(paths, memory, *, fmt: str = "auto", user: str | None = None, resume: bool = True,
           on_error: str = "skip", image_roots=None, progress: bool = True, on_turn=None) -> IngestReport:
    """Ingest transcripts into `memory` (a memlora_mlx.memory.Memory with a writer store).

    resume=True skips turns already in the journal (re-running a file adds nothing); resume=False applies
    every turn again. on_error: "skip" reports bad input/turns and goes on; "stop" refuses to start when any
    input is malformed and stops at the first failing turn. `on_turn(source_turn, result)` is called after
    each committed turn (used by tests and the soak script)."""
    if on_error not in ("skip", "stop"):
        raise IngestError(f"on_error must be 'skip' or 'stop', got {on_error!r}")
    t0 = time.perf_counter()
    sessions, report = read_inputs(paths, fmt, user)
    if report.errors and on_error == "stop":
        report.stopped = True
        report.seconds = time.perf_counter() - t0
        return report
    store = getattr(memory, "store", None)
    if store is None or not getattr(store, "writer", False):
        raise IngestError("ingest needs a Memory with a writable store")
    journal = Journal(store)
    report.repaired = journal.repair()
    done = journal.done_hashes() if resume else set()
    todo = []
    for s in sessions:
        for st in s.turns:
            if st.hash in done:
                report.already_done += 1
            else:
                todo.append(st)
    auto_optimize, store.optimize_every = store.optimize_every, 0  # keep versions until each turn commits
    since_optimize = 0
    try:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), unit="turn", desc="ingest", disable=not progress, dynamic_ncols=True)
        with bar:
            for st in todo:
                _check_turn_image(st, image_roots, report)
                before = journal.begin(st.hash)
                try:
                    result = memory.add([st.turn], user_id=st.user_id, session_date=st.session_date,
                                        metadata={"ingest_source": st.source, "ingest_turn": st.hash})
                except Exception as e:  # noqa: BLE001 - one failing turn must not lose the others
                    journal.rollback(before)
                    journal.end()
                    report.failed += 1
                    report.errors.append(f"{st.source}:{st.line or st.session + '/' + st.index}: add failed: "
                                         f"{type(e).__name__}: {e} (rolled back; retried next run)")
                    log.debug("ingest: turn failed", exc_info=True)
                    if on_error == "stop":
                        report.stopped = True
                        break
                    bar.update(1)
                    continue
                except BaseException:  # Ctrl-C: undo the partial turn now rather than on the next run
                    try:
                        journal.rollback(before)
                        journal.end()
                    finally:
                        raise
                a, u, d = _count(result, report)
                journal.commit(dict(turn_hash=st.hash, source=st.source, session=st.session, idx=st.index,
                                    speaker=st.turn.speaker, user_id=st.user_id, added=a, updated=u, deleted=d))
                report.applied += 1
                since_optimize += 1
                if on_turn is not None:
                    on_turn(st, result)
                bar.update(1)
                bar.set_postfix(added=report.added, updated=report.updated, deleted=report.deleted, refresh=False)
                if since_optimize >= OPTIMIZE_EVERY:
                    _optimize(store, journal)
                    since_optimize = 0
    finally:
        store.optimize_every = auto_optimize
    if since_optimize:
        _optimize(store, journal)
    report.seconds = time.perf_counter() - t0
    return report


def _optimize(store, journal: Journal) -> None:
    """Compact between turns (no marker pending), then refresh the journal's handle."""
    try:
        store.optimize()
    except Exception as e:  # noqa: BLE001 - maintenance must not fail an ingest
        log.warning("ingest: store optimize failed: %s", e)
    if hasattr(journal.table, "checkout_latest"):
        journal.table.checkout_latest()
