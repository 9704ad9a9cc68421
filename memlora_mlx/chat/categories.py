"""Category words in a question, widened to the things they cover, for the chat's recall.

"What pets do we have?" and the memory "vera has a tortoise called Speedy." share no word, and their cosine is low
once the name is left out (0.30 with the sentence embedder; recall keeps 0.34 and up): the sixteenth session's drive
recalled neither the tortoise nor the goldfish. A question's category word ("pets", "family", "languages") also
matches a memory that names one of its members ("tortoise", "sister", "German"). Closed classes only: a member list
that cannot be complete ("job" -> every job) would promise what it cannot keep; "job" widens instead to the words
that say one ("works as"), and "live" to those that say where ("moved to"). "What do I do for a living?" is asked as
"What is my job?" first (`reword`).
"""

from __future__ import annotations

import re

from ..ops.words import content_words

# Twenty-fourth session's drive (scripts/chat_drive_ninth.txt): "What do I do for a living?" recalled "priyanka lives
# in Cardiff." ("living" widened to "lives"; cosine 0.71) and not "priyanka is a structural engineer." (0.67, then
# relevance 0.28 < 0.34, where "What is my job?" has 0.39).
_FOR_A_LIVING = re.compile(r"\bwhat (?:do|does) (.+?) do for (?:a )?(?:living|work)\b", re.I)
_POSSESSIVE = {"i": "my", "you": "your", "he": "his", "she": "her", "we": "our", "they": "their"}

_CATEGORIES = {
    "pet pets animal animals": "dog dogs puppy cat cats kitten tortoise turtle goldfish fish parrot bird budgie "
                               "hamster rabbit bunny guinea horse pony snake lizard ferret greyhound beagle poodle "
                               "labrador terrier spaniel retriever",
    "family relative relatives": "mother mum mom father dad parent parents sister brother sibling siblings son "
                                 "daughter child children kid kids wife husband partner grandma grandpa grandmother "
                                 "grandfather aunt uncle cousin niece nephew",
    "sibling siblings": "sister brother",
    "kid kids child children": "son daughter",
    "parent parents": "mother mum mom father dad",
    "instrument instruments": "piano guitar violin cello drums flute saxophone trumpet bass ukulele clarinet harp",
    "sport sports": "football soccer tennis basketball rugby cricket golf swimming running climbing cycling hockey "
                    "volleyball marathon yoga boxing badminton",
    # not members (every job) but the words that say one: "What's my job?" and "meera works as a midwife at the
    # maternity unit in Halifax." are 0.28 apart, name-free (recall keeps 0.34 and up; twenty-second session's drive)
    "job jobs career occupation profession": "work works worked working employed job career occupation profession",
    # where one lives is often said by a move: "Where do I live?" and "oksana moved from Leeds to York.", said to the
    # user, are 0.32 apart (twenty-third session's drive)
    "live lives living home": "live lives living moved move moving relocated",
    "language languages": "english french german spanish italian portuguese dutch polish czech russian greek "
                          "turkish arabic hebrew hindi chinese mandarin cantonese japanese korean swedish finnish",
}
EXPANSIONS: dict[str, set[str]] = {}
for _keys, _members in _CATEGORIES.items():
    for _key in content_words(_keys):
        EXPANSIONS.setdefault(_key, set()).update(content_words(_members))


def reword(message: str) -> str:
    """A question about someone's work in the words memories and relevance know ("What do I do for a living?" ->
    "What is my job?"); anything else unchanged."""
    def job(m: re.Match) -> str:
        who = m.group(1)
        owner = _POSSESSIVE.get(who.lower()) or who + "'s"
        return f"What is {owner} job"
    return _FOR_A_LIVING.sub(job, message)


def widen(words: set[str]) -> set[str]:
    """`words` (`content_words` forms) with the members of each category word among them."""
    out = set(words)
    for w in words:
        out |= EXPANSIONS.get(w, set())
    return out
