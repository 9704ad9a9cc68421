"""Distillation datasets: per-operation chat JSONL (`{"messages": [...], "meta": {...}}`) for mlx-lm LoRA.

Sources: `locomo_source` (LoCoMo's own GPT annotations as the teacher) and `teacher` (any OpenAI-compatible
endpoint labelling the user's conversations). Both build prompts with the runtime `ops.*.build_messages`,
so training and inference see identical text. Splits are by conversation (or by held-out sessions), never by turn.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

OPS = ("extract", "update", "answer")
SPLITS = ("train", "valid", "test")


class DistillError(ValueError):
    pass


def parse_split_spec(specs: list[str] | None) -> dict[str, str]:
    """["conv-26,conv-30:train", "conv-42:test"] -> {"conv-26": "train", "conv-30": "train", "conv-42": "test"}."""
    out: dict[str, str] = {}
    for spec in specs or []:
        ids, sep, role = spec.rpartition(":")
        if not sep or role not in SPLITS or not ids:
            raise DistillError(f"--split {spec!r}: expected IDS:ROLE with ROLE in {'/'.join(SPLITS)}, e.g. conv-26,conv-30:train")
        for cid in ids.split(","):
            if cid.strip():
                out[cid.strip()] = role
    return out


def session_parts(conv, split_map: dict[str, str], valid_sessions: int = 2) -> dict[str, set[int]]:
    """{split: session indices} of one conversation: the split `split_map` names for it (default train); when no
    conversation is a validation one, a training conversation's last `valid_sessions` sessions are."""
    role = split_map.get(conv.sample_id, "train")
    idx = sorted(s.index for s in conv.sessions if s.turns)
    if role == "train" and "valid" not in split_map.values() and 0 < valid_sessions < len(idx):
        return {"train": set(idx[:-valid_sessions]), "valid": set(idx[-valid_sessions:])}
    return {role: set(idx)}


def chat_example(messages: list[dict], target: str, **meta) -> dict:
    """One mlx-lm chat record: the runtime prompt + the teacher's answer as the final assistant turn."""
    return {"messages": [*messages, {"role": "assistant", "content": target}], "meta": meta}


def write_splits(out_dir: str | Path, splits: dict[str, list[dict]]) -> dict[str, int]:
    """Write train/valid/test.jsonl (only non-empty ones) and return counts."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, rows in splits.items():
        if not rows:
            continue
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        counts[name] = len(rows)
    return counts


def read_jsonl(path: str | Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise DistillError(f"{path}:{i}: not JSON ({e.msg})") from None
    return rows


def label_counts(rows: list[dict]) -> dict:
    """Per-split label statistics for the docs/card (facts, events, categories)."""
    c: Counter = Counter()
    for r in rows:
        m = r.get("meta", {})
        c["examples"] += 1
        if "n_facts" in m:
            c["facts"] += m["n_facts"]
            c["empty_windows" if m["n_facts"] == 0 else "fact_windows"] += 1
        if "event" in m:
            c[f"event_{m['event']}"] += 1
        if "category" in m:
            c[f"category_{m['category']}"] += 1
        if "variant" in m:
            c[f"variant_{m['variant']}"] += 1
    return dict(sorted(c.items()))
