"""`memlora chat [--user NAME] [--store DIR]`; `memlora chat --script FILE [--json]` plays a file of messages
through the same Conversation without a terminal UI (memlora_mlx/chat/drive.py)."""

import argparse


def add_parser(sub, name):
    p = sub.add_parser(name, help="terminal chat that remembers")
    p.add_argument("--user", default="me", help="whose memories (user id), default: me")
    p.add_argument("--store", default=None,
                   help="memory store directory (default: the user data dir; with --script a temporary one)")
    p.add_argument("--script", metavar="FILE", default=None,
                   help="play FILE (one message per line, '#' comments, /new = new chat) and print each reply "
                        "with timings, recalled memories and memory events, then a summary")
    p.add_argument("--json", action="store_true", help="with --script: print the report as JSON")
    p.add_argument("--history-tokens", type=int, default=None, metavar="N",
                   help="earlier turns of the chat in the reply prompt, in tokens (default 0: the bare 0.5B replied "
                        "worse with any; for a reply adapter trained with history or a bigger base)")
    # also accepted after the command (`memlora chat --model M`); SUPPRESS keeps `memlora --model M chat` working
    p.add_argument("--model", default=argparse.SUPPRESS, help="model preset, dir, .gguf or HF id")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    model = getattr(args, "model", None)
    if args.history_tokens is not None and args.history_tokens < 0:
        raise SystemExit(f"memlora chat: --history-tokens must be 0 or more (got {args.history_tokens})")
    if args.script:
        from memlora_mlx.chat.drive import main

        budget = {} if args.history_tokens is None else {"history_budget": args.history_tokens}
        return main(args.script, user=args.user, store=args.store, model=model, json_out=args.json, **budget)
    if args.json:
        raise SystemExit("memlora chat: --json needs --script FILE")
    from .app import MemloraApp

    MemloraApp(user_id=args.user, store=args.store, model=model, history_tokens=args.history_tokens).run()
    return 0
