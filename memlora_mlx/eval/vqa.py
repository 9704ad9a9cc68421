"""`memlora eval vqa FILES --vision native|caption`: VQA through ingest -> retrieve -> answer over image memories.

FILES are VQA-augmented LoCoMo JSONs from scripts/make_locomo_vqa.py (vqa.jsonl beside them). Scores: normalised
exact match overall and per question type, plus `contains` (gold word among the answer's words) and retrieval@1.
"""

import json
import sys
import tempfile
from pathlib import Path


def add_arguments(p) -> None:
    p.add_argument("files", nargs="+", help="augmented LoCoMo JSON files (from scripts/make_locomo_vqa.py)")
    p.add_argument("--vision", default="native", choices=["native", "caption"],
                   help="native: answer image questions from pixels (demo vision model + vqa LoRA); "
                        "caption: from the stored captions only (baseline)")
    p.add_argument("--vision-dir", default=None, help="vision model dir (default: shipped demo model)")
    p.add_argument("--adapters", default="default", help="default | none | DIR of <op>/ adapters")
    p.add_argument("--limit", type=int, default=None, help="questions per file (evenly spread subset)")
    p.add_argument("--top-k", type=int, default=5, help="memories retrieved over both speakers (default 5)")
    p.add_argument("--search", default="hybrid", choices=["hybrid", "vector"],
                   help="memory search: hybrid (vector + full text, default) or vector")
    p.add_argument("--no-distractors", action="store_true", help="ingest image turns only (no text turns)")
    p.add_argument("--store", default=None, help="store dir (default: a temp dir, deleted afterwards)")
    p.add_argument("--out", default=None, help="write the report (JSON, per-question results) here")


def run(args) -> int:
    from memlora_mlx.memory.embedder import load_embedder
    from memlora_mlx.engine import Engine
    from memlora_mlx.memory import Memory
    from memlora_mlx.vision.pipeline import VisionPipeline
    from memlora_mlx.vision.vqa_eval import evaluate, format_report, load_vqa

    for f in args.files:  # fail early, naming the bad file
        try:
            load_vqa(f)
        except ValueError as e:
            print(f"memlora eval vqa: {e}", file=sys.stderr)
            return 2
    engine = Engine(getattr(args, "model", None), adapters=args.adapters)
    if args.vision == "native" and "vqa" not in engine.adapter_names:
        print("memlora eval vqa: warning: no 'vqa' adapter loaded; answering from pixels with the bare base",
              file=sys.stderr)
    vp = VisionPipeline(mode=args.vision, vision_dir=Path(args.vision_dir) if args.vision_dir else None,
                        search_mode=args.search)
    with tempfile.TemporaryDirectory(prefix="memlora-vqa-") as tmp:
        store = Path(args.store) if args.store else Path(tmp) / "store"
        memory = Memory(engine=engine, store=store, embedder=load_embedder())
        try:
            rep = evaluate(memory, vp, args.files, limit=args.limit, top_k=args.top_k,
                           distractors=not args.no_distractors)
        finally:
            memory.close()
    print(format_report(rep))
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(rep, indent=1, default=str))
        print(f"report -> {out}")
    return 0
