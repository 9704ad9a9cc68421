"""The first person of one speaker's words said about them in the third person: a question the user asks ("Where do
I live?" -> "Where does alex live?", LoCoMo's question form, the one the adapters learned) and a fact that kept the
speaker's own words ("oksana's partner Ilse and I keep bees on our allotment." -> "... Ilse and oksana keep bees on
oksana's allotment.")."""

from __future__ import annotations

import re

_I = [
    (r"\bI'm\b", "{N} is"), (r"\bI've\b", "{N} has"), (r"\bI'd\b", "{N} would"), (r"\bI'll\b", "{N} will"),
    (r"\bdo I\b", "does {N}"), (r"\bam I\b", "is {N}"), (r"\bhave I\b", "has {N}"),
    (r"\b(did|was|would|will|can|could|should|might) I\b", "\\1 {N}"),
    (r"\b(?:my|mine)\b", "{N}'s"), (r"\b(?:me|myself|I)\b", "{N}"),
]
_OUR = [(r"\b(?:our|ours)\b", "{N}'s")]
# "we" of a household ("What pets do we have?"): its facts are stored as the user's ("We adopted a greyhound."
# -> "sam adopted a greyhound.")
_WE = [
    (r"\bwe're\b", "{N} is"), (r"\bwe've\b", "{N} has"), (r"\bdo we\b", "does {N}"), (r"\bare we\b", "is {N}"),
    (r"\bhave we\b", "has {N}"), (r"\b(did|would|will|can|could|should|might) we\b", "\\1 {N}"),
    (r"\b(?:us|ourselves|we)\b", "{N}"),
]


def about(text: str, name: str, we: bool = True) -> str:
    """`text` with each first-person word ("I", "my", "our", "we're", ...) replaced by `name` in its form ("US", the
    country, is not "us"); `we=False` keeps "we" and "us" (a fact: "we all need friends" is not "Nate all need
    friends"); nothing else changed."""
    def sub(m: re.Match, rep: str) -> str:
        return m.group(0) if m.group(0) == "US" else m.expand(rep.replace("{N}", name.replace("\\", "\\\\")))

    for pat, rep in _I + _OUR + (_WE if we else []):
        text = re.sub(pat, lambda m, rep=rep: sub(m, rep), text, flags=re.I)
    return text


def third_person(question: str, asker: str) -> str:
    """"Where do I live?" asked by alex -> "Where does alex live?" (questions without I/me/my unchanged)."""
    out = about(" ".join(question.split()), asker)
    return out[:1].upper() + out[1:] if out != " ".join(question.split()) else out
