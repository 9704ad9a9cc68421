"""Answer examples from ingested stores: the memories `eval locomo` really shows, LoCoMo's short gold answers.

`locomo_source.answer_examples` shows the annotators' observations, the evidence always among them. At run time the
memories are what the extractor stored (raw lines, wrong speakers, the evidence often missing), ten of them. Here each
question of a conversation is put to its store (`memlora eval locomo --out DIR` leaves one per conversation in
DIR/stores/<sample_id>) exactly as the eval does (speaker check, `rerank.retrieve`), and labelled:

- category 5 (adversarial) -> the refusal; a question the speaker check refuses never reaches the model: skipped;
- the memories shown hold at least `ANSWERABLE` of the gold answer's words (dates from each memory's head count)
  -> the gold answer, in LoCoMo's short form;
- they hold none of them -> the refusal (the answer is not there to give);
- in between -> skipped (partly there: neither label is right).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..memory.attribution import MARGIN, attribute
from ..memory.rerank import retrieve
from ..ops import answer as op
from ..ops.words import content_words
from . import DistillError, chat_example, session_parts
from .locomo_source import session_of

ANSWERABLE = 0.5  # share of the gold answer's words the memories shown must hold


def answer_words(text: str) -> set[str]:
    """Content words (endings cut) and numbers: what a gold answer must find in the memories."""
    text = str(text)
    return content_words(text) | set(re.findall(r"\d+", text))


def coverage(gold: str, memories: list[dict]) -> float:
    """Share of `gold`'s answer words in the memories as the prompt shows them (date, speaker, text)."""
    want = answer_words(gold)
    if not want:
        return 0.0
    shown = answer_words("\n".join(op.format_memory(m) for m in memories))
    return len(want & shown) / len(want)


def label(category: int, gold, memories: list[dict]) -> tuple[str, str] | None:
    """(target, kind) for one question, or None when skipped (module docstring)."""
    if category == 5:
        return op.UNKNOWN_ANSWER, "adversarial"
    if gold is None or not str(gold).strip():
        return None
    c = coverage(str(gold), memories)
    if c >= ANSWERABLE:
        return str(gold).strip(), "answer"
    if c == 0.0:
        return op.UNKNOWN_ANSWER, "missing"
    return None


def store_examples(conv, qas, mem, *, top_k: int = 5, retrieval: str = "focus",
                   speaker_margin: float | None = MARGIN) -> tuple[list[dict], dict[str, int]]:
    """Examples for `qas` from `mem` (a Memory on the conversation's store) and a count per kind, skipped ones too."""
    users = list(conv.speakers)
    rows, kinds = [], {"answer": 0, "missing": 0, "adversarial": 0, "partial": 0, "speaker_check": 0, "empty": 0}
    for q in qas:
        if speaker_margin is not None:
            att = attribute(mem, q.question, users, margin=speaker_margin)
            if att is not None and att.elsewhere:
                kinds["speaker_check"] += 1
                continue
        memories = retrieve(mem, q.question, users, top_k, retrieval)
        if not memories:
            kinds["empty"] += 1
            continue
        got = label(q.category, q.answer, memories)
        if got is None:
            kinds["partial"] += 1
            continue
        target, kind = got
        kinds[kind] += 1
        shown = [{k: m[k] for k in ("text", "date", "speaker")} for m in memories]
        rows.append(chat_example(op.build_messages(q.question, shown), target, op="answer", conv=conv.sample_id,
                                 category=q.category, evidence=list(q.evidence), answer=target, kind=kind))
    return rows, kinds


def build_from_stores(convs, split_map: dict[str, str], stores: Path, embedder, *, valid_sessions: int = 2,
                      refusal_ratio: float = 1.0, seed: int = 0, **kw) -> tuple[dict[str, list[dict]], dict]:
    """Train/valid/test examples (split as `locomo_source.build` splits them: by conversation, else the last
    `valid_sessions` sessions of each training one hold the validation questions) and the kinds per split.
    `refusal_ratio`: share of refusals kept in train/valid."""
    import random

    from ..memory.memory import Memory

    rng = random.Random(seed)
    missing = [c.sample_id for c in convs if not (Path(stores) / c.sample_id).is_dir()]
    if missing:
        raise DistillError(f"--answer-stores {stores}: no store for {', '.join(missing)} (ingest them first: "
                           f"memlora eval locomo FILES --out DIR --max-questions 0, then --answer-stores DIR/stores)")
    out: dict[str, list[dict]] = {"train": [], "valid": [], "test": []}
    kinds: dict[str, dict[str, int]] = {}
    for c in convs:
        with Memory(store=Path(stores) / c.sample_id, embedder=embedder, read_only=True) as mem:
            for split, sess in session_parts(c, split_map, valid_sessions).items():
                qas = [q for q in c.qa if q.evidence and session_of(q.evidence[0]) in sess]
                rows, k = store_examples(c, qas, mem, **kw)
                out[split].extend(rows)
                kinds[split] = {n: kinds.get(split, {}).get(n, 0) + v for n, v in k.items()}
    for name, rows in out.items():
        rng.shuffle(rows)
        if name != "test" and refusal_ratio < 1.0:
            rows[:] = [r for r in rows if r["meta"]["answer"] != op.UNKNOWN_ANSWER or rng.random() < refusal_ratio]
    return out, kinds


__all__ = ["ANSWERABLE", "answer_words", "coverage", "label", "store_examples", "build_from_stores"]
