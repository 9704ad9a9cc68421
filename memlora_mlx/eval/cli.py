"""`memlora eval {locomo,ops,vqa}`. `ops` and `vqa` live in `memlora_mlx.eval.ops` / `.vqa`
(each exposes `add_arguments(parser)` and `run(args) -> int`) and are imported only when invoked."""

import argparse
import importlib
import sys

DELEGATED = {
    "ops": ("memlora_mlx.eval.ops", "per-operation scores of the adapters (extract, update, answer)"),
    "vqa": ("memlora_mlx.eval.vqa", "visual question answering over image memories"),
}


def add_parser(sub, name="eval"):
    p = sub.add_parser(name, help="evaluate: locomo, ops, vqa", description="Evaluations.")
    ev = p.add_subparsers(dest="eval_command", metavar="EVAL")
    _add_locomo(ev)
    for cmd, (module, help_) in DELEGATED.items():
        d = ev.add_parser(cmd, help=help_, add_help=False, prefix_chars="\0")
        d.add_argument("rest", nargs=argparse.REMAINDER)
        d.set_defaults(func=_delegate(cmd, module))
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    return p


def _add_locomo(ev):
    p = ev.add_parser("locomo", help="LoCoMo end to end: ingest, answer, F1/BLEU-1 (and J with --judge)",
                      description="Run the LoCoMo benchmark on conversation files, or compare finished runs.")
    p.add_argument("files", nargs="*", help="LoCoMo JSON files, directories or globs")
    p.add_argument("--adapters", default="default", help="default | none | DIR of <op>/ adapters")
    p.add_argument("--mode", default="memory", choices=["memory", "full-context", "no-memory"])
    p.add_argument("--categories", default="1,2,3,4,5", help="comma-separated categories (default 1,2,3,4,5)")
    p.add_argument("--max-questions", type=int, default=None, help="per conversation")
    p.add_argument("--top-k", type=int, default=5, help="memories retrieved per speaker (default 5)")
    p.add_argument("--speakers", default="own", choices=["own", "both"],
                   help="turns each speaker's memory ingests: own turns (default) or the whole session")
    p.add_argument("--max-tokens", type=int, default=24, help="answer length cap (default 24)")
    p.add_argument("--context-tokens", type=int, default=None,
                   help="full-context: prompt budget in tokens, oldest turns cut first (default: model context)")
    p.add_argument("--extract-max-tokens", type=int, default=None,
                   help="memory mode: cap on each extract call's output tokens (default: Memory's)")
    p.add_argument("--speaker-margin", default=None, metavar="X|off",
                   help="memory mode: refuse a question about one speaker when a memory of the other speaker "
                        "holds a larger share of its words, by more than X (default: MARGIN of "
                        "memory/attribution.py; off: no check)")
    p.add_argument("--retrieval", default="focus", choices=["focus", "cosine"],
                   help="memory mode: focus (default; reranked by what memories say, names aside, and a question "
                        "naming one speaker gets 2 x top-k of theirs) or cosine (top-k per speaker, Mem0's protocol)")
    p.add_argument("--batch", type=int, default=8,
                   help="memory mode: questions answered together, decoded as one batch (default 8; 1: one at a time)")
    p.add_argument("--ingest-sessions", type=int, default=4, metavar="N",
                   help="memory mode: sessions whose extraction is decoded together (default 4; 1: one at a time)")
    p.add_argument("--judge", default="none", help="none | URL of an OpenAI-compatible API (only then contacted)")
    p.add_argument("--out", default=None, help="run directory (default runs/locomo/<mode>-<adapters>)")
    p.add_argument("--compare", nargs="+", metavar="DIR", help="write comparison.md/.png of finished runs to --out")
    p.set_defaults(func=_locomo)
    # a global --model may also be given after the subcommand
    p.add_argument("--model", dest="eval_model", default=None, help=argparse.SUPPRESS)


def _categories(text: str) -> list[int]:
    try:
        cats = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise SystemExit(f"--categories: expected numbers like 1,2,3,4, got {text!r}") from None
    bad = [c for c in cats if c not in (1, 2, 3, 4, 5)]
    if bad or not cats:
        raise SystemExit(f"--categories: LoCoMo categories are 1-5, got {text!r}")
    return cats


def _margin(text: str | None) -> float | None:
    from ..memory.attribution import MARGIN

    if text is None:
        return MARGIN
    if text.strip().lower() == "off":
        return None
    try:
        value = float(text)
    except ValueError:
        raise SystemExit(f"--speaker-margin: expected a number or 'off', got {text!r}") from None
    if not 0 <= value < 1:
        raise SystemExit(f"--speaker-margin: expected a cosine margin in [0, 1), got {text!r}")
    return value


def _locomo(args) -> int:
    from pathlib import Path

    from . import report

    if args.compare:
        out = Path(args.out or Path(args.compare[0]).parent)
        md, png = report.compare(args.compare, out)
        print(md.read_text())
        print(f"wrote {md} and {png}")
        return 0
    if not args.files:
        print("memlora eval locomo: give LoCoMo files (e.g. data/locomo/conv-42.json) or --compare DIR...",
              file=sys.stderr)
        return 2
    from .locomo_eval import EvalConfig, run_eval

    label = args.adapters if args.adapters in ("default", "none") else Path(args.adapters).name
    cfg = EvalConfig(
        files=args.files, out=args.out or f"runs/locomo/{args.mode}-{label}", mode=args.mode,
        model=getattr(args, "eval_model", None) or getattr(args, "model", None), adapters=args.adapters,
        categories=_categories(args.categories), max_questions=args.max_questions, top_k=args.top_k,
        speakers=args.speakers, max_tokens=args.max_tokens, context_tokens=args.context_tokens,
        extract_max_tokens=args.extract_max_tokens, speaker_margin=_margin(args.speaker_margin),
        retrieval=args.retrieval, batch=args.batch, ingest_sessions=args.ingest_sessions,
        judge=None if args.judge in (None, "", "none") else args.judge,
    )
    s = run_eval(cfg)
    print((Path(cfg.out) / "summary.md").read_text())
    print(f"results in {cfg.out}", file=sys.stderr)
    return 0 if s["questions"] else 1


def _delegate(cmd, module):
    def handler(args) -> int:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name and (e.name == module or module.startswith(e.name + ".")):
                print(f"memlora eval {cmd}: not available in this build ({module} is not installed yet)",
                      file=sys.stderr)
                return 2
            raise
        p = argparse.ArgumentParser(prog=f"memlora eval {cmd}", description=DELEGATED[cmd][1])
        mod.add_arguments(p)
        sub_args = p.parse_args(args.rest)
        if getattr(sub_args, "model", None) is None:
            sub_args.model = getattr(args, "model", None)
        return int(mod.run(sub_args) or 0)

    return handler
