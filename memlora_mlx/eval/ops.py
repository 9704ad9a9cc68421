"""`memlora eval ops`: per-operation scores, bare base vs base + adapter, same prompts (the distilled test split).

extract: fact precision / recall / F1 against the teacher's facts; a predicted fact matches a teacher fact when
         their embedding cosine >= --threshold (greedy one-to-one matching); JSON-validity rate. Also `applied_*`:
         the facts the runtime stores from the same output (`ops.extract.kept_facts`: example copies and facts
         nobody said dropped, pronouns and "I" given back to the speaker).
update:  event accuracy, strict accuracy (event + id), macro-F1 over ADD/UPDATE/DELETE/NONE; JSON-validity rate.
         Also `applied_*`: the events `Memory` acts on (invalid -> ADD, then `ops.update.check`'s similarity
         guards), which need the fact and memories in each row's meta.
answer:  LoCoMo token F1 and BLEU-1 (`eval.metrics.score_answer`; category 5 scores a refusal).
Writes `<out>/ops_eval.json`, `<out>/ops_eval.md` and `<out>/<op>_outputs.jsonl` (every prediction); `--write-card` adds the scores to each adapter's card.json.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

EVENTS = ("ADD", "UPDATE", "DELETE", "NONE")
# Calibrated on 14 hand-checked LoCoMo pairs with all-MiniLM-L6-v2 (docs/distillation.md): the same fact reworded
# scored 0.79-0.95, different facts about the same speaker 0.37-0.60. Number swaps ("two kids"/"three kids", 0.96)
# are not separable by embeddings: fact F1 does not check numbers.
DEFAULT_THRESHOLD = 0.7
MAX_TOKENS = {"extract": 128, "update": 96, "answer": 24}  # update: as `ops.update.decide` and `Memory`


def add_arguments(p):
    p.add_argument("--adapters", required=True, help="dir with <op>/ adapters (e.g. adapters/SmolLM2-135M-Instruct)")
    p.add_argument("--data", required=True, help="dir with <op>/test.jsonl (from `memlora distill`), or one op's dir")
    p.add_argument("--ops", default="extract,update,answer")
    p.add_argument("--split", default="test")
    p.add_argument("--limit", type=int, default=None, help="examples per op (update: balanced over events)")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="extract fact-match cosine")
    p.add_argument("--constrained", action="store_true", help="JSON-schema constrained decoding, as at runtime")
    p.add_argument("--out", default="runs/eval_ops")
    p.add_argument("--write-card", action="store_true", help="store the scores in each adapter's card.json")
    p.add_argument("--skip-base", action="store_true", help="score the adapters only (base numbers known)")
    p.add_argument("--model", dest="eval_model", default=None, help="base model (default: the device's preset, `memlora models`)")


def select(rows: list[dict], op: str, limit: int | None) -> list[dict]:
    """First `limit` rows; for update round-robin over gold events so every class is scored."""
    if not limit or len(rows) <= limit:
        return rows
    if op != "update":
        return rows[:limit]
    by = defaultdict(list)
    for r in rows:
        by[r.get("meta", {}).get("event", "?")].append(r)
    out, i = [], 0
    while len(out) < limit:
        for e in sorted(by):
            if i < len(by[e]) and len(out) < limit:
                out.append(by[e][i])
        i += 1
    return out


# ---- scoring ---------------------------------------------------------------------------------------


def match_facts(pred: list[str], gold: list[str], embedder, threshold: float) -> int:
    """Greedy one-to-one matches with cosine >= threshold."""
    if not pred or not gold:
        return 0
    sims = embedder.embed(pred) @ embedder.embed(gold).T
    pairs = sorted(((sims[i, j], i, j) for i in range(len(pred)) for j in range(len(gold))), reverse=True)
    used_p, used_g, n = set(), set(), 0
    for s, i, j in pairs:
        if s < threshold:
            break
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            n += 1
    return n


def window_speakers(given: str) -> list[str]:
    """Speakers of an extract prompt's new turns ("Nate: …" lines after the session date, and after the context
    turns when there are any: the runtime passes those), in order of first turn."""
    from ..ops.extract import NEW_HEAD

    new = given.split(f"\n{NEW_HEAD}\n")[-1] if f"\n{NEW_HEAD}\n" in given else given.partition("\n\n")[2]
    return list(dict.fromkeys(m.group(1) for m in _TURN.finditer(new or given)))


_TURN = re.compile(r"^([^:\n]{1,60}): ", re.M)


def score_extract(outputs: list[str], rows: list[dict], embedder, threshold: float) -> dict:
    from ..ops.extract import kept_facts, parse_facts
    from ..ops.parsing import parse_json_object

    n_pred = n_gold = n_match = valid = n_kept = n_kept_match = 0
    for text, r in zip(outputs, rows):
        obj = parse_json_object(text)
        valid += isinstance(obj, dict) and isinstance(obj.get("facts"), list)
        pred, _ = parse_facts(text)
        gold = r["meta"].get("facts") or parse_facts(r["messages"][-1]["content"])[0]
        n_pred, n_gold = n_pred + len(pred), n_gold + len(gold)
        n_match += match_facts(pred, gold, embedder, threshold)
        prompt = r["messages"][:-1]
        kept = kept_facts(text, prompt, window_speakers(prompt[-1]["content"]))
        n_kept, n_kept_match = n_kept + len(kept), n_kept_match + match_facts(kept, gold, embedder, threshold)
    return {"n": len(rows), **_prf("fact", n_match, n_pred, n_gold),
            **_prf("applied_fact", n_kept_match, n_kept, n_gold),
            "json_valid_rate": valid / len(rows) if rows else 0.0, "pred_facts": n_pred, "gold_facts": n_gold,
            "applied_facts": n_kept}


def _prf(name: str, n_match: int, n_pred: int, n_gold: int) -> dict:
    p = n_match / n_pred if n_pred else 0.0
    rc = n_match / n_gold if n_gold else 0.0
    return {f"{name}_precision": p, f"{name}_recall": rc, f"{name}_f1": 2 * p * rc / (p + rc) if p + rc else 0.0}


def macro_f1(gold: list[str], pred: list[str], labels=EVENTS) -> tuple[float, dict]:
    per = {}
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        per[lab] = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    present = [lab for lab in labels if lab in gold]
    return (sum(per[lab] for lab in present) / len(present) if present else 0.0), per


def _n_memories(row: dict) -> int:
    """Memories an update row shows (from its meta; old rows: the lines of its prompt)."""
    return len(row["meta"].get("memories", [])) or row["messages"][-2]["content"].count("\n")


def score_update(outputs: list[str], rows: list[dict], embedder=None) -> dict:
    from ..ops.update import parse_decision

    golds, preds, strict = [], [], 0
    for text, r in zip(outputs, rows):
        n = _n_memories(r)
        g = parse_decision(r["messages"][-1]["content"], n)
        d = parse_decision(text, n)
        golds.append(g.event)
        preds.append(d.event if d else "INVALID")
        strict += d is not None and d.event == g.event and (g.event not in ("UPDATE", "DELETE") or d.index == g.index)
    m, per = macro_f1(golds, preds)
    res = {"n": len(rows), "accuracy": _accuracy(golds, preds),
           "strict_accuracy": strict / len(rows) if rows else 0.0, "macro_f1": m, "f1_per_event": per,
           "json_valid_rate": sum(p != "INVALID" for p in preds) / len(rows) if rows else 0.0,
           "gold_events": dict(Counter(golds)), "pred_events": dict(Counter(preds))}
    if embedder is not None and all("fact" in r["meta"] and "memories" in r["meta"] for r in rows):
        applied = applied_events(outputs, rows, embedder)
        m, per = macro_f1(golds, applied)
        res.update(applied_accuracy=_accuracy(golds, applied), applied_macro_f1=m, applied_f1_per_event=per,
                   applied_events=dict(Counter(applied)))
    return res


def applied_events(outputs: list[str], rows: list[dict], embedder) -> list[str]:
    """The events `Memory.add_facts` would apply: `ended` (no model call), else `to_decision` and `superseding` (as
    `decide`), then `check` with cosine(fact, memory i)."""
    import numpy as np

    from ..ops.update import check, ended, superseding, to_decision

    events = []
    for text, r in zip(outputs, rows):
        fact, mems = r["meta"]["fact"], r["meta"]["memories"]
        if ended(fact, mems) is not None:  # found by words before any model call
            events.append("DELETE")
            continue
        d = superseding(to_decision(text, fact, len(mems), mems), fact, mems)
        vecs = embedder.embed([fact, *mems, *([d.text] if d.event == "UPDATE" else [])])
        sims = [float(np.dot(vecs[0], v)) for v in vecs[1:1 + len(mems)]]
        text_sim = float(np.dot(vecs[0], vecs[-1])) if d.event == "UPDATE" else None
        events.append(check(d, fact, sims, text_sim).event)
    return events


def _accuracy(golds: list[str], preds: list[str]) -> float:
    return sum(g == p for g, p in zip(golds, preds)) / len(golds) if golds else 0.0


def score_answers(outputs: list[str], rows: list[dict]) -> dict:
    from ..ops.answer import final_answer
    from .metrics import score_answer

    f1 = b1 = 0.0
    per_cat: dict = defaultdict(list)
    for text, r in zip(outputs, rows):  # scored as the runtime returns it (a copy of the example -> the refusal)
        gold = r["meta"].get("answer") or r["messages"][-1]["content"]
        s = score_answer(final_answer(text, r["messages"][:-1]), gold,
                         int(r["meta"].get("category", 4)))
        f1, b1 = f1 + s["f1"], b1 + s["bleu1"]
        per_cat[r["meta"].get("category", 0)].append(s["f1"])
    n = max(len(rows), 1)
    return {"n": len(rows), "token_f1": f1 / n, "bleu1": b1 / n,
            "token_f1_per_category": {str(k): sum(v) / len(v) for k, v in sorted(per_cat.items())}}


# ---- running ---------------------------------------------------------------------------------------


def generate_all(engine, rows, op, adapter, constrained: bool) -> tuple[list[str], float]:
    from tqdm import tqdm

    import importlib

    mod = importlib.import_module(f"memlora_mlx.ops.{op}")
    stop = getattr(mod, "STOP", None)  # the runtime's stop strings: same decoding as the app
    outs, t0 = [], time.perf_counter()
    for r in tqdm(rows, desc=f"{op} {'adapter' if adapter else 'base'}", unit="ex"):
        schema = None
        if constrained:  # the runtime's schema: update's depends on how many memories were shown
            schema = mod.json_schema(_n_memories(r)) if op == "update" else getattr(mod, "JSON_SCHEMA", None)
        outs.append(engine.generate(r["messages"][:-1], adapter=adapter, max_tokens=MAX_TOKENS[op],
                                    temperature=0.0, json_schema=schema, stop=stop))
    return outs, time.perf_counter() - t0


def count_leaks(op: str, outputs: list[str], rows: list[dict]) -> dict:
    """Outputs that contain text from the op prompt's worked example and not from the input (ops/leaks.py)."""
    import importlib

    from ..ops.leaks import op_leaks

    mod = importlib.import_module(f"memlora_mlx.ops.{op}")
    found = [(i, lk) for i, (o, r) in enumerate(zip(outputs, rows)) if (lk := op_leaks(mod, o, r["messages"][:-1]))]
    return {"leaks": len(found), "leak_samples": [{"row": i, "output": outputs[i], "leaked": lk} for i, lk in found[:5]]}


