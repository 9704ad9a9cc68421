"""How one extracted fact is said: a relation said twice said once (`said_once`), and the key under which two facts
of one output are the same fact (`fact_key`)."""

from __future__ import annotations

import re

from .words import content_words

# "ivan's girlfriend Ana is a girlfriend." (the 0.5B adapter, from "… I live in Bristol with my girlfriend Ana."):
# the relation said twice, its predicate empty. What it does say is kept: "ivan's girlfriend is called Ana."
_TAUTOLOGY = re.compile(r"^(?P<owner>.+?'s?) (?P<rel>[a-z][\w-]*(?: [a-z][\w-]*)?) (?P<name>[A-Z][\w-]*) "
                        r"(?:is|was) (?:a|an|the|his|her|their) (?P=rel)\s*[.!]?$")


def said_once(fact: str) -> str:
    """A fact whose predicate only repeats its subject's relation ("X's girlfriend Ana is a girlfriend.") said as
    what it tells: "X's girlfriend is called Ana."; other facts unchanged."""
    m = _TAUTOLOGY.match(fact.strip())
    return f"{m['owner']} {m['rel']} is called {m['name']}." if m else fact


_NEGATION = re.compile(r"\b(?:not|never|no)\b|n't\b", re.I)


def fact_key(fact: str) -> str:
    """Two facts with one key say the same thing: the same content words (plural, -ing and -ed cut), numbers and
    negations. "noor teaches maths at a secondary school." and "noor is teaching maths at a secondary school." came
    from one message and were both stored (the thirty-ninth session's noor); "Nate is vegan." and "Nate is not
    vegan." keep apart."""
    return " ".join(sorted(content_words(fact) | {n.lower() for n in _NEGATION.findall(fact)}
                           | set(re.findall(r"\d+", fact))))  # "museum number 29" is not "… number 30"
