"""LoCoMo as the teacher: its GPT observations, QA gold answers, and update cases labelled by construction.

extract: windows of a few turns (and single-turn copies); target = the session observations whose evidence
         turn is in the window.
answer:  QA items (cat 1-4 gold answer, cat 5 -> the refusal constant); memories = the evidence turns' facts
         plus embedder-retrieved distractors from the same conversation, shuffled.
update:  (new fact, stored memories) pairs with ground truth by construction:
         NONE = fact already stored (the new one reworded); ADD = unseen fact; UPDATE = a stored fact with a
         year/month/weekday/number/name swapped for another of the same kind from the corpus;
         DELETE = "X no longer ..." retraction.
         UPDATE is rare, so it is topped up past the per-session quota and (train/valid) given extra swaps.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass

import numpy as np

from ..locomo import session_windows
from . import DistillError, chat_example, session_parts

_DIA = re.compile(r"D(\d+):(\d+)")
MONTHS = "January February March April May June July August September October November December".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
NUM_WORDS = "two three four five six seven eight nine ten twelve twenty".split()
_KINDS = {
    "year": re.compile(r"\b(?:19|20)\d{2}\b"),
    "month": re.compile(r"\b(?:%s)\b" % "|".join(MONTHS)),
    "weekday": re.compile(r"\b(?:%s)\b" % "|".join(WEEKDAYS)),
    "number": re.compile(r"\b(?:\d{1,3}|%s)\b" % "|".join(NUM_WORDS)),
    "name": re.compile(r"(?<=[a-z,] )[A-Z][a-z]{2,}\b"),  # capitalised word not at sentence start
}
_STOP_NAMES = set(MONTHS) | set(WEEKDAYS) | {"The", "She", "He", "They", "His", "Her", "Their", "This", "That"}


@dataclass
class Fact:
    speaker: str
    text: str
    dia_ids: tuple[str, ...]
    session: int
    date: str | None


def dia_ids(value) -> tuple[str, ...]:
    """Evidence ids as written in LoCoMo ("D1:3", "D1:3; D1:5", lists) -> ("D1:3", "D1:5")."""
    if isinstance(value, (list, tuple)):
        return tuple(x for v in value for x in dia_ids(v))
    return tuple(f"D{a}:{b}" for a, b in _DIA.findall(str(value or "")))


def session_of(dia_id: str) -> int | None:
    m = _DIA.match(dia_id or "")
    return int(m.group(1)) if m else None


def conversation_facts(conv) -> list[Fact]:
    facts = []
    for s in conv.sessions:
        for speaker, items in (s.observations or {}).items():
            for item in items:
                fact, ev = item[0], item[1] if len(item) > 1 else None
                if isinstance(fact, str) and fact.strip():
                    facts.append(Fact(speaker, fact.strip(), dia_ids(ev), s.index, s.date_time))
    return facts


# ---- extract ---------------------------------------------------------------------------------------


def extract_examples(conv, sessions, *, window=4, empty_ratio=0.25, single_ratio=0.0, quiet_ratio=0.0,
                     rng: random.Random, vrng: random.Random | None = None,
                     qrng: random.Random | None = None) -> list[dict]:
    """One example per window of `window` turns; with `single_ratio`, windows with facts also get (at that
    rate, drawn from `vrng`) a copy of one of their fact-bearing turns alone with its own facts: the chat
    sends one statement at a time. With `quiet_ratio` (drawn from `qrng`), a window also gives one of its
    quiet turns alone — a question or a short remark the annotators took no fact from — with no facts: in a
    chat most messages are such, and they must leave no memory."""
    from ..ops import extract as op

    vrng = vrng or rng
    by_turn: dict[str, list[Fact]] = {}
    for f in conversation_facts(conv):
        for d in f.dia_ids:
            by_turn.setdefault(d, []).append(f)

    def facts_of(turns):
        ids, facts = {t.dia_id for t in turns}, []
        for t in turns:
            for f in by_turn.get(t.dia_id, []):
                if f.text not in facts and all(d in ids for d in f.dia_ids[:1]):
                    facts.append(f.text)
        return facts

    rows = []

    def add(session, turns, facts, **extra):
        target = json.dumps({"facts": facts}, ensure_ascii=False)
        rows.append(chat_example(op.build_messages(turns, session.date_time), target, op="extract",
                                 conv=conv.sample_id, session=session.index, dia_ids=sorted(t.dia_id for t in turns),
                                 n_facts=len(facts), facts=facts, **extra))

    for s, turns in session_windows(conv, window, sessions):
        facts = facts_of(turns)
        if not facts and rng.random() >= empty_ratio:
            continue
        add(s, turns, facts)
        if facts and vrng.random() < single_ratio:
            turn = vrng.choice([t for t in turns if facts_of([t])])
            add(s, [turn], facts_of([turn]), variant="single_turn")
        quiet = [t for t in turns if not by_turn.get(t.dia_id) and _quiet(t.text)]
        if quiet and qrng is not None and qrng.random() < quiet_ratio:
            add(s, [qrng.choice(quiet)], [], variant="quiet_turn")
    return rows


def _quiet(text: str) -> bool:
    """A question or a short remark (≤ 12 words): a turn without facts that is safely fact-free, unlike a long
    turn the annotators may simply have skipped."""
    return "?" in text or len(text.split()) <= 12


# ---- answer ----------------------------------------------------------------------------------------


def answer_examples(conv, qas, embedder, *, n_memories=6, max_gold=4, variant_ratio=0.0,
                    rng: random.Random, vrng: random.Random | None = None) -> list[dict]:
    """One example per QA item; with `variant_ratio`, items also get (at that rate) a chat-style copy with a
    short list: the evidence facts and at most 2 distractors. (First-person chat questions need no copies:
    the runtime puts them in the third person, LoCoMo's form.) Copies draw from `vrng`, so the plain
    examples are the same whatever the ratio."""
    from ..ops import answer as op

    vrng = vrng or rng
    facts = conversation_facts(conv)
    if not facts:
        return []
    fvec = embedder.embed([f.text for f in facts])
    by_turn: dict[str, list[int]] = {}
    for i, f in enumerate(facts):
        for d in f.dia_ids:
            by_turn.setdefault(d, []).append(i)
    turn_text = {t.dia_id: (t.speaker, t.text, s.date_time) for s in conv.sessions for t in s.turns}
    qvecs = embedder.embed([q.question for q in qas]) if qas else np.zeros((0, fvec.shape[1]))
    rows = []
    for q, qv in zip(qas, qvecs):
        gold_idx = list(dict.fromkeys(i for d in q.evidence for i in by_turn.get(d, [])))[:max_gold]
        mems = [_mem(facts[i]) for i in gold_idx]
        if not gold_idx:  # evidence turn without an observation: the turn itself is the memory
            for d in q.evidence[:max_gold]:
                if d in turn_text:
                    sp, tx, dt = turn_text[d]
                    mems.append({"text": f"{sp} said: {tx}", "date": dt, "speaker": sp})
        gold = list(mems)
        order = np.argsort(-(fvec @ qv))
        for i in order:
            if len(mems) >= n_memories:
                break
            if int(i) not in gold_idx:
                mems.append(_mem(facts[int(i)]))
        distractors = mems[len(gold):]
        rng.shuffle(mems)
        if q.category == 5:
            target = op.UNKNOWN_ANSWER
        elif q.answer is None or not str(q.answer).strip():
            continue
        else:
            target = str(q.answer).strip()
        meta = dict(op="answer", conv=conv.sample_id, category=q.category, evidence=list(q.evidence), answer=target)
        rows.append(chat_example(op.build_messages(q.question, mems), target, **meta))
        if not gold or variant_ratio <= 0 or vrng.random() >= variant_ratio:
            continue
        # Refusals get copies too, at the same rate, so a short list never predicts "I don't know".
        shown = gold + distractors[: vrng.randint(0, 2)]
        vrng.shuffle(shown)
        rows.append(chat_example(op.build_messages(q.question, shown), target, variant="short", **meta))
    return rows


def _mem(f: Fact) -> dict:
    return {"text": f.text, "date": f.date, "speaker": f.speaker}


# ---- update ----------------------------------------------------------------------------------------


def entity_pools(convs) -> dict[str, list[str]]:
    pools: dict[str, set] = {k: set() for k in _KINDS}
    for c in convs:
        speakers = {c.speaker_a, c.speaker_b}
        for f in conversation_facts(c):
            for kind, rx in _KINDS.items():
                for m in rx.findall(f.text):
                    if kind != "name" or (m not in _STOP_NAMES and m not in speakers):
                        pools[kind].add(m)
    return {k: sorted(v) for k, v in pools.items()}


def replace_entity(text: str, pools: dict, speakers: set, rng: random.Random) -> str | None:
    """Swap one year/month/weekday/number/name for another of the same kind; None if nothing to swap."""
    options = []
    for kind, rx in _KINDS.items():
        for m in rx.finditer(text):
            if kind == "name" and (m.group() in _STOP_NAMES or m.group() in speakers):
                continue
            if len(pools.get(kind, [])) > 1:
                options.append((kind, m))
    if not options:
        return None
    kind, m = rng.choice(options)
    same = _number_value(m.group()) if kind == "number" else m.group()  # "3" vs "three" is no change
    pick = [v for v in pools[kind] if v != m.group() and (kind != "number" or _number_value(v) != same)]
    if not pick:
        return None
    return text[: m.start()] + rng.choice(pick) + text[m.end() :]


_NUM_VALUES = dict(zip(NUM_WORDS, (2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 20)))


def _number_value(s: str) -> int | None:
    return int(s) if s.isdigit() else _NUM_VALUES.get(s.lower())


def retraction(fact: str, speaker: str) -> str | None:
    """"Caroline loves painting." -> "Caroline no longer loves painting." (None unless the fact opens with the speaker)."""
    if not fact.startswith(speaker + " "):
        return None
    words = fact[len(speaker) + 1 :].split(" ", 1)
    if len(words) < 2:
        return None
    verb, rest = words
    if verb in ("is", "are", "was", "were"):
        out = f"{speaker} {'is' if verb in ('is', 'was') else 'are'} no longer {rest}"
    elif verb.endswith("s") and verb.isalpha():
        out = f"{speaker} no longer {verb} {rest}"
    else:
        return None
    return out if out.endswith(".") else out + "."


def decision_json(event: str, index: int | None = None, text: str | None = None) -> str:
    """Target in ops/update.py's schema order (all three keys, as constrained decoding emits them)."""
    return json.dumps({"event": event, "id": index, "text": text}, ensure_ascii=False)


_FILLERS = re.compile(r"\b(?:recently|also|really|currently|very|just|actually|now) ", re.I)
_SYNONYMS = {"loves": "adores", "likes": "enjoys", "enjoys": "likes", "wants": "would like", "plans": "intends",
             "bought": "purchased", "got": "received", "went to": "visited", "visited": "went to",
             "kids": "children", "children": "kids", "mom": "mother",
             "dad": "father", "big": "large", "happy": "glad", "glad": "happy", "friends": "pals",
             "favorite": "favourite", "passionate about": "keen on", "working on": "busy with",
             "attended": "went to", "received": "got", "excited": "thrilled", "thinks": "believes"}
_SYNONYM_RX = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _SYNONYMS), key=len, reverse=True)) + r")\b")
_CLAUSE = re.compile(r",| (?:that|which|because|since|and|while|after|to|for|with) ")