def _test_file(data: Path, op: str, split: str) -> Path:
    for p in (data / op / f"{split}.jsonl", data / f"{split}.jsonl"):
        if p.exists():
            return p
    raise FileNotFoundError(f"no {split}.jsonl for {op} under {data} (run `memlora distill --op {op}` first)")


def markdown(results: dict) -> str:
    keys = {"extract": ["fact_precision", "fact_recall", "fact_f1", "json_valid_rate", "applied_fact_f1"],
            "update": ["accuracy", "strict_accuracy", "macro_f1", "json_valid_rate", "applied_macro_f1"],
            "answer": ["token_f1", "bleu1"]}
    lines = ["| op | n | metric | base | base + adapter |", "|---|---|---|---|---|"]
    for op, r in results["ops"].items():
        for k in (k for k in keys.get(op, []) if k in r["adapter"]):
            lines.append(f"| {op} | {r['adapter']['n']} | {k} | {_num(r.get('base', {}).get(k))} | "
                         f"{r['adapter'][k]:.3f} |")
        if "leaks" in r["adapter"]:
            lines.append(f"| {op} | {r['adapter']['n']} | model outputs with prompt-example text "
                         f"(answer: refused at run time) | {r.get('base', {}).get('leaks', '–')} | "
                         f"{r['adapter']['leaks']} |")
    return "\n".join(lines) + "\n"


