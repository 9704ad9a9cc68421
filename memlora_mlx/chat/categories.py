"""Category words in a question, widened to the things they cover, for the chat's recall.

"What pets do we have?" and the memory "vera has a tortoise called Speedy." share no word, and their cosine is low
once the name is left out (0.30 with the sentence embedder; recall keeps 0.34 and up): the sixteenth session's drive
recalled neither the tortoise nor the goldfish. A question's category word ("pets", "family", "languages") also
matches a memory that names one of its members ("tortoise", "sister", "German"). Closed classes only: a member list
that cannot be complete ("job" -> every job) would promise what it cannot keep; "job" widens instead to the words
that say one ("works as"), and "live" to those that say where ("moved to"). "What do I do for a living?" is asked as
"What is my job?" first (`reword`).

A memory that names a job without those words ("dara is a physiotherapist at a sports clinic in Bristol.") is
marked as one by its form (`memory_words`): "is a <noun ending as jobs do> at/in/…". A question for a favourite
("What's my favourite sport?") shares a word with a memory only if that memory says a liking (not the sports clinic),
and a question whether to eat or drink something also matches what a memory says of the user's diet
(`question_words`: "Should I order the chicken curry?" and "ines is vegetarian.").
"""

from __future__ import annotations

import re

from ..ops.reply_diet import DIET_WORDS, DISLIKE_WORDS, asks_diet, asks_food_advice
from ..ops.words import content_words

# Twenty-fourth session's drive (scripts/chat_drive_ninth.txt): "What do I do for a living?" recalled "priyanka lives
# in Cardiff." ("living" widened to "lives"; cosine 0.71) and not "priyanka is a structural engineer." (0.67, then
# relevance 0.28 < 0.34, where "What is my job?" has 0.39).
_FOR_A_LIVING = re.compile(r"\bwhat (?:do|does) (.+?) do for (?:a )?(?:living|work)\b", re.I)
# "What do I do?" as the whole message (thirty-first session, an unscripted chat: nothing recalled, "marta is a vet."
# was not shown); inside a longer message ("I locked myself out. What do I do?") it asks for advice and stays.
_BARE_DO = re.compile(r"^\s*what do (i) do\s*\?*\s*$", re.I)  # the user's own: "What does Marco do?" stays
# and a relative's, as the whole message (thirty-fifth session's lotte: "What does my husband do?" got the boats he
# builds in his spare time, not that he is a carpenter)
_RELATIVE_DO = re.compile(r"^\s*what does (my [a-z]+(?: [A-Z][\w'-]*)?) do\s*\?*\s*$", re.I)
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
KIN = content_words(_CATEGORIES["family relative relatives"])  # a relative a question names ("husband")


# Thirtieth session's drive (runs/s30): "Where do I work?" recalled "dara had a long day at work." (0.69, shares
# "work") and not "dara is a physiotherapist at a sports clinic in Bristol." (0.68, relevance 0.23 < 0.34).
_JOB_FORM = re.compile(r"^\W*[\w'-]+\s+(?:is|was)\s+(?:now\s+|currently\s+|still\s+)?an?\s+"
                       r"(?:[a-z-]+\s+){0,2}?([a-z-]+)(?=\s+(?:at|in|for|with|from|on)\b|\s*[.,;!]|\s*$)", re.I)
_JOB_END = re.compile(r"(?:ist|er|or|ian|ant|ent|eon|man|woman|smith|wright)$")
_JOB_NOUNS = frozenset("nurse chef cook vet doctor pilot judge coach clerk barista midwife nanny tutor lawyer "
                       "architect engineer plumber electrician dentist surgeon paramedic firefighter carpenter "
                       "mechanic".split())
_NOT_JOBS = frozenset("member fan beginner lover owner user runner swimmer climber reader vegetarian vegan pescatarian "
                      "mother father brother sister daughter grandmother grandfather partner neighbour neighbor "
                      "twin only-child introvert extrovert morning night winter summer".split())
JOB_MARK = {"work", "job"}
_PREFERENCE_ASKED = re.compile(r"\bfavou?rites?\b|\bprefer\b|\blike best\b", re.I)
_LIKING_WORDS = content_words("favourite favorite favourites favorites prefer like best love")
_PREFERENCE = re.compile(r"\bfavou?rites?\b|\bprefers?\b|\blove[sd]?\b|\blike[sd]?\b|\benjoy|\bfan\b|\badore", re.I)


# or by what one does for it: "tomasz teaches maths at a secondary school in Glasgow." (thirtieth session), "tobias
# fixes bikes at a little repair shop in Malmö." (thirty-fifth session: "What do I do for work?" got his swimming
# "before work")
_JOB_VERB = re.compile(r"^\W*[\w'-]+\s+(?:now\s+|still\s+)?"
                       r"(?:teaches|lectures|tutors|coaches|(?:runs|owns|manages) an?)\b", re.I)
