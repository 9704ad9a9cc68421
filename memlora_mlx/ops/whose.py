"""Whose is it: a question that names one person, weighed against each person's memories with every name taken out
("someone"), so that what is left is what the question and a memory are about. `memory/attribution.py` weighs the
store's search hits this way before retrieval; `elsewhere` weighs the memories an answer is given."""

from __future__ import annotations

import re

from .words import content_words

PLACEHOLDER = "someone"


def named(question: str, users: list[str]) -> list[str]:
    """The users whose name (user id) the question holds as a word, case-insensitive."""
    return [u for u in users if re.search(rf"\b{re.escape(u)}\b", question, flags=re.I)]


def without_names(text: str, names: list[str]) -> str:
    """`text` with each name (and its possessive) replaced by PLACEHOLDER."""
    for n in sorted(names, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(n)}(?:'s)?\b", PLACEHOLDER, text, flags=re.I)
    return text


def asked_words(question: str, names: list[str]) -> set[str]:
    """The question's content words, names aside."""
    return content_words(without_names(question, names)) - {PLACEHOLDER}


def share(asked: set[str], text: str, names: list[str]) -> float:
    """The share of `asked` that `text` holds, names aside."""
    return len(asked & content_words(without_names(text, names))) / len(asked) if asked else 0.0


def _weighed(question: str, text: str, memories: list[tuple[str, str]]) -> tuple[str, dict[str, float]] | None:
    """The one person `question` names of the (person, text) `memories` (two people or more), and each person's best
    share of `text`'s words (names aside); None when the question names not exactly one of them or `text` has none."""
    people = sorted({p for p, _ in memories})
    who = named(question, people)
    words = asked_words(text, people)
    if len(people) < 2 or len(who) != 1 or not words:
        return None
    return who[0], {p: max(share(words, t, people) for q, t in memories if q == p) for p in people}


def elsewhere(question: str, memories: list[tuple[str, str]], margin: float = 0.0) -> str | None:
    """The person whose memory fits `question` best, when the question names one other person of the (person, text)
    `memories` (two people or more) and that memory holds a larger share of its words (by more than `margin`) than
    any of the named person's; else None."""
    if not (weighed := _weighed(question, question, memories)):
        return None
    who, fit = weighed
    best = max(fit, key=fit.get)
    return best if best != who and fit[best] > fit[who] + margin else None


def answered_elsewhere(question: str, answer: str, memories: list[tuple[str, str]], margin: float = 0.5) -> str | None:
    """The person whose memory holds the answer's words, when the question names one other person of the (person,
    text) `memories` (two people or more) and that memory holds at least `margin` more of the answer's content words,
    names aside, than any of the named person's; else None. An answer taken from the other speaker's memory: "a cute
    little bookmark" for "What did Nate make …?" where only Joanna's memory says it."""
    if not (weighed := _weighed(question, answer, memories)):
        return None
    who, held = weighed
    best = max((p for p in held if p != who), key=held.get)
    return best if held[best] >= held[who] + margin else None
