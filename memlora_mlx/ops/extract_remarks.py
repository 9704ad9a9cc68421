"""A fact with a remark's word put in its object: "leila is allergic to pain." beside "leila is allergic to peanuts."
from "I'm allergic to peanuts, which is a pain." (the fortieth session's drive, "leila"). The remark ("which is a pain",
"that's a shame", "it was a nightmare") says how the speaker feels about what they said, not a second thing it is
about; a fact that is another fact of the same turns with its object swapped for words only such a remark said is
dropped."""

from __future__ import annotations

import re

from .words import FUNCTION_WORDS, content_words, stem

REMARK = re.compile(r",\s*(?:which|that|it)(?:'s|\u2019s| is| was)\s+([^.!?,;\n]+)", re.I)


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def remark_swapped(fact: str, facts: list[str], given: str) -> bool:
    """`fact` ends in words that only a remark of `given` says (and little words), and the rest of it starts another
    of `facts` that goes on without them: "leila is allergic to pain." with "leila is allergic to peanuts."."""
    remarks = " ".join(REMARK.findall(given))
    only = content_words(remarks) - content_words(REMARK.sub(" ", given))
    if not only:
        return False
    tokens = _tokens(fact)
    end = len(tokens)
    while end and (stem(tokens[end - 1]) in only or tokens[end - 1] in FUNCTION_WORDS):
        end -= 1
    if not end or end == len(tokens) or not {stem(t) for t in tokens[end:]} & only:
        return False
    head = tokens[:end]
    return any(other != fact and _tokens(other)[:end] == head and len(_tokens(other)) > end
               and not content_words(" ".join(_tokens(other)[end:])) & only for other in facts)
