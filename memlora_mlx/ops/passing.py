"""A passing state is not a memory: "I had a long day at work." and "I'm exhausted today." said in a chat.

The extract-chat adapter (x10) stored "dara had a long day at work." from the twenty-ninth session's chat, and "What
do I do for work?" then recalled it instead of the job; it stores "… is exhausted today." for the `--short` probe's
"I'm exhausted today." (25/30 quiet messages kept quiet). For one chat message on its own (`extract.CHAT_ADAPTER`),
a fact that only says how the user feels or how a day went is dropped (`lasting`). LoCoMo's windows keep theirs: its
questions ask how a speaker felt after an event.
A liking the message never said is dropped there too: "I'm a bus driver, mostly night shifts." gave "gus is a bus
driver." and "gus loves night shifts." (x11, thirty-first session's gus drive); so is the weather made the user's
("rui is morning."), and every fact of a message that only asks "what/where …?" (`only_asks`, thirty-fourth session).
So is a fact with a word that neither the message nor the chat before it holds (`adds_words`, thirty-fifth
session): x13 made "noor just got a beautiful traffic." of "The traffic was awful this morning."; of the 356 facts
the chat drives of the thirtieth to thirty-fourth sessions stored, 2 had such a word, both wrong.
"""

from __future__ import annotations

import re

from .words import FIRST_PERSON_WORD, content_words

_MOOD = (r"(?:tired|exhausted|sleepy|bored|busy|stressed|grumpy|knackered|shattered|worn out|fed up|cranky|"
         r"drained|wiped out|exhausting|tiring|draining|late|running late|delayed)")  # s32's bram: "Work was exhausting
# today." -> "bram was exhausting today."; s34's marit: "The trains were delayed again this morning." -> "marit was
# delayed again this morning."
_DEGREE = r"(?:(?:so|really|very|a bit|quite|a little|super|pretty|totally|completely)\s+)?"
_NOW = r"(?:today|tonight|this (?:morning|afternoon|evening|week)|right now|at the moment|now|lately)"
_PASSING = [
    # "dara is exhausted today.", "sam feels tired.", "jo was so busy this morning."
    re.compile(rf"^\W*[\w'-]+(?:\s+(?:work|day|shift))?\s+(?:is|was|feels|felt|has been|'s)\s+(?:feeling\s+)?"
               rf"{_DEGREE}{_MOOD}"
               rf"(?:\s+again)?(?:\s+{_NOW})?\s*[.!]?\s*$", re.I),
    # "dara had a long day at work.", "sam had a rough night."
    re.compile(r"^\W*[\w'-]+\s+(?:had|has had|is having)\s+(?:a|such a|a really|a very)\s+"
               r"(?:long|rough|busy|hard|tough|stressful|bad|tiring|hectic|exhausting)\s+(?:day|night|morning|week)"
               r"(?:\s+(?:at|in)\s+(?:work|the office|school))?(?:\s+today)?\s*[.!]?\s*$", re.I),
    # the weather or the time of day made the user's (thirty-fourth session, x13: "It's been raining all week here."
    # -> "noor is been raining all week here.", "Morning! Just made coffee." -> "rui is morning."; v8b, s28: "noor is
    # still raining all week.")
    re.compile(r"^\W*[\w'-]+\s+(?:is|was|has been|is been|'s)\s+(?:(?:just|currently|still|experiencing)\s+)*"
               r"(?:raining|rain|pouring|snowing|drizzling|sunny|cloudy|foggy|windy|freezing|morning|afternoon|evening|"
               r"night)(?:\s+(?:all|day|week|here|out|there|today|outside|again|now|lately|this|morning))*"
               r"\s*[.!]?\s*$", re.I),
]


def is_passing(fact: str) -> bool:
    """`fact` says only a passing mood or how a day went ("dara had a long day at work.")."""
    return any(p.match(fact) for p in _PASSING)


