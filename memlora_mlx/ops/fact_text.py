"""How one extracted fact is said: a relation said twice said once (`said_once`), and the key under which two facts
of one output are the same fact (`fact_key`), or one goes on from another (`goes_on_from`)."""

from __future__ import annotations

import re

from .words import FUNCTION_WORDS, content_words

# "ivan's girlfriend Ana is a girlfriend." (the 0.5B adapter, from "… I live in Bristol with my girlfriend Ana."):
# the relation said twice, its predicate empty. What it does say is kept: "ivan's girlfriend is called Ana."
_TAUTOLOGY = re.compile(r"^(?P<owner>.+?'s?) (?P<rel>[a-z][\w-]*(?: [a-z][\w-]*)?) (?P<name>[A-Z][\w-]*) "
                        r"(?:is|was) (?:a|an|the|his|her|their) (?P=rel)\s*[.!]?$")


def said_once(fact: str) -> str:
    """A fact whose predicate only repeats its subject's relation ("X's girlfriend Ana is a girlfriend.") said as
    what it tells: "X's girlfriend is called Ana."; other facts unchanged."""
    m = _TAUTOLOGY.match(fact.strip())
    return f"{m['owner']} {m['rel']} is called {m['name']}." if m else fact


NEGATION = re.compile(r"\b(?:not|never|no)\b|n't\b", re.I)
_SHORT_NAME = re.compile(r"\b[A-Z][A-Za-z]?\b")  # names too short for `content_words`


def fact_key(fact: str) -> str:
    """Two facts with one key say the same thing: the same content words (plural, -ing and -ed cut), numbers and
    negations. "noor teaches maths at a secondary school." and "noor is teaching maths at a secondary school." came
    from one message and were both stored (the thirty-ninth session's noor); "Nate is vegan." and "Nate is not
    vegan." keep apart, as do "Ana has a cat." and "Ana has a cat called Mo"."""
    short_names = {w.lower() for w in _SHORT_NAME.findall(fact)} - FUNCTION_WORDS  # "a cat called Mo", "the UK"
    return " ".join(sorted(content_words(fact) | {n.lower() for n in NEGATION.findall(fact)} | short_names
                           | set(re.findall(r"\d+", fact))))  # "museum number 29" is not "… number 30"


def goes_on_from(key: str, keys) -> bool:
    """Another of `keys` (normalised texts) says all of `key` and goes on: "kwame's flight to accra got cancelled" of
    "… cancelled this morning" (one message stored both in the fortieth session's kwame drive)."""
    return bool(key) and any(k.startswith(key + " ") for k in keys)