def restate(text: str, rng: random.Random) -> str:
    """The same fact in other words, with no fixed marker (a constant prefix became the adapter's cue for
    NONE): a filler dropped, a word swapped for a synonym, the main clause alone (it adds nothing new), or
    the text as it is when none applies (runtime also catches exact duplicates without the model)."""
    options = []
    cuts = [m.start() for m in _CLAUSE.finditer(text) if len(text[: m.start()].split()) >= 4]
    if cuts:
        options.append(text[: rng.choice(cuts)].rstrip(" ,;:") + ".")
    if _FILLERS.search(text):
        options.append(_FILLERS.sub("", text, count=1))
    hits = list(_SYNONYM_RX.finditer(text))
    if hits:
        m = rng.choice(hits)
        options.append(text[: m.start()] + _SYNONYMS[m.group()] + text[m.end() :])
    return rng.choice(options) if options else text


def update_examples(conv, sessions, embedder, pools, *, per_session=8, n_memories=(2, 5), extra_updates=0,
                    rng: random.Random, vrng: random.Random | None = None) -> list[dict]:
    """Cases labelled by construction (module docstring). `extra_updates` more UPDATE cases per UPDATE fact
    (other swaps, other neighbours; drawn from `vrng`, so the other cases stay the same) offset its rarity."""
    from ..ops import update as op

    vrng = vrng or rng
    facts = conversation_facts(conv)
    if len(facts) < 3:
        return []
    vec = embedder.embed([f.text for f in facts])
    sims = vec @ vec.T
    speakers = {conv.speaker_a, conv.speaker_b}
    rows, counts = [], {e: 0 for e in ("NONE", "ADD", "UPDATE", "DELETE")}
    for s in sorted(sessions):
        cand = [i for i, f in enumerate(facts) if f.session == s]
        rng.shuffle(cand)
        for n, i in enumerate(cand):
            f = facts[i]
            new = {"UPDATE": replace_entity(f.text, pools, speakers, rng), "DELETE": retraction(f.text, f.speaker)}
            if n >= per_session:  # past the session's quota: only top UPDATE (the rare case) up to the others
                if new["UPDATE"] is None or counts["UPDATE"] >= min(counts["ADD"], counts["NONE"]):
                    continue
            kmem = rng.randint(*n_memories)
            near = [int(j) for j in np.argsort(-sims[i]) if int(j) != i and sims[i, j] < 0.85][: kmem]
            feasible = [e for e in counts if e in ("NONE", "ADD") or new[e] is not None]
            # UPDATE is the rarest feasible case: take it whenever possible, else keep the classes balanced.
            event = "UPDATE" if "UPDATE" in feasible else min(feasible, key=lambda e: (counts[e], rng.random()))
            counts[event] += 1
            new = new.get(event)
            mems = [facts[j].text for j in near[: kmem - 1]]
            if event == "ADD":
                mems = [facts[j].text for j in near[:kmem]]
                fact, target = f.text, decision_json("ADD")  # runtime stores the fact itself (ops/update.py example)
            else:
                pos = rng.randint(0, len(mems))
                mems.insert(pos, f.text)
                if event == "NONE":
                    fact, target = restate(f.text, rng), decision_json("NONE", pos)
                elif event == "UPDATE":
                    fact, target = new, decision_json("UPDATE", pos, new)
                else:
                    fact, target = new, decision_json("DELETE", pos)
            rows.append(chat_example(op.build_messages(fact, mems), target, op="update", conv=conv.sample_id,
                                     session=s, event=event, fact=fact, memories=mems, gold=target))
            seen = {new}
            for _ in range(extra_updates if event == "UPDATE" else 0):
                alt = replace_entity(f.text, pools, speakers, vrng)
                if alt is None or alt in seen:
                    continue
                seen.add(alt)
                mems = [facts[j].text for j in near[: vrng.randint(1, max(1, len(near) - 1))]]
                pos = vrng.randint(0, len(mems))
                mems.insert(pos, f.text)
                target = decision_json("UPDATE", pos, alt)
                rows.append(chat_example(op.build_messages(alt, mems), target, op="update", conv=conv.sample_id,
                                         session=s, event="UPDATE", fact=alt, memories=mems, gold=target,
                                         variant="extra_update"))
    return rows


