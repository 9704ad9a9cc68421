#!/usr/bin/env python
"""Crash-safety soak for `memlora ingest`: SIGKILL an ingesting process at random moments, resume, repeat,
then compare the store with an uninterrupted reference run (scripted engine: deterministic output).

    uv run python scripts/soak_ingest.py /work/shared/data/locomo/conv-26.json --minutes 10
    uv run python scripts/soak_ingest.py FILE --rounds 20 --seed 0 --json out.json   # what the test runs

Each round forks a fresh process from this one (modules already imported, so a round costs the store
open + embedder load, not the imports); the child opens the store, repairs, ingests and is killed with
SIGKILL after a random delay. When a resume finishes the file, the memory sets (text, user, source) of both
stores are compared and a new cycle starts on a fresh store (until --minutes pass or --rounds kills are
done). Reports rounds survived and lost / duplicated memories. The LLM is the only stand-in
(tests/support/scripted_engine.py); store, LanceDB, embedder and Memory API are real.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select
import shutil
import signal
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import memlora_mlx  # noqa: E402,F401 - BLAS preload before mlx
import lancedb  # noqa: E402,F401 - imported once here, inherited by every forked round
from memlora_mlx.ingest import ingest  # noqa: E402
from memlora_mlx.ingest.journal import MARKER, Journal  # noqa: E402
from memlora_mlx.memory import Memory  # noqa: E402
from memlora_mlx.memory.store import MemoryStore  # noqa: E402
from support.scripted_engine import ScriptedEngine  # noqa: E402


# ---- child side (runs in a forked process; never returns) -------------------------------------------------

def _child_ingest(store_dir: str, files: list[str], wfd: int, user: str | None) -> None:
    code = 0
    try:
        warnings.simplefilter("ignore")
        out = os.fdopen(wfd, "w", buffering=1)
        t0 = time.perf_counter()
        memory = Memory(engine=ScriptedEngine(), store=MemoryStore(store_dir))
        memory.embedder.embed(["warm up"])
        repaired = Journal(memory.store).repair()  # done by ingest() too; here to report what it did
        out.write(f"READY {time.perf_counter() - t0:.3f}\n")
        if repaired:
            out.write(f"REPAIRED {repaired}\n")
        t1 = time.perf_counter()
        report = ingest(files, memory, user=user, progress=False, on_turn=lambda st, r: out.write("T\n"))
        memory.close()
        out.write("DONE " + json.dumps({"applied": report.applied, "already_done": report.already_done,
                                        "repaired": report.repaired, "errors": report.errors[:5],
                                        "seconds": time.perf_counter() - t1}) + "\n")
        out.flush()
    except BaseException as e:  # noqa: BLE001 - report to the parent, never fall back into its loop
        try:
            os.write(wfd, f"FAIL {type(e).__name__}: {e}\n".encode())
        except OSError:
            pass
        code = 1
    os._exit(code)


def _child_snapshot(store_dir: str, wfd: int) -> None:
    code = 0
    try:
        warnings.simplefilter("ignore")
        store = MemoryStore(store_dir, writer=False)
        rows = [[r.user_id, r.text, json.dumps(r.source, sort_keys=True),
                 str(r.metadata.get("ingest_source", ""))] for r in store.list_memories()]
        journal = store.db.open_table("journal").count_rows() if "journal" in store.db.table_names() else 0
        payload = json.dumps({"memories": rows, "journal": journal, "marker": (Path(store_dir) / MARKER).exists()})
        with os.fdopen(wfd, "w") as out:
            out.write(payload)
    except BaseException as e:  # noqa: BLE001
        os.write(wfd, json.dumps({"error": f"{type(e).__name__}: {e}"}).encode())
        code = 1
    os._exit(code)


# ---- parent side --------------------------------------------------------------------------------------------

def _spawn(target, *args) -> tuple[int, int]:
    warnings.filterwarnings("ignore", message="lancedb fork support")  # each child re-inits lancedb's loop
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        target(*args, w)
    os.close(w)
    return pid, r


def run_round(store_dir, files, user, kill_after: float | None):
    """Fork one ingesting child; SIGKILL it after `kill_after` s (None: let it finish).
    Returns dict(killed, turns, ready, done, fail)."""
    pid, r = _spawn(lambda w: _child_ingest(str(store_dir), [str(f) for f in files], w, user))
    t0, buf, killed = time.perf_counter(), b"", False
    while True:
        timeout = None if kill_after is None else max(0.0, kill_after - (time.perf_counter() - t0))
        ready, _, _ = select.select([r], [], [], timeout)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            killed = True
            break
        chunk = os.read(r, 65536)
        if not chunk:
            break
        buf += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    lines = buf.decode(errors="replace").splitlines()
    done = next((json.loads(x[5:]) for x in lines if x.startswith("DONE ")), None)
    fail = next((x[5:] for x in lines if x.startswith("FAIL ")), None)
    if fail is None and not killed and done is None:
        fail = f"child ended without a result (status {status})"
    ready = next((float(x.split()[1]) for x in lines if x.startswith("READY ")), None)
    repaired = next((x[9:] for x in lines if x.startswith("REPAIRED ")), None)
    return dict(killed=killed and done is None, turns=sum(1 for x in lines if x == "T"), ready=ready,
                done=done, fail=fail, repaired=repaired)


def snapshot(store_dir) -> dict:
    pid, r = _spawn(lambda w: _child_snapshot(str(store_dir), w))
    data = b""
    while chunk := os.read(r, 1 << 20):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data.decode())


def compare(ref: dict, got: dict) -> dict:
    a = Counter(tuple(m) for m in ref["memories"])
    b = Counter(tuple(m) for m in got["memories"])
    return {"reference": sum(a.values()), "got": sum(b.values()), "lost": sum((a - b).values()),
            "duplicated": sum((b - a).values()), "journal_ref": ref["journal"], "journal_got": got["journal"],
            "marker_left": got["marker"]}


def soak(file, *, work: Path, rounds: int | None, minutes: float | None, seed: int, turns_per_round: float,
         user: str | None = None, log=print) -> dict:
    rng = random.Random(seed)
    files = [Path(file).resolve()]
    ref_dir = work / "reference"
    shutil.rmtree(ref_dir, ignore_errors=True)
    ref_run = run_round(ref_dir, files, user, None)
    if ref_run["fail"]:
        raise RuntimeError(f"reference run failed: {ref_run['fail']}")
    ref = snapshot(ref_dir)
    n_turns = ref_run["done"]["applied"]
    per_turn = ref_run["done"]["seconds"] / max(n_turns, 1)
    setup = ref_run["ready"] or 1.0
    log(f"reference: {n_turns} turns, {len(ref['memories'])} memories, {ref_run['done']['seconds']:.1f} s "
        f"ingest + {setup:.1f} s setup")
    deadline = None if minutes is None else time.monotonic() + minutes * 60
    res = dict(rounds_killed=0, rounds_survived=0, cycles=0, lost=0, duplicated=0, rolled_back=0,
               marker_cleared=0, failures=[], cycles_detail=[])
    while True:
        cycle_dir = work / f"crash-{res['cycles']}"
        shutil.rmtree(cycle_dir, ignore_errors=True)
        kills_this_cycle, applied_in_killed = 0, 0
        while True:
            out_of_time = deadline is not None and time.monotonic() > deadline
            enough = rounds is not None and res["rounds_killed"] >= rounds
            # Kill anywhere from process start (open, repair) to ~turns_per_round turns in.
            kill_after = None if (out_of_time or enough) else rng.uniform(0, setup + turns_per_round * per_turn)
            rr = run_round(cycle_dir, files, user, kill_after)
            if rr["repaired"]:  # what the previous kill left: a half-applied turn, or a finished one
                res["rolled_back" if "rolled back" in rr["repaired"] else "marker_cleared"] += 1
            if rr["fail"]:
                res["failures"].append(rr["fail"])
                log(f"round failed: {rr['fail']}")
                if len(res["failures"]) > 3:
                    break
                continue
            if rr["killed"]:
                res["rounds_killed"] += 1
                kills_this_cycle += 1
                applied_in_killed += rr["turns"]
                # The store must still open cleanly after every kill: the next round's open is that check.
                res["rounds_survived"] += 1
                continue
            break  # the file finished
        got = snapshot(cycle_dir)
        if "error" in got:
            res["failures"].append(got["error"])
            break
        cmp = compare(ref, got)
        cmp.update(kills=kills_this_cycle, turns_before_final=applied_in_killed)
        res["cycles"] += 1
        res["lost"] += cmp["lost"]
        res["duplicated"] += cmp["duplicated"]
        res["cycles_detail"].append(cmp)
        log(f"cycle {res['cycles']}: {kills_this_cycle} kills, memories {cmp['got']}/{cmp['reference']}, "
            f"lost {cmp['lost']}, duplicated {cmp['duplicated']}, journal {cmp['journal_got']}/{cmp['journal_ref']}")
        shutil.rmtree(cycle_dir, ignore_errors=True)
        # With --rounds, a file that finished before enough kills (slow machine: longer kill times) starts
        # another cycle on a fresh store until the rounds are done.
        expired = deadline is None or time.monotonic() > deadline
        if res["failures"] or (res["rounds_killed"] >= rounds if rounds is not None else expired):
            break
    res["reference_turns"] = n_turns
    res["reference_memories"] = len(ref["memories"])
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", help="input file (LoCoMo JSON, JSONL or text transcript)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--minutes", type=float, default=None, help="soak this long (default 10 without --rounds)")
    g.add_argument("--rounds", type=int, default=None, help="exactly this many SIGKILLs (a cycle per pass over the file)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--turns-per-round", type=float, default=8.0,
                    help="kill delay ~ U(0, setup + this many turns' time)")
    ap.add_argument("--user", default=None)
    ap.add_argument("--workdir", default=None, help="where stores go (default: a temp dir, removed)")
    ap.add_argument("--json", default=None, help="write the result as JSON here")
    a = ap.parse_args(argv)
    if a.rounds is None and a.minutes is None:
        a.minutes = 10.0
    work = Path(a.workdir) if a.workdir else Path(tempfile.mkdtemp(prefix="memlora-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    try:
        res = soak(a.file, work=work, rounds=a.rounds, minutes=a.minutes, seed=a.seed,
                   turns_per_round=a.turns_per_round, user=a.user, log=lambda m: print(m, flush=True))
    finally:
        if not a.workdir:
            shutil.rmtree(work, ignore_errors=True)
    res["seconds"] = round(time.monotonic() - t0, 1)
    print(f"rounds survived: {res['rounds_survived']} (SIGKILLs: {res['rounds_killed']}; half-applied turns "
          f"rolled back: {res['rolled_back']}, finished turns' markers cleared: {res['marker_cleared']}), cycles compared: "
          f"{res['cycles']}, lost: {res['lost']}, duplicated: {res['duplicated']}, failures: {len(res['failures'])}, "
          f"{res['seconds']} s")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
    return 0 if (res["cycles"] and not res["lost"] and not res["duplicated"] and not res["failures"]) else 1


if __name__ == "__main__":
    sys.exit(main())
