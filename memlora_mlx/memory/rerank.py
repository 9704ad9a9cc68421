"""Rerank search hits by what they say, not whose they are.

Every memory starts with its owner's name ("Nate won his first video game tournament …"), so a question that names
two people ("What did Nate give Joanna?") is pulled toward every memory that names them both ("Nate supports Joanna
and cheers her on."), whatever it is about. A hit's focus score is the mean of its cosine to the question and its
cosine with the people's names taken out of both sides (`ops/whose.without_names`), plus `KEYWORD_WEIGHT` times
the share of the question's content words that the memory holds ("first", "tournament"; the chat's
`ops/words.py: content_words`, plurals and -ing/-ed endings cut).

Chosen on LoCoMo's training conversations (conv-26, conv-30, conv-41) with their annotated observations standing in
for memories, by how often an evidence fact of an answerable question is among the ten shown
(`scripts/locomo_retrieval.py`, five per speaker): cosine 0.637, focus score 0.655, focus score with ten of the
speaker the question names (`ops/whose.py: named`) 0.697; held out on conv-42: 0.578, 0.638, 0.709.

A question that names a date ("What did Nate make on 9 November, 2022?", "... in June 2022?") adds `DATE_WEIGHT` to
the memories whose session date falls in the period it names (`ops/dates.py: asked_period`: the day from the day
before to a week after, the month with a week either side). Chosen the same way (weights 0.05 .. 0.3; 0.15 best):
0.697 -> 0.708 on the training conversations (their 32 dated questions 0.688 -> 0.812), held out on conv-42
0.709 -> 0.734 (32 dated questions 0.594 -> 0.750).
"""

from __future__ import annotations

import numpy as np

from ..ops.dates import asked_period, session_day
from ..ops.whose import PLACEHOLDER, named, without_names
from ..ops.words import content_words

KEYWORD_WEIGHT = 0.15
DATE_WEIGHT = 0.15
CANDIDATES = 50  # cosine hits per user that are reranked (a pool of 20 gave 0.684 above)


def _words(text: str) -> set[str]:
    """Content words without the placeholder that stands for a name ("someone")."""
    return content_words(text) - {PLACEHOLDER}


def focus_scores(embedder, question: str, texts: list[str], cosines, names: list[str],
                 keyword_weight: float = KEYWORD_WEIGHT, dates: list | None = None,
                 date_weight: float = DATE_WEIGHT) -> np.ndarray:
    """The focus score of each text for `question` (module docstring); `cosines`: each text's plain cosine to the
    question, as the search already computed it (only the name-free sides are embedded here); `dates`: each text's
    session date, for the bonus of those within the period the question names."""
    if not texts:
        return np.zeros(0, dtype=np.float32)
    free = [without_names(t, names) for t in texts]
    q_free = without_names(question, names)
    vecs = embedder.embed([q_free, *free])
    asked = _words(q_free)
    overlap = np.array([len(asked & _words(t)) / len(asked) if asked else 0.0 for t in free])
    score = (np.asarray(cosines) + vecs[1:] @ vecs[0]) / 2 + keyword_weight * overlap
    return (score + date_weight * in_period(question, dates or [None] * len(texts))).astype(np.float32)


def in_period(question: str, dates: list) -> np.ndarray:
    """1.0 for each session date within the period `question` names (`ops.dates.asked_period`), else 0.0."""
    period = asked_period(question)
    days = [session_day(d) if period else None for d in dates]
    return np.array([1.0 if d is not None and period[0] <= d <= period[1] else 0.0 for d in days])


def memory_view(r: dict, speaker: str) -> dict:
    """A search hit as the answer op wants it: text, session date, speaker (plus id and score)."""
    src = r.get("source") if isinstance(r.get("source"), dict) else {}
    meta = r.get("metadata") if isinstance(r.get("metadata"), dict) else {}
    date = next((d.get(k) for d in (r, src, meta) for k in ("date", "session_date") if d.get(k)), None)
    return {"id": r.get("id"), "text": r.get("memory") or r.get("text") or "", "date": date, "speaker": speaker,
            "score": r.get("focus", r.get("score"))}


def retrieve(mem, question: str, users: list[str], k: int, retrieval: str = "focus") -> list[dict]:
    """The memories shown for a question about two people (`eval locomo`, answer distillation from a store), best
    first. "cosine": `k` per user by cosine (Mem0's protocol); "focus": the `CANDIDATES` best of each user
    reranked, `2k` of the one user the question names (else `k` each)."""
    if retrieval == "cosine":
        found = [memory_view(r, u) for u in users for r in mem.search(question, user_id=u, limit=k)["results"]]
        return sorted(found, key=lambda m: -(m.get("score") or 0.0))
    who = named(question, users)
    found = []
    for u in users:
        n = k if len(who) != 1 else 2 * k if u == who[0] else 0
        if n:
            hits = mem.search(question, user_id=u, limit=max(n, CANDIDATES))["results"]
            found += [memory_view(r, u) for r in rerank(mem.embedder, question, hits, users)[:n]]
    return sorted(found, key=lambda m: -m["score"])


def rerank(embedder, question: str, hits: list[dict], names: list[str],
           keyword_weight: float = KEYWORD_WEIGHT) -> list[dict]:
    """Search result dicts (with "memory" and "score", the cosine) best first by focus score, each with "focus"
    set; "score" is kept."""
    scores = focus_scores(embedder, question, [h["memory"] for h in hits], [h["score"] for h in hits], names,
                          keyword_weight, dates=[memory_view(h, "")["date"] for h in hits])
    out = [{**h, "focus": float(s)} for h, s in zip(hits, scores)]
    return sorted(out, key=lambda h: -h["focus"])


__all__ = ["KEYWORD_WEIGHT", "CANDIDATES", "focus_scores", "memory_view", "rerank", "retrieve"]