_LIKING = re.compile(r"\b(?:loves?|likes?|enjoys?|hates?|adores?|prefers?|dislikes?)\b", re.I)
_SAYS_LIKING = re.compile(r"\b(?:lov\w*|lik(?:e|es|ed|ing)|enjoy\w*|hat(?:e|es|ed|ing)|ador\w*|prefer\w*|fan|fond|"
                          r"favou?rite|into|passion\w*|keen|can't stand|cannot stand)\b", re.I)


_WH_QUESTION = re.compile(r"^\W*(?:what|what's|where|where's|when|who|who's|whose|which|why|how)\b[^.!?]*\?+\W*$", re.I)


SPEAKER_LINE = re.compile(r"^([^:\n]{1,60}):", re.M)  # a speaker of the extract prompt's lines ("noor: …")


def last_message(given: str) -> tuple[str, str]:
    """(speaker, message) of the last line of `given`, the extract prompt's text: the message the facts came from."""
    line = given.strip().splitlines()[-1] if given.strip() else ""
    who, _, said = line.partition(": ")
    return (who.strip(), said) if said else ("", line)


def only_asks(given: str) -> bool:
    """The message (`last_message`) is only "what/where/who …?" questions, with at most a word or two beside ("Hi!"): it
    tells nothing. x13 (thirty-fourth session) stored "yusuf is going in March." for "Where are we going in March?"."""
    said = [x.strip() for x in re.findall(r"[^.!?]+[.!?]*", last_message(given)[1]) if x.strip()]
    return bool(said) and any(_WH_QUESTION.match(x) for x in said) and all(
        _WH_QUESTION.match(x) or len(x.split()) <= 2 for x in said)


# what a fact in the third person says that its message need not: "I don't eat pork." -> "noor doesn't eat pork.",
# "I'm 40 …" -> "ivo is 40 years old." (`extract.own_age_and_your`), and a liking said in other words ("I can't stand
# olives." -> "gus hates olives."; the liking rule judges those)
_AGREEMENT = frozenset("doesn isn wasn hasn currently really very year old "
                       "lov lik enjoy hat ador prefer dislik".split())


def _roots(text: str) -> set[str]:
    """Content words as roots: "lives", "lived" -> "liv"; "studies", "studied", "study" -> "study" (what
    `extract.own_verb_agreed` writes: "flies")."""
    return {re.sub(r"ie?$", "y", w).rstrip("e") for w in content_words(text)}


def adds_words(fact: str, given: str) -> bool:
    """`fact` has a content word that `given` (the extract prompt's text: the message, the chat before it, the session
    date) does not, other than a speaker's name: "noor just got a beautiful traffic." of "noor: The traffic was awful
    this morning.", "dara is not sure about the mondays." of "dara: Ugh, Mondays." (x13, `--requests` probe)."""
    names = set().union(*(_roots(n) for n in SPEAKER_LINE.findall(given)))
    return bool(_roots(fact) - _roots(given) - names - _AGREEMENT)


_THING_FIRST = re.compile(r"^\W*(?:the|this|that|these|those|it|it's|its|there|such|a|an)\b", re.I)


def made_the_speakers(fact: str, given: str) -> bool:
    """`fact` makes its speaker the subject of a message that names another one and says nothing of them: "lotte was
    packed again this morning." of "lotte: The tram was packed again this morning." (x13, thirty-fifth session's
    drive). The message starts with a thing ("The tram", "It", "This"), and has no "I", "my", "we" or "our"."""
    who, said = last_message(given)
    if not who or not _THING_FIRST.match(said) or FIRST_PERSON_WORD.search(said):
        return False
    return bool(re.match(rf"\W*{re.escape(who)}\s+(?!'|\u2019)", fact, re.I))


def lasting(facts: list[str], given: str = "") -> list[str]:
    """`facts` without the passing ones, nor (with `given`, the message they came from) a liking it never said, a
    word it never said (`adds_words`) or the speaker made the subject of a thing's news (`made_the_speakers`), and
    none of a message that only asks (`only_asks`)."""
    if given and only_asks(given):
        return []
    unsaid_liking = bool(given) and not _SAYS_LIKING.search(given)
    return [f for f in facts if not is_passing(f) and not (unsaid_liking and _LIKING.search(f))
            and not (given and (adds_words(f, given) or made_the_speakers(f, given)))]
