"""A reply draft that says the opposite of a memory shown (`reply_checks.final_reply`): asked "Do I eat meat?" with
"hana is vegetarian." shown, the 0.5B answered "You are not vegetarian." (twenty-fifth session's drive, "hana")."""

from __future__ import annotations

import re

from .reply import SENTENCE, memory_text, to_you
from .update import RETRACTION
from .words import content_words

_CLAUSES = re.compile(r",\s+|;\s+|\s+(?:but|and|because|so)\s+", re.I)
_FIRST = re.compile(r"^\W*(?:(?i:no|sorry|well|actually|oh)\W+)?([A-Za-z]+)")
_NAME = re.compile(r"\b[A-Z][a-z]+\b")
_NEEDN_T = re.compile(r"\b(?:have|has|need|needs|got) to\b|\b(?:should|must|need)\b", re.I)  # "You don't have to be …"


def _claims(text: str) -> tuple[bool, set[str]]:
    """(negated or a retraction, content words without the negating ones)."""
    return bool(RETRACTION.search(text)), content_words(RETRACTION.sub(" ", text))


def contradicts(reply: str, memories: list, user: str) -> bool:
    """A clause of the reply about the user or someone they told of whose content words all come from one memory shown
    and which negates it, or affirms what it retracts (`update.RETRACTION`: "not", "stopped", "sold", …): "You are
    not vegetarian." against "You are vegetarian."; "Yes, you still do pottery." against "You stopped doing pottery.".
    "You don't eat meat." against "You are vegetarian." shares no word and passes; so does any clause with a word no
    memory holds ("Kai is not nine anymore."), and so does what the user need not do ("You don't have to be nervous
    …")."""
    texts = [to_you(memory_text(m), user) for m in memories]
    shown = [_claims(text) for text in texts]
    about = {"you", "your"} | {name.lower() for text in texts for name in _NAME.findall(text)}
    for sentence in SENTENCE.findall(reply):
        if sentence.rstrip().endswith("?"):
            continue
        for clause in _CLAUSES.split(sentence):
            first = _FIRST.match(clause)  # a claim about the user or someone they told of, not "I'm not sure …"
            negated, said = _claims(clause)
            said -= content_words(user)
            if first and first.group(1).lower() in about and said and not _NEEDN_T.search(clause) \
                    and any(said <= words and negated != retracts for retracts, words in shown):
                return True
    return False
