"""Facts of one chat message set right against the message itself: the `extract-chat` route only (`extract._facts_of`;
LoCoMo's windows never come here). The forty-third session's sofia drive stored "sofia is running for a while." from
"… so no running for a while." (the "no" lost) and "sofia just started school." from "Our son Tiago is five and just
started school." (the son's news)."""

from __future__ import annotations

import re

from .fact_text import NEGATION
from .words import content_words

# the word a "no"/"not"/"never"/"-n't" denies: "no running", "don't eat", "can't really eat", "not a fan"
_DENIED = re.compile(r"(?:\b(?:no|not|never)|n't)\s+(?:(?:a|an|the|really|much|more|longer|any|even)\s+)*([A-Za-z']+)"
                     r"([^.!?;,]*)", re.I)
_CLAUSE_END = re.compile(r"\b(?:and|but|so|or|because|while)\b", re.I)
# "our son Tiago is five and just started school": whose the "and" clause is, when it has no subject of its own
_KIN_CLAUSE = re.compile(r"\b(?i:my|our)\s+([a-z]+)\s+([A-Z][a-z]+)\s+[^.!?;,]*?\band\s+"
                         r"(?!(?i:i|i'm|i've|we|we're|my|our|he|she|they|it)\b)([^.!?;]+)")  # a name is capitalised


def lost_negation(fact: str, message: str) -> bool:
    """The message denies a word ("so no running for a while") that the fact says without any denial ("sofia is
    running for a while."), with a word of what follows it in its clause when there is one ("doesn't eat meat" is
    not denied by "… my daughter eats everything")."""
    if NEGATION.search(fact):
        return False
    said = content_words(fact)
    for m in _DENIED.finditer(message):
        after = content_words(_CLAUSE_END.split(m.group(2))[0])
        if content_words(m.group(1)) & said and (not after or after & said):
            return True
    return False


def clause_owner(fact: str, message: str, user: str) -> str:
    """A fact said of the user ("sofia just started school.") that is the "and" clause of a relative's or a pet's news
    in the message ("Our son Tiago is five and just started school.") said of them: "sofia's son Tiago just started
    school."; other facts unchanged."""
    head = f"{user} "
    if not fact.lower().startswith(head.lower()):
        return fact
    rest = fact[len(head):]
    for m in _KIN_CLAUSE.finditer(message):
        said = content_words(rest) - content_words(user)
        if said and said <= content_words(m.group(3)):
            return f"{fact[:len(user)]}'s {m.group(1).lower()} {m.group(2)} {rest}"
    return fact


def set_right(facts: list[str], message: str, user: str | None) -> list[str]:
    """`facts` of one chat message by `user`: each of whom its clause is about, none that lost the message's denial."""
    out = [clause_owner(f, message, user) for f in facts] if user else list(facts)
    return [f for f in out if not lost_negation(f, message)]
