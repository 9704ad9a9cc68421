"""Rerank search hits by what they say, not whose they are.

Every memory starts with its owner's name ("Nate won his first video game tournament …"), so a question that names
two people ("What did Nate give Joanna?") is pulled toward every memory that names them both ("Nate supports Joanna
and cheers her on."), whatever it is about. A hit's focus score is the mean of its cosine to the question and its
cosine with the people's names taken out of both sides (`attribution.without_names`), plus `KEYWORD_WEIGHT` times
the share of the question's content words that the memory holds ("first", "tournament"; the chat's
`ops/reply_checks.content_words`, plurals and -ing/-ed endings cut).

Chosen on LoCoMo's training conversations (conv-26, conv-30, conv-41) with their annotated observations standing in
for memories, by how often an evidence fact of an answerable question is among the ten shown
(`scripts/locomo_retrieval.py`, five per speaker): cosine 0.637, focus score 0.655, focus score with ten of the
speaker the question names (`memory/attribution.py: named`) 0.697; held out on conv-42: 0.578, 0.638, 0.709.
"""

from __future__ import annotations

import numpy as np

from ..ops.reply_checks import content_words
from .attribution import PLACEHOLDER, named, without_names

KEYWORD_WEIGHT = 0.15
CANDIDATES = 50  # cosine hits per user that are reranked (a pool of 20 gave 0.684 above)


def _words(text: str) -> set[str]:
    """Content words without the placeholder that stands for a name ("someone")."""
    return content_words(text) - {PLACEHOLDER}


def focus_scores(embedder, question: str, texts: list[str], cosines, names: list[str],
                 keyword_weight: float = KEYWORD_WEIGHT) -> np.ndarray:
    """The focus score of each text for `question` (module docstring); `cosines`: each text's plain cosine to the
    question, as the search already computed it (only the name-free sides are embedded here)."""
    if not texts:
        return np.zeros(0, dtype=np.float32)
    free = [without_names(t, names) for t in texts]
    q_free = without_names(question, names)
    vecs = embedder.embed([q_free, *free])
    asked = _words(q_free)
    overlap = np.array([len(asked & _words(t)) / len(asked) if asked else 0.0 for t in free])
    return ((np.asarray(cosines) + vecs[1:] @ vecs[0]) / 2 + keyword_weight * overlap).astype(np.float32)


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
                          keyword_weight)
    out = [{**h, "focus": float(s)} for h, s in zip(hits, scores)]
    return sorted(out, key=lambda h: -h["focus"])


__all__ = ["KEYWORD_WEIGHT", "CANDIDATES", "focus_scores", "memory_view", "rerank", "retrieve"]