def _num(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def run(args) -> int:
    from ..distill import read_jsonl
    from ..memory.embedder import load_embedder
    from ..engine import Engine

    adapters, data, out = Path(args.adapters), Path(args.data), Path(args.out)
    ops = [o.strip() for o in args.ops.split(",") if o.strip()]
    bad = [o for o in ops if o not in MAX_TOKENS]
    if bad:
        print(f"memlora eval ops: unknown op(s) {', '.join(bad)} (extract, update, answer)", file=sys.stderr)
        return 2
    try:
        files = {op: _test_file(data, op, args.split) for op in ops}
        adir = {op: adapters / op if (adapters / op / "adapters.safetensors").exists() else adapters for op in ops}
        for op, d in adir.items():
            if not (d / "adapters.safetensors").exists():
                raise FileNotFoundError(f"no adapter for {op} in {adapters} (expected {adapters / op}/adapters.safetensors)")
    except FileNotFoundError as e:
        print(f"memlora eval ops: {e}", file=sys.stderr)
        return 2
    engine = Engine(model=args.eval_model or getattr(args, "model", None), adapters="none")
    embedder = load_embedder() if {"extract", "update"} & set(ops) else None
    results = {"model": engine.model_id, "adapters": str(adapters), "data": str(data), "split": args.split,
               "limit": args.limit, "threshold": args.threshold, "constrained": args.constrained, "ops": {}}
    for op in ops:
        rows = select(read_jsonl(files[op]), op, args.limit)
        engine.load_adapter(op, adir[op])
        res = {"test_file": str(files[op])}
        outputs = {}
        for name, adapter in [("adapter", op)] if args.skip_base else [("base", None), ("adapter", op)]:
            outs, secs = outputs[name] = generate_all(engine, rows, op, adapter, args.constrained)
            if op == "extract":
                res[name] = score_extract(outs, rows, embedder, args.threshold)
            elif op == "update":
                res[name] = score_update(outs, rows, embedder)
            else:
                res[name] = score_answers(outs, rows)
            res[name]["seconds"] = round(secs, 1)
            res[name].update(count_leaks(op, outs, rows))
            res[name]["samples"] = [{"gold": r["messages"][-1]["content"], "output": o} for r, o in zip(rows[:3], outs)]
        results["ops"][op] = res
        out.mkdir(parents=True, exist_ok=True)
        with open(out / f"{op}_outputs.jsonl", "w") as f:  # every prediction, for error analysis
            for i, r in enumerate(rows):
                f.write(json.dumps({"gold": r["messages"][-1]["content"], "meta": r.get("meta", {}),
                                    **{k: v[0][i] for k, v in outputs.items()}}) + "\n")
        (out / "ops_eval.json").write_text(json.dumps(results, indent=2))
        (out / "ops_eval.md").write_text(markdown(results))
        if args.write_card:
            write_card_eval(adir[op] / "card.json", results, op)
    print(markdown(results))
    print(f"written {out / 'ops_eval.json'} and {out / 'ops_eval.md'}")
    return 0


def write_card_eval(card_path: Path, results: dict, op: str) -> None:
    keep = {"extract": ("fact_precision", "fact_recall", "fact_f1", "json_valid_rate", "applied_fact_precision",
                        "applied_fact_recall", "applied_fact_f1"),
            "update": ("accuracy", "macro_f1", "json_valid_rate", "applied_macro_f1"),
            "answer": ("token_f1", "bleu1")}[op]
    r = results["ops"][op]
    card = json.loads(card_path.read_text()) if card_path.exists() else {}
    kept_base = {"base": card["eval"]["base"]} if "base" not in r and "base" in card.get("eval", {}) else {}
    card["eval"] = kept_base | {k: {m: round(r[k][m], 4) for m in keep if m in r[k]} for k in ("base", "adapter")
                                if k in r}  # --skip-base: the card's base numbers stay
    for k in (k for k in ("base", "adapter") if k in r):
        card["eval"][k]["leaks"] = r[k].get("leaks")
    card["eval"].update(n=r["adapter"]["n"], test_file=r["test_file"], split=results["split"],
                        limit=results["limit"], threshold=results["threshold"] if op == "extract" else None,
                        constrained=results["constrained"], date=time.strftime("%Y-%m-%d"))
    stats = Path(r["test_file"]).parent / "stats.json"
    if stats.exists():  # which conversations the scored split holds
        split = json.loads(stats.read_text()).get("split", {})
        card["eval"]["conversations"] = sorted(c for c, role in split.items() if role == results["split"])
    card_path.write_text(json.dumps(card, indent=2))