_AT_WORK = re.compile(r"^\W*[\w'-]+\s+(?:now\s+|still\s+)?"
                      r"(?!(?:volunteers|eats|drinks|meets|shops|stays|lives|sleeps|plays|hangs|reads|sits|waits)\b)"
                      r"[a-z]+s\b[^.,;]*?\s+(?:at|in)\s+(?:an?|the)\s+"
                      r"(?:[\w'-]+\s+){0,2}?(?:shop|store|restaurant|caf[eé]|bakery|garage|salon|studio|clinic|"
                      r"hospital|school|office|factory|warehouse|lab|firm|company|hotel|library|bar|pub)\b", re.I)


def says_job(memory: str) -> bool:
    """`memory` names its one-word subject's job by its form: "dara is a physiotherapist at …", "Laila is a teacher.",
    "jo teaches maths", "sam runs a bakery", "tobias fixes bikes at a little repair shop"
    (not "dara's girlfriend Marguerite is a graphic designer." to "Where do I work?")."""
    nouns = [m.group(1).lower() for m in _JOB_FORM.finditer(memory)]
    if _JOB_VERB.match(memory) or _AT_WORK.match(memory):
        return True
    return any((n in _JOB_NOUNS or _JOB_END.search(n)) and n not in _NOT_JOBS for n in nouns)


# Where one lives, when only the job's town was said: "I'm a bus mechanic in Groningen." and "Where do I live?"
# (thirty-second session's drive: nothing recalled, "I don't know that yet").
HOME_MARK = content_words("live lives living home")
_TOWN = re.compile(r"\b(?:in|at)\s+[A-Z][a-z]+")


def says_work_town(memory: str) -> bool:
    """`memory` names its subject's job and a town: "bram is a bus mechanic in Groningen."."""
    return says_job(memory) and bool(_TOWN.search(memory))


def memory_words(memory: str) -> set[str]:
    """What a memory can share with a question: its content words, "work"/"job" when it names a job, and "live"/"home"
    when it names a job and its town."""
    return (content_words(memory) | (JOB_MARK if says_job(memory) else set())
            | (HOME_MARK if says_work_town(memory) else set()))


def question_words(message: str) -> set[str]:
    """What a question can share with a memory: its content words widened (`widen`), with the diet words (and a
    dislike's) when it asks whether to eat or drink something or what to eat."""
    words = widen(content_words(message))
    return words | DIET_WORDS | DISLIKE_WORDS if asks_diet(message) or asks_food_advice(message) else words


def shares_words(message: str, words: set[str], memory: str) -> bool:
    """`memory` has one of the question's `words` (`question_words(message)`), and says a liking when the question
    asks for a favourite."""
    if _PREFERENCE_ASKED.search(message):  # a liking of the thing asked about, not the word "favourite" alone
        return bool(_PREFERENCE.search(memory)) and bool((words - _LIKING_WORDS) & memory_words(memory))
    return bool(words & memory_words(memory))


def job_first(words: set[str], memory: str) -> bool:
    """A question about work or a job (`words`: `question_words`) and a memory that names one: shown first. Of a
    relative the question names ("What is my husband's job?"), the memory names that relative's: "lotte's husband
    Pieter is a carpenter."."""
    if not words & JOB_MARK:
        return False
    asked = words & KIN
    kin = re.match(r"^\W*[\w'-]+['\u2019]s\s+([a-z]+)\s+(?:[A-Z][\w'-]*\s+)?(?=is\b|was\b|works\b)", memory)
    if kin:
        return kin.group(1).lower() in asked and says_job("they " + memory[kin.end():])
    return not asked and says_job(memory)


def reword(message: str) -> str:
    """A question about someone's work in the words memories and relevance know ("What do I do for a living?", "What
    do I do?" -> "What is my job?", "What does my husband do?" -> "What is my husband's job?"); anything else
    unchanged."""
    def job(m: re.Match) -> str:
        who = m.group(1)
        owner = _POSSESSIVE.get(who.lower()) or who + "'s"
        return f"What is {owner} job"
    asked = _RELATIVE_DO.sub(lambda m: job(m) + "?", _BARE_DO.sub(lambda m: job(m) + "?", message))
    return _FOR_A_LIVING.sub(job, asked)


def widen(words: set[str]) -> set[str]:
    """`words` (`content_words` forms) with the members of each category word among them."""
    out = set(words)
    for w in words:
        out |= EXPANSIONS.get(w, set())
    return out
