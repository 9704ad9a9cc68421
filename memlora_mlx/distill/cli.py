"""`memlora distill`: per-operation training data (train/valid/test JSONL) from LoCoMo or a teacher endpoint."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from . import OPS, DistillError, label_counts, parse_split_spec, read_jsonl, session_parts, write_splits


def add_parser(sub, name="distill"):
    p = sub.add_parser(name, help="build per-operation training data from a teacher",
                       description="Write mlx-lm chat JSONL (train/valid/test) for one memory operation.")
    add_arguments(p)
    p.set_defaults(func=run)
    return p


def add_arguments(p):
    p.add_argument("--op", required=True, choices=(*OPS, "reply"))
    p.add_argument("--source", default="locomo", choices=("locomo", "teacher", "chat"),
                   help="locomo: the dataset's own GPT annotations; teacher: an OpenAI-compatible endpoint; "
                        "chat: synthetic chats with rule-written replies (op reply only)")
    p.add_argument("--inputs", nargs="+", default=[], help="LoCoMo JSON files/globs, or JSONL transcripts")
    p.add_argument("--examples", type=int, default=400, metavar="N",
                   help="--source chat: N training chats (and N/10 validation ones)")
    p.add_argument("--reply-unknown", type=float, default=None, metavar="SHARE",
                   help="--source chat: share of questions nothing in the prompt answers (default 0.14)")
    p.add_argument("--out", required=True, help="output dir (train.jsonl, valid.jsonl, test.jsonl, stats.json)")
    p.add_argument("--split", nargs="*", default=None, metavar="IDS:ROLE",
                   help="by conversation, e.g. conv-26,conv-30:train conv-42:test (unnamed -> train)")
    p.add_argument("--valid-sessions", type=int, default=2,
                   help="if no conversation is 'valid': hold out the last N sessions of each training conversation")
    p.add_argument("--window", type=int, default=4, help="turns per extraction window")
    p.add_argument("--empty-ratio", type=float, default=0.25, help="fraction of fact-less windows kept")
    p.add_argument("--extract-single", type=float, default=0.5, metavar="RATIO",
                   help="extract: rate of single-turn copies of windows with facts in train/valid (chat sends "
                        "one statement at a time)")
    p.add_argument("--extract-quiet", type=float, default=0.0, metavar="RATIO",
                   help="extract: rate of single quiet turns (questions, short remarks) with no facts in "
                        "train/valid, so that small talk leaves no memory (0.5 for the Qwen2.5 adapters)")
    p.add_argument("--extract-chat", type=int, default=0, metavar="N",
                   help="extract: N synthetic single chat messages in train (N/10 in valid): statements with "
                        "relation-keeping facts, questions and small talk with none")
    p.add_argument("--extract-chat-quiet", type=float, default=0.4, metavar="RATIO",
                   help="extract: share of the --extract-chat messages that are questions or small talk")
    p.add_argument("--extract-chat-compound", type=float, default=0.0, metavar="RATIO",
                   help="extract: share of the --extract-chat statements that hold two or three facts in one message")
    p.add_argument("--extract-chat-short", type=int, default=0, metavar="N",
                   help="extract: N short chat messages in train (N/10 in valid): statements about health, diet, "
                        "likes and habits, and (--extract-chat-short-quiet of them) questions, requests or remarks "
                        "with no facts")
    p.add_argument("--extract-chat-short-quiet", type=float, default=0.25, metavar="RATIO",
                   help="extract: share of the --extract-chat-short messages that are questions, requests or remarks")
    p.add_argument("--extract-chat-we", type=int, default=0, metavar="N",
                   help="extract: N chat messages with news said with \"we\", \"our\" or \"my wife and I\" in train "
                        "(N/10 in valid), --extract-chat-short-quiet of them fact-free questions and remarks")
    p.add_argument("--extract-chat-partner", type=int, default=0, metavar="N",
                   help="extract: N chat messages that name a partner and tell news with \"we\" (two facts: the "
                        "partner's, the news as the user's), --extract-chat-short-quiet of them fact-free")
    p.add_argument("--extract-chat-family", type=int, default=0, metavar="N",
                   help="extract: N chat messages with a relative's news told with a he/she clause (two facts, the "
                        "relative's) or a trip to see family (the user's), --extract-chat-short-quiet fact-free")
    p.add_argument("--extract-followups", type=int, default=0, metavar="N",
                   help="extract: N two-message chat examples (the previous message as context, then one that leans "
                        "on it or not; only the new message's facts are the target)")
    p.add_argument("--answer-variants", type=float, default=0.0, metavar="RATIO",
                   help="answer: rate of chat-style copies (a short memory list) in train/valid; off by "
                        "default (see docs/distillation.md for what it measured)")
    p.add_argument("--answer-refusals", type=float, default=1.0, metavar="RATIO",
                   help="answer: share of category-5 refusal examples kept in train/valid (1 = all; with "
                        "--answer-stores: of all refusal examples)")
    p.add_argument("--answer-stores", default=None, metavar="DIR",
                   help="answer: show the memories retrieved from ingested stores (DIR/<sample_id>, as `memlora eval "
                        "locomo --out X` leaves them in X/stores) instead of the annotated observations; targets: the "
                        "gold answer when the memories hold it, the refusal when they hold none of it")
    p.add_argument("--extra-updates", type=int, default=2, metavar="N",
                   help="update: N more UPDATE cases (other swaps) per UPDATE fact in train/valid")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--teacher-url", default=None, help="OpenAI-compatible base URL, e.g. http://localhost:8080/v1")
    p.add_argument("--teacher-model", default=None)
    p.add_argument("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the API key")
    p.add_argument("--teacher-cache", default=None, help="response cache dir (default: cache_dir()/teacher)")


def load_inputs(inputs: list[str]):
    """LoCoMo JSON via memlora_mlx.locomo; `.jsonl` transcripts (one turn per line) as one conversation per file."""
    from ..locomo import load_conversations

    json_in = [i for i in inputs if not i.endswith(".jsonl")]
    convs = load_conversations(json_in) if json_in else []
    convs += [load_jsonl_conversation(Path(i)) for i in inputs if i.endswith(".jsonl")]
    if not convs:
        raise DistillError("no conversations found in --inputs")
    return convs


def load_jsonl_conversation(path: Path):
    """Lines `{"speaker", "text", "session"?: int|str, "date"?: str}` -> a LoCoMo-shaped Conversation (no QA)."""
    from ..locomo import Conversation, Session, parse_date
    from ..types import Turn

    sessions: dict = {}
    for i, r in enumerate(read_jsonl(path), 1):
        speaker = r.get("speaker") or r.get("role")
        text = r.get("text") if "text" in r else r.get("content")
        if not isinstance(speaker, str) or not isinstance(text, str):
            raise DistillError(f"{path}:{i}: expected string fields 'speaker' and 'text'")
        key = str(r.get("session", r.get("date", 1)))
        s = sessions.setdefault(key, {"date": r.get("date") or r.get("timestamp"), "turns": []})
        n = len(sessions)
        s["turns"].append(Turn(speaker=speaker, text=text, dia_id=f"D{n}:{len(s['turns']) + 1}", timestamp=s["date"]))
    out = [Session(index=k, date_time=s["date"] or "", date=parse_date(s["date"] or ""), turns=s["turns"])
           for k, s in enumerate(sessions.values(), 1)]
    speakers = list(dict.fromkeys(t.speaker for s in out for t in s.turns)) + ["", ""]
    return Conversation(sample_id=path.stem, speaker_a=speakers[0], speaker_b=speakers[1], sessions=out, qa=[], path=path)


def _teacher_splits(args, convs, split_map, embedder):
    from tqdm import tqdm

    from .locomo_source import session_of
    from .teacher import label_answer, label_extract, label_update, teacher_from_args

    teacher = teacher_from_args(args)
    out = {"train": [], "valid": [], "test": []}
    with tqdm(desc=f"teacher {args.op}", unit="req") as bar:
        for c in convs:
            for split, sess in session_parts(c, split_map, args.valid_sessions).items():
                if args.op == "extract":
                    rows = label_extract(teacher, c, sess, window=args.window, progress=bar)
                elif args.op == "update":
                    rows = label_update(teacher, c, sess, embedder, seed=args.seed, progress=bar)
                else:
                    qas = [q for q in c.qa if q.evidence and session_of(q.evidence[0]) in sess]
                    rows = label_answer(teacher, c, qas, embedder, progress=bar)
                out[split].extend(rows)
    return out, dict(teacher.stats)


def run(args) -> int:
    t0 = time.perf_counter()
    if (args.op == "reply") != (args.source == "chat"):
        print("memlora distill: op reply is built with --source chat, and --source chat builds only op reply",
              file=sys.stderr)
        return 2
    if args.source == "chat":
        from .reply_source import build as build_chat

        splits = build_chat(args.examples, max(1, args.examples // 10), seed=args.seed, unknown_share=args.reply_unknown)
        counts = write_splits(args.out, splits)
        kinds = {k: dict(sorted(Counter(r["meta"]["kind"] for r in v).items())) for k, v in splits.items()}
        stats = {"op": "reply", "source": "chat", "counts": counts, "kinds": kinds, "seed": args.seed,
                 "seconds": round(time.perf_counter() - t0, 1)}
        Path(args.out, "stats.json").write_text(json.dumps(stats, indent=2))
        print(json.dumps(stats, indent=2))
        return 0
    try:
        if not args.inputs:
            raise DistillError("--inputs is required for --source locomo and --source teacher")
        convs = load_inputs(args.inputs)
        split_map = parse_split_spec(args.split)
        embedder = None
        if args.op in ("update", "answer"):
            from ..memory.embedder import load_embedder

            embedder = load_embedder()
        kinds = None
        if args.answer_stores:
            if args.op != "answer" or args.source != "locomo":
                raise DistillError("--answer-stores is for --op answer --source locomo")
            from .store_answers import build_from_stores

            splits, kinds = build_from_stores(convs, split_map, Path(args.answer_stores), embedder,
                                              valid_sessions=args.valid_sessions,
                                              refusal_ratio=args.answer_refusals, seed=args.seed)
            teacher_stats = None
        elif args.source == "locomo":
            from .locomo_source import build

            missing = [c.sample_id for c in convs if not any(s.observations for s in c.sessions)]
            if missing:
                raise DistillError(f"--source locomo needs session observations; none in: {', '.join(missing)} "
                                   "(use --source teacher for your own conversations)")
            splits = build(args.op, convs, split_map, valid_sessions=args.valid_sessions, window=args.window,
                           single_ratio=args.extract_single, quiet_ratio=args.extract_quiet,
                           chat_examples=args.extract_chat, chat_quiet=args.extract_chat_quiet,
                           chat_compound=args.extract_chat_compound,
                           followups=args.extract_followups, chat_short=args.extract_chat_short,
                           chat_short_quiet=args.extract_chat_short_quiet, chat_we=args.extract_chat_we,
                           chat_partner=args.extract_chat_partner, chat_family=args.extract_chat_family,
                           variant_ratio=args.answer_variants,
                           refusal_ratio=args.answer_refusals,
                           extra_updates=args.extra_updates,
                           empty_ratio=args.empty_ratio, seed=args.seed, embedder=embedder)
            teacher_stats = None
        else:
            splits, teacher_stats = _teacher_splits(args, convs, split_map, embedder)
    except (DistillError, ValueError, OSError) as e:
        print(f"memlora distill: {e}", file=sys.stderr)
        return 2
    counts = write_splits(args.out, splits)
    stats = {"op": args.op, "source": args.source, "inputs": [str(i) for i in args.inputs],
             "split": {c.sample_id: split_map.get(c.sample_id, "train") for c in convs},
             "valid_sessions": args.valid_sessions, "counts": counts,
             "labels": {k: label_counts(v) for k, v in splits.items() if v},
             "seconds": round(time.perf_counter() - t0, 1)}
    if teacher_stats is not None:
        stats["teacher"] = teacher_stats
    if kinds is not None:
        stats["answer_stores"], stats["kinds"] = str(args.answer_stores), kinds
    if args.op == "extract" and args.extract_followups:
        stats["context_turns"] = 1  # examples show the previous message as context; `memlora train` passes it on
    Path(args.out, "stats.json").write_text(json.dumps(stats, indent=2))
    print(json.dumps(stats, indent=2))
    if not counts.get("train"):
        print("memlora distill: no training examples produced", file=sys.stderr)
        return 1
    return 0