# ---- assembly --------------------------------------------------------------------------------------


def build(op: str, convs, split_map: dict[str, str], *, valid_sessions=2, window=4, empty_ratio=0.25,
          single_ratio=0.5, quiet_ratio=0.0, variant_ratio=0.0, refusal_ratio=1.0, extra_updates=2, seed=0,
          chat_examples=0, chat_quiet=0.4, chat_compound=0.0, followups=0, chat_short=0,
          chat_short_quiet=0.25, chat_we=0, chat_partner=0, chat_family=0, embedder=None) -> dict[str, list[dict]]:
    """Examples per split. Conversations go to the split named in `split_map` (default train); when no
    conversation is a validation one, the last `valid_sessions` sessions of each training conversation are.
    Single-turn extract copies (`single_ratio`), chat-style answer copies (`variant_ratio`) and extra UPDATE
    cases (`extra_updates`) go to train/valid only, and so does keeping only `refusal_ratio` of the answer
    refusals (category 5, drawn from a third stream): the test split is the plain cases. `chat_examples`
    synthetic chat messages (`chat_source`, `chat_quiet` of them fact-free, `chat_compound` of the rest with several
    facts) join extract's train (and a tenth as
    many its valid) at random places, from a fifth stream; `chat_short` short statements (health, diet, likes)
    from a sixth, `chat_we` news said with "we" from a seventh, `chat_partner` a named partner and news with "we"
    from an eighth, `chat_family` a relative's news or a trip to see family from a ninth."""
    rng, vrng, krng = random.Random(seed), random.Random(seed + 1), random.Random(seed + 2)
    qrng = random.Random(seed + 3)  # quiet-turn extract copies: their own stream, the other cases stay the same
    unknown = set(split_map) - {c.sample_id for c in convs}
    if unknown:
        raise DistillError(f"--split names conversations not in the inputs: {', '.join(sorted(unknown))}")
    pools = entity_pools(convs) if op == "update" else None
    out: dict[str, list[dict]] = {"train": [], "valid": [], "test": []}
    for c in convs:
        for split, sess in session_parts(c, split_map, valid_sessions).items():
            if op == "extract":
                rows = extract_examples(c, sess, window=window, empty_ratio=empty_ratio, rng=rng, vrng=vrng,
                                        qrng=qrng, single_ratio=single_ratio if split != "test" else 0.0,
                                        quiet_ratio=quiet_ratio if split != "test" else 0.0)
            elif op == "answer":
                qas = [q for q in c.qa if q.evidence and session_of(q.evidence[0]) in sess]
                rows = answer_examples(c, qas, embedder, rng=rng, vrng=vrng,
                                       variant_ratio=variant_ratio if split != "test" else 0.0)
            elif op == "update":
                rows = update_examples(c, sess, embedder, pools, rng=rng, vrng=vrng,
                                       extra_updates=extra_updates if split != "test" else 0)
            else:
                raise DistillError(f"unknown op {op!r}")
            out[split].extend(rows)
    for name, rows in out.items():  # copies are shuffled in with their own stream (see answer_examples)
        copies = [r for r in rows if "variant" in r["meta"]]
        rows[:] = [r for r in rows if "variant" not in r["meta"]]
        rng.shuffle(rows)
        for r in copies:
            rows.insert(vrng.randint(0, len(rows)), r)
        if op == "answer" and name != "test" and refusal_ratio < 1.0:  # after shuffling: test stays the same
            rows[:] = [r for r in rows if r["meta"]["category"] != 5 or krng.random() < refusal_ratio]
    if op == "extract":
        from .chat_source import add_chat_examples

        add_chat_examples(out, chat_examples, chat_quiet, followups, seed, compound_share=chat_compound,
                          n_short=chat_short, short_quiet=chat_short_quiet, n_we=chat_we,
                          n_partner=chat_partner, n_family=chat_family)
    return out
