"""`memlora` command line. Each feature module exposes `add_parser(subparsers)`; imported lazily."""

import argparse
import importlib
import sys

import memlora_mlx  # noqa: F401  (preloads the optimized BLAS before anything imports mlx)

# (command, module, help). A module's add_parser(sub) adds `command` and sets `func=handler(args)`.
COMMANDS = [
    ("demo", "memlora_mlx.memory.demo", "ingest a short built-in conversation and answer from memory"),
    ("chat", "tui.cli", "terminal chat that remembers"),
    ("add", "memlora_mlx.memory.cli", "add a memory from text"),
    ("search", "memlora_mlx.memory.cli", "search memories"),
    ("ask", "memlora_mlx.memory.cli", "answer a question from memory"),
    ("memories", "memlora_mlx.memory.cli", "list/show/delete/history/export/import memories"),
    ("store", "memlora_mlx.memory.cli", "store maintenance (optimize, info)"),
    ("ingest", "memlora_mlx.ingest.cli", "batch-ingest LoCoMo / JSONL / text transcripts"),
    ("distill", "memlora_mlx.distill.cli", "build per-operation training data from a teacher"),
    ("train", "memlora_mlx.train", "train a per-operation LoRA adapter"),
    ("eval", "memlora_mlx.eval.cli", "evaluate: ops, locomo, vqa"),
    ("bench", "memlora_mlx.bench.cli", "benchmarks: engine, memory"),
    ("models", "memlora_mlx.engine.models_cli", "list model presets: size, source, installed, adapters shipped"),
    ("doctor", "memlora_mlx.engine.doctor", "report device, BLAS, compute dtype and GEMM speed"),
]


def build_parser(argv) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="memlora", description="Private on-device memory (MemLoRA on MLX).")
    p.add_argument("--model", default=None,
                   help="preset (`memlora models`), local mlx-lm dir, .gguf or HF id (default: the device's preset)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    # The command is the first word that is not a global option or its value (`--model DIR eval locomo`).
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--model")
    pre.add_argument("-v", "--verbose", action="store_true")
    _, rest = pre.parse_known_args(argv)
    wanted = next((a for a in rest if not a.startswith("-")), None)
    for name, module, help_ in COMMANDS:
        if wanted not in (None, name):
            sub.add_parser(name, help=help_)  # listed in --help, not imported
            continue
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name and (e.name == module or module.startswith(e.name + ".")):
                sub.add_parser(name, help=f"{help_} (not available: {e})")
                continue
            raise
        mod.add_parser(sub, name)
    return p


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.verbose:
        import logging

        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
