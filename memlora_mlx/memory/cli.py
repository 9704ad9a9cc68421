"""`memlora add | search | ask | memories ... | store ...`: the Memory API from the command line.

Every command takes --user, --store and --json. Read-only commands open the store without the writer
lock, so they work while another memlora process (the TUI) is writing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEFAULT_USER = "default"


def _common(p, user_help="user id (default: all users)"):
    p.add_argument("--user", default=None, help=user_help)
    p.add_argument("--store", default=None, help="store directory (default: the user data dir)")
    p.add_argument("--json", action="store_true", help="print JSON")


def add_parser(sub, name):
    if name == "add":
        p = sub.add_parser(name, help="add a memory from text")
        p.add_argument("text", help="what to remember (a statement or a short conversation)")
        p.add_argument("--no-infer", action="store_true", help="store the text verbatim (no model)")
        p.add_argument("--date", default=None, help="session date for relative dates (default: today)")
        _common(p, f"user id (default: {DEFAULT_USER})")
        p.set_defaults(func=cmd_add)
    elif name == "search":
        p = sub.add_parser(name, help="search memories")
        p.add_argument("query")
        p.add_argument("--limit", type=int, default=10)
        p.add_argument("--mode", choices=["vector", "hybrid"], default="vector")
        _common(p)
        p.set_defaults(func=cmd_search)
    elif name == "ask":
        p = sub.add_parser(name, help="answer a question from memory")
        p.add_argument("question")
        p.add_argument("--limit", type=int, default=10, help="memories to retrieve")
        _common(p)
        p.set_defaults(func=cmd_ask)
    elif name == "memories":
        p = sub.add_parser(name, help="list/show/delete/history/export/import memories")
        s = p.add_subparsers(dest="action", metavar="ACTION", required=True)
        q = s.add_parser("list", help="list memories, newest first")
        q.add_argument("--limit", type=int, default=None)
        _common(q)
        q = s.add_parser("show", help="show one memory")
        q.add_argument("id")
        _common(q)
        q = s.add_parser("delete", help="delete by --id, or by --query (shows matches; --yes confirms)")
        g = q.add_mutually_exclusive_group(required=True)
        g.add_argument("--id", help="memory id")
        g.add_argument("--query", help="delete the memories that match this text")
        q.add_argument("--limit", type=int, default=5, help="max matches for --query")
        q.add_argument("--min-score", type=float, default=0.4, help="min similarity for --query matches")
        q.add_argument("--yes", action="store_true", help="delete without asking")
        _common(q)
        q = s.add_parser("history", help="the ADD/UPDATE/DELETE history of one memory")
        q.add_argument("id")
        _common(q)
        q = s.add_parser("export", help="export memories + history as JSONL")
        q.add_argument("path")
        _common(q)
        q = s.add_parser("import", help="import a JSONL export")
        q.add_argument("path")
        _common(q)
        p.set_defaults(func=cmd_memories)
    elif name == "store":
        p = sub.add_parser(name, help="store maintenance (optimize, info)")
        p.add_argument("action", choices=["optimize", "info"])
        _common(p)
        p.set_defaults(func=cmd_store)
    else:
        raise ValueError(f"memory_cli has no command {name!r}")


# -- helpers ---------------------------------------------------------------------------------------
def _store_path(args) -> Path:
    from .. import paths

    return Path(args.store).expanduser() if args.store else paths.default_store()


def _open(args, write: bool):
    """Memory on the store, or None after printing why not (missing store, locked store)."""
    from .lock import StoreLockedError
    from .memory import Memory
    from .store import StoreError

    path = _store_path(args)
    if not write and not path.is_dir():
        _err(f"no store at {path} (add a memory first, or pass --store)")
        return None
    try:
        return Memory(store=path, model=getattr(args, "model", None), read_only=not write)
    except (StoreLockedError, StoreError) as e:
        _err(str(e))
        return None


def _err(msg: str) -> None:
    print(f"memlora: {msg}", file=sys.stderr)


def _out(args, obj, text: str) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str) if args.json else text)


def _line(m: dict) -> str:
    score = f"{m['score']:.2f}  " if "score" in m else ""
    date = (m.get("source") or {}).get("session_date") or (m.get("updated_at") or "")[:10]
    return f"{score}{m['id'][:8]}  {date:<17} [{m['user_id']}] {m['memory']}"


def _event_line(r: dict) -> str:
    prev = f"  (was: {r['previous_memory']})" if r.get("previous_memory") else ""
    return f"{r['event']:<6} {r['id'][:8]}  {r['memory']}{prev}"


def _resolve_id(mem, prefix: str) -> str | None:
    """Full id from a full id or a unique prefix (the lists print 8 chars)."""
    if mem.get(prefix):
        return prefix
    hits = [r["id"] for r in mem.get_all()["results"] if r["id"].startswith(prefix)]
    if len(hits) == 1:
        return hits[0]
    _err(f"no memory with id {prefix!r}" if not hits else f"id prefix {prefix!r} is ambiguous ({len(hits)} matches)")
    return None


# -- commands ----------------------------------------------------------------------------------------
def cmd_add(args) -> int:
    from datetime import date

    mem = _open(args, write=True)
    if mem is None:
        return 1
    with mem:
        res = mem.add(args.text, user_id=args.user or DEFAULT_USER, infer=not args.no_infer,
                      session_date=args.date or date.today().isoformat())
    lines = [_event_line(r) for r in res["results"]] or ["(nothing new to remember)"]
    _out(args, res, "\n".join(lines))
    return 0


def cmd_search(args) -> int:
    mem = _open(args, write=False)
    if mem is None:
        return 1
    with mem:
        res = mem.search(args.query, user_id=args.user, limit=args.limit, mode=args.mode)
    _out(args, res, "\n".join(_line(m) for m in res["results"]) or "(no memories)")
    return 0


def cmd_ask(args) -> int:
    from ..ops import answer as answer_op
    from .memory import answer_context

    mem = _open(args, write=False)
    if mem is None:
        return 1
    with mem:
        if args.json:
            _out(args, mem.answer(args.question, user_id=args.user, limit=args.limit), "")
            return 0
        used = mem.retrieve(args.question, args.user, args.limit)
        for delta in answer_op.stream_answer(mem.engine, args.question, answer_context(used),
                                             max_tokens=mem.max_tokens["answer"],
                                             asker=args.user if isinstance(args.user, str) else None):
            print(delta, end="", flush=True)
        print()
        if not used:
            print("(no memories found)")
    return 0


def cmd_memories(args) -> int:
    write = args.action in ("delete", "import")
    if args.action == "import" and not Path(args.path).is_file():
        _err(f"no such file {args.path}")
        return 1
    mem = _open(args, write=write)
    if mem is None:
        return 1
    with mem:
        return _memories(mem, args)


def _memories(mem, args) -> int:
    a = args.action
    if a == "list":
        res = mem.get_all(args.user, args.limit)
        _out(args, res, "\n".join(_line(m) for m in res["results"]) or "(no memories)")
    elif a in ("show", "history"):
        mid = _resolve_id(mem, args.id)
        if mid is None:
            return 1
        if a == "show":
            m = mem.get(mid)
            _out(args, m, "\n".join(f"{k}: {v}" for k, v in m.items()))
        else:
            h = mem.history(mid)
            text = "\n".join(f"{r['created_at'][:19]}  {r['event']:<6} {r['old_memory'] or '-'} -> {r['new_memory'] or '-'}"
                             f"  (cause: {r['cause']})" for r in h)
            _out(args, h, text or "(no history)")
    elif a == "delete":
        return _delete(mem, args)
    elif a == "export":
        res = mem.export(args.path, user_id=args.user)
        _out(args, res, f"exported {res['memories']} memories and {res['history']} history rows to {res['path']}")
    elif a == "import":
        res = mem.import_(args.path)
        for e in res["errors"]:
            _err(f"skipped {e}")
        _out(args, res, f"imported {res['memories']} memories and {res['history']} history rows"
                        f" ({res['skipped_existing']} already present, {len(res['errors'])} bad lines)")
    return 0


def _delete(mem, args) -> int:
    if args.id:
        mid = _resolve_id(mem, args.id)
        if mid is None:
            return 1
        targets = [mem.get(mid)]
    else:
        hits = mem.search(args.query, user_id=args.user, limit=args.limit)["results"]
        targets = [h for h in hits if h["score"] >= args.min_score]
        if not targets:
            _out(args, {"deleted": []}, f"no memory matches {args.query!r} (min score {args.min_score})")
            return 1
        if not args.yes:
            print("\n".join(_line(t) for t in targets))
            if not sys.stdin.isatty():
                _err(f"{len(targets)} matching memories; re-run with --yes to delete them")
                return 1
            if input(f"Delete these {len(targets)} memories? [y/N] ").strip().lower() not in ("y", "yes"):
                print("nothing deleted")
                return 1
    done = [mem.delete(t["id"]) for t in targets]
    _out(args, {"deleted": done}, "\n".join(_event_line(d) for d in done))
    return 0


def cmd_store(args) -> int:
    path = _store_path(args)
    if args.action == "optimize":
        mem = _open(args, write=True)
        if mem is None:
            return 1
        with mem:
            mem.store.optimize()
        _out(args, {"optimized": str(path)}, f"optimized {path}")
        return 0
    mem = _open(args, write=False)
    if mem is None:
        return 1
    with mem:
        users: dict[str, int] = {}
        for r in mem.store.list_memories(args.user):
            users[r.user_id] = users.get(r.user_id, 0) + 1
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        info = {"path": str(path), "dim": mem.store.dim, "memories": sum(users.values()), "users": users,
                "bytes_on_disk": size}
    text = "\n".join([f"path: {path}", f"vector dim: {info['dim']}", f"memories: {info['memories']}",
                      *(f"  {u}: {n}" for u, n in sorted(users.items())), f"size on disk: {size / 1e6:.2f} MB"])
    _out(args, info, text)
    return 0
