"""Whose fact: a fact of a two-speaker window given to the speaker who said it.

On LoCoMo's windows the 0.5B extract adapter often names the wrong speaker ("Nate has been reading a lot in the past
week." where Joanna said it): the fact then answers no question about either, since questions are about one speaker
and recall keeps that speaker's memories."""

from __future__ import annotations

import re

from .words import content_words

CLAUSE = re.compile(r"[,;.!?]+|\s+(?:and|but|so|because)\s+", re.I)  # clauses of a turn (extract.py too)
MARGIN = 3  # content words of the fact the other speaker said more than the one it names
_TO_OTHER = re.compile(r"\b(?:you|your|yours|you're|you've)\b", re.I)


def own_words(said: str) -> set[str]:
    """Content words of what a speaker said of themselves or the world: clauses spoken to the other ("your screenplay
    sounds great") are about the other."""
    return set().union(*(content_words(c) for c in CLAUSE.split(said) if c.strip() and not _TO_OTHER.search(c)))


def given_to_sayer(facts: list[str], said: dict[str, str]) -> list[str]:
    """`facts` with a fact that starts with one speaker's name ("Nate …", not "Nate's …"), names neither speaker
    after it, and shares `MARGIN` or more content words more with the other speaker's own words (`own_words`) than
    with that speaker's, started with the other's name instead. Only for windows of exactly two speakers."""
    if len(said) != 2:
        return facts
    (a, a_said), (b, b_said) = said.items()
    names = content_words(a) | content_words(b)
    own = {a: own_words(a_said), b: own_words(b_said)}
    out = []
    for f in facts:
        for who, other in ((a, b), (b, a)):
            m = re.match(rf"{re.escape(who)}\b(?!['\u2019])", f, re.I)
            if not m:
                continue
            rest = f[m.end():]
            words = content_words(rest)
            if not words & names and len(words & own[other]) >= len(words & own[who]) + MARGIN:
                f = other + rest
            break
        out.append(f)
    return out
