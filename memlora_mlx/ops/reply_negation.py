"""A reply draft that says the opposite of a memory shown (`reply_checks.final_reply`): asked "Do I eat meat?" with
"hana is vegetarian." shown, the 0.5B answered "You are not vegetarian." (twenty-fifth session's drive, "hana")."""

from __future__ import annotations

import re

from .reply import SENTENCE, memory_text, to_you
from .words import content_words

NEGATION = re.compile(r"\b(?:not|never|no longer)\b|n't\b", re.I)
_CLAUSES = re.compile(r",\s+|;\s+|\s+(?:but|and|because|so)\s+", re.I)
_FIRST = re.compile(r"^\W*(?:(?i:no|sorry|well|actually|oh)\W+)?([A-Za-z]+)")
_NAME = re.compile(r"\b[A-Z][a-z]+\b")


def contradicts(reply: str, memories: list, user: str) -> bool:
    """A negated clause of the reply whose content words all come from one memory shown that is not itself negated:
    "You are not vegetarian." against "You are vegetarian."; "You don't have a dog." against "You have a dog named Rex.".
    "You don't eat meat." against "You are vegetarian." shares no word and passes; so does any clause with a word no
    memory holds ("Kai is not nine anymore.")."""
    texts = [to_you(memory_text(m), user) for m in memories]
    shown = [content_words(text) for text in texts if not NEGATION.search(text)]
    about = {"you", "your"} | {name.lower() for text in texts for name in _NAME.findall(text)}
    for sentence in SENTENCE.findall(reply):
        if sentence.rstrip().endswith("?"):
            continue
        for clause in _CLAUSES.split(sentence):
            first = _FIRST.match(clause)  # a claim about the user or someone they told of, not "I'm not sure …"
            said = content_words(NEGATION.sub(" ", clause)) - content_words(user)
            if first and first.group(1).lower() in about and NEGATION.search(clause) and said \
                    and any(said <= words for words in shown):
                return True
    return False
