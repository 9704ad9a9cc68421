"""`memlora bench engine|memory`."""

import json


def add_parser(sub, name):
    p = sub.add_parser(name, help="benchmarks: engine, memory")
    p.add_argument("what", choices=["engine", "memory"])
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.add_argument("--no-plain", action="store_true", help="engine: skip the plain mlx-lm baseline")
    p.add_argument("--sizes", default="1000,10000,100000", help="memory: store sizes for the search benchmark")
    p.add_argument("--turns", type=int, default=12, help="memory: conversation turns for the add benchmark")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.what == "engine":
        from .engine import print_table, run_bench

        res = run_bench(args.model, plain=not args.no_plain)
        print_table(res)
    else:
        from .ops import run_memory_bench

        res = run_memory_bench(args)
    if args.json:
        print(json.dumps(res))
    return 0
