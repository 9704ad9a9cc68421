"""`memlora chat [--user NAME] [--store DIR]`."""


def add_parser(sub, name):
    p = sub.add_parser(name, help="terminal chat that remembers")
    p.add_argument("--user", default="me", help="whose memories (user id), default: me")
    p.add_argument("--store", default=None, help="memory store directory (default: the user data dir)")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from .app import MemloraApp

    MemloraApp(user_id=args.user, store=args.store, model=args.model).run()
    return 0
