"""Whose fact is it: a question about one person, answered from several people's memories, is refused when what it
asks fits someone else's memories better.

LoCoMo's adversarial questions (category 5) are of this kind: "What is Joanna creating for YouTube?" when Nate makes
the videos. Every memory names its owner, and the owner's name lifts all of their memories against a question that
names them, so the comparison is made with the people's names taken out of both sides ("someone"): what is left is
what the question and the memory are about. The question is refused when another person's best memory fits it by more
than `MARGIN` over the named person's best.

Until the twenty-fourth session the fit was the name-free cosine, and its margin was first chosen on LoCoMo's training
conversations (conv-26, conv-30, conv-41), with their annotated per-speaker observations standing in for memories:
at 0.08, 56 % of the 112 adversarial questions and 4 % of the 385 answerable ones would be refused (0.05: 60 % /
8 %; 0.10: 55 % / 3 %). `scripts/speaker_margin.py` prints the sweep.
Twenty-second session: on conv-30's store as the default pipeline ingests it (the memories the check really sees),
the margin with the largest share of adversarial minus answerable questions refused is 0.07 (10 of 24 / 13 of 81;
0.08: 9 / 11); the criterion was fixed before that store was built.

Twenty-fourth session: the fit is now the share of the question's content words (`ops/words.py`, names aside) that a
person's best memory holds, among their `limit` best search hits; the question is refused when another person's
share is larger (by more than `MARGIN`, 0). People who talk to each other share topics, and the cosine refused
"What type of movies does Nate enjoy watching the most?" because Joanna's "Joanna has a favorite fantasy or sci-fi
movie." fit it better than Nate's "Nate loves action and sci-fi movies, …". Measured by answering every question once
with the check off and applying each rule's refusals to those answers (`scripts/speaker_margin.py --run`): conv-30's
store (training) F1 25.1 -> 25.9 and category 5 45.8 % -> 58.3 %; conv-42's (held out) 18.8 -> 19.5 and 50.8 % ->
55.7 %; the training conversations' observations 58 % / 6 % -> 57 % / 3 % (adversarial / answerable refused).

The weighing itself (names, shares) is `ops/whose.py`, which the answer op also applies to the memories it is given
(thirty-third session).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ops.whose import asked_words, named, share
from .rerank import CANDIDATES  # search hits per person whose words are counted: the pool that is reranked

MARGIN = 0.0  # share of the question's words


@dataclass
class Attribution:
    asked_about: str  # the one user the question names
    fits_best: str  # the user whose memories fit it best, name-free
    fit: dict[str, float]  # user -> the largest share of the question's words one of their memories holds

    @property
    def elsewhere(self) -> bool:
        return self.fits_best != self.asked_about


def attribute(memory, question: str, users: list[str], *, limit: int = CANDIDATES,
              margin: float = MARGIN) -> Attribution | None:
    """None unless `question` names exactly one of `users` (two or more). Else, for each user, the largest share of
    the question's content words (names aside) held by one of their `limit` best search hits, names aside;
    `fits_best` is another user only when their share beats the named one's by more than `margin`."""
    if len(users) < 2:
        return None
    who = named(question, users)
    if len(who) != 1:
        return None
    asked = asked_words(question, users)
    fit = {}
    for u in users:
        hits = memory.search(question, user_id=u, limit=limit)["results"] if asked else []
        fit[u] = max((share(asked, h["memory"], users) for h in hits), default=0.0)
    asked_about = who[0]
    best = max(fit, key=fit.get)
    return Attribution(asked_about, best if fit[best] > fit[asked_about] + margin else asked_about, fit)
