"""`memlora ingest PATH... [--format F] [--user NAME] [--resume/--no-resume] [--on-error skip|stop] [--store DIR]`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

EXIT_OK, EXIT_ERRORS, EXIT_STOPPED, EXIT_LOCKED = 0, 1, 2, 3


def add_parser(sub, name: str = "ingest"):
    p = sub.add_parser(name, help="batch-ingest LoCoMo / JSONL / text transcripts",
                       description="Ingest transcripts into the memory store, exactly once per turn. "
                                   "Interrupted runs resume where they stopped; re-running a file adds nothing.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="input files, directories or glob patterns")
    p.add_argument("--format", dest="fmt", default="auto", choices=["auto", "locomo", "jsonl", "text"],
                   help="input format (default: auto-detect per file)")
    p.add_argument("--user", default=None,
                   help="store every turn's memories under this user id (default: each speaker's own id)")
    p.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                   help="skip turns already applied (default); --no-resume applies every turn again")
    p.add_argument("--on-error", choices=["skip", "stop"], default="skip",
                   help="bad input lines / failing turns: report and go on (skip), or stop")
    p.add_argument("--store", default=None, help="store directory (default: the user data dir's store)")
    p.add_argument("--image-root", action="append", default=None, metavar="DIR",
                   help="directory images may come from (repeatable; default: each input file's directory)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=handler)
    return p


def run(args, memory=None) -> int:
    from ..memory.lock import StoreLockedError
    from .runner import IngestError, ingest

    opened = memory is None
    if memory is None:
        from .. import paths
        from ..memory.lock import StoreLock

        store_dir = Path(args.store).expanduser() if args.store else paths.default_store()
        try:  # fail fast, before the heavy imports, when another writer holds the store
            StoreLock(store_dir).acquire().release()
        except StoreLockedError as e:
            print(f"memlora ingest: {e}", file=sys.stderr)
            return EXIT_LOCKED
        from ..memory import Memory
        from ..memory.store import MemoryStore

        try:
            store = MemoryStore(store_dir)  # take the writer lock before loading any model
        except StoreLockedError as e:
            print(f"memlora ingest: {e}", file=sys.stderr)
            return EXIT_LOCKED
        memory = Memory(store=store, model=getattr(args, "model", None))
    try:
        report = ingest(args.paths, memory, fmt=args.fmt, user=args.user, resume=args.resume,
                        on_error=args.on_error, image_roots=args.image_root, progress=not args.quiet)
    except IngestError as e:
        print(f"memlora ingest: {e}", file=sys.stderr)
        return EXIT_STOPPED
    finally:
        if opened:
            memory.close()
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for e in report.errors:
        print(f"error: {e}", file=sys.stderr)
    print(report.summary())
    if report.stopped:
        return EXIT_STOPPED
    return EXIT_ERRORS if report.errors else EXIT_OK


def handler(args) -> int:
    if getattr(args, "verbose", False):
        logging.getLogger("memlora_mlx.ingest").setLevel(logging.INFO)
    return run(args)
