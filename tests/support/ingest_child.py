"""Child process for crash / lock / soak tests: ingest with the scripted engine into a real store.

    PYTHONPATH=<repo>/tests python -m support.ingest_child STORE FILE... [--hold SECONDS]
Prints "READY" once the store is open (lock held), "TURN n" after each committed turn, "DONE" at the end.
"""

import argparse
import sys
import time

import memlora_mlx  # noqa: F401 - BLAS preload before mlx
from memlora_mlx.ingest import ingest
from memlora_mlx.memory import Memory
from memlora_mlx.memory.store import MemoryStore, StoreLockedError

from support.scripted_engine import ScriptedEngine


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--hold", type=float, default=0.0, help="keep the store open this long after ingesting")
    ap.add_argument("--user", default=None)
    a = ap.parse_args(argv)
    try:
        store = MemoryStore(a.store)
    except StoreLockedError as e:
        print(f"LOCKED {e}", flush=True)
        return 3
    memory = Memory(engine=ScriptedEngine(), store=store)
    memory.embedder  # load before READY so kill points fall inside ingestion
    print("READY", flush=True)
    n = [0]

    def on_turn(st, result):
        n[0] += 1
        print(f"TURN {n[0]}", flush=True)

    report = ingest(a.files, memory, user=a.user, progress=False, on_turn=on_turn)
    print(f"REPORT applied={report.applied} done={report.already_done} repaired={report.repaired!r}", flush=True)
    if a.hold:
        time.sleep(a.hold)
    memory.close()
    print("DONE", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
