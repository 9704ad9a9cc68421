"""Whose fact is it: a question about one person, answered from several people's memories, is refused when what it
asks fits someone else's memories better.

LoCoMo's adversarial questions (category 5) are of this kind: "What is Joanna creating for YouTube?" when Nate makes
the videos. Every memory names its owner, and the owner's name lifts all of their memories against a question that
names them, so the comparison is made with the people's names taken out of both sides ("someone"): what is left is
what the question and the memory are about. The question is refused when another person's best memory fits it by more
than `MARGIN` over the named person's best.

`MARGIN` was first chosen on LoCoMo's training conversations (conv-26, conv-30, conv-41), with their annotated
per-speaker observations standing in for memories: at 0.08, 56 % of the 112 adversarial questions and 4 % of the 385
answerable ones would be refused (0.05: 60 % / 8 %; 0.10: 55 % / 3 %). `scripts/speaker_margin.py` prints the sweep.
Twenty-second session: on conv-30's store as the default pipeline ingests it (the memories the check really sees),
the margin with the largest share of adversarial minus answerable questions refused is 0.07 (10 of 24 / 13 of 81;
0.08: 9 / 11); the criterion was fixed before that store was built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

MARGIN = 0.07
PLACEHOLDER = "someone"


def named(question: str, users: list[str]) -> list[str]:
    """The users whose name (user id) the question holds as a word, case-insensitive."""
    return [u for u in users if re.search(rf"\b{re.escape(u)}\b", question, flags=re.I)]


def without_names(text: str, names: list[str]) -> str:
    """`text` with each name (and its possessive) replaced by PLACEHOLDER."""
    for n in sorted(names, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(n)}(?:'s)?\b", PLACEHOLDER, text, flags=re.I)
    return text


@dataclass
class Attribution:
    asked_about: str  # the one user the question names
    fits_best: str  # the user whose memories fit it best, name-free
    fit: dict[str, float]  # user -> best name-free cosine of their memories

    @property
    def elsewhere(self) -> bool:
        return self.fits_best != self.asked_about


def attribute(memory, question: str, users: list[str], *, limit: int = 10,
              margin: float = MARGIN) -> Attribution | None:
    """None unless `question` names exactly one of `users` (two or more). Else each user's top-`limit` memories for
    the name-free question, scored name-free; `fits_best` is another user only when their fit beats the named one's
    by more than `margin`."""
    if len(users) < 2:
        return None
    who = named(question, users)
    if len(who) != 1:
        return None
    q = without_names(question, users)
    fit = {}
    for u in users:
        hits = memory.search(q, user_id=u, limit=limit)["results"]
        if not hits:
            fit[u] = 0.0
            continue
        vecs = memory.embedder.embed([q, *(without_names(h["memory"], users) for h in hits)])
        fit[u] = float(np.max(vecs[1:] @ vecs[0]))
    asked = who[0]
    best = max(fit, key=fit.get)
    return Attribution(asked, best if fit[best] > fit[asked] + margin else asked, fit)
