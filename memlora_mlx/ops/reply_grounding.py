"""Grounding checks on a reply draft (`reply_checks.final_reply` applies them): a claim that names what neither the
user nor the memories shown said (`ungrounded`, `unsupported`, `_claims_nobody_made`), and a trailing clause that adds
to a memory (`cut_additions`). Moved out of `reply_checks.py` in the thirty-third session."""

from __future__ import annotations

import re
from datetime import date

from .parsing import format_date
from .reply import SENTENCE, format_memory, memory_text, to_you
from .reply_person import SAYS_NO, STARTS_AS_USER
from .words import FIRST_PERSON_WORD, FUNCTION_WORDS, NUMBER_WORDS, content_words

# -- grounding: a claim about the user names only what the user or the memories said -----------------------------------
# Asked about something never told, the bare 0.5B makes it up whatever the prompt says ("Your brother's name is Rui.",
# "My cat is named Max.", "Your mother's name is Luis." from the brother's memory). A sentence about the user ("your",
# "my") that holds a name or a number found in neither the message, the memories shown nor today's date is made up;
# the reply is replaced by the best memory shown, said to the user, or by UNGROUNDED_REPLY when none was. Only names and
# numbers are checked here; a made-up common noun ("I am learning the piano." with the cello memory shown, "You work
# as a teacher." with none) is `unsupported`'s (below). A claim
# is a sentence that starts with "Your", "My" or "You" (not "You can/should/…": advice), after "Sure," or "I remember
# that"; "For your trip, I recommend The Great Gatsby." is advice and is not checked.
_CLAIM = re.compile(r"^\W*(?:(?:sure|yes|no|okay|ok|so|well|oh)\W+)?(?:i remember(?: that)?\s+)?"
                    r"(?:your|my|you(?!\s+(?:can|could|should|might|may|will|would|need|must)\b))\b", re.I)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*|\d+")
_NOT_NAMES = FUNCTION_WORDS | frozenset("yes no sure hi hello hey thanks thank okay ok oh well sorry great good nice "
                                        "glad happy welcome noted".split())


def _key(word: str) -> str:
    w = word.lower().replace("\u2019", "'")
    return w[:-2] if w.endswith("'s") else w


def _known(texts: list[str]) -> set[str]:
    known = {_key(t) for text in texts for t in _TOKEN.findall(text)}
    known |= {_key(p) for t in list(known) if "-" in t for p in t.split("-")}  # "four-year-old" said: "four" is known
    for i, name in enumerate(NUMBER_WORDS):  # "seven" in a memory grounds "7" ("who is fourteen": "14"), and back
        if name in known or str(i) in known:
            known |= {name, str(i)}
    return known


def ungrounded(reply: str, sources: list[str]) -> list[str]:
    """Names (capitalised words) and numbers of the reply's claims about the user (sentences that start with "Your",
    "My" or "You"; questions excepted) that no text of `sources` holds, case-insensitively, in order; and the numbers
    of its sentences about someone the sources name ("Luuk is a 12-year-old, and Daan is a 14-year-old." to "… we have
    twin boys, Luuk and Daan.", thirty-second session's bram), and its names ("Biscuit is a cat from the United
    States." to "We have a cat called Biscuit.", thirty-seventh session's farid)."""
    known, out = _known(sources), []
    # names: capitalised inside a source ("Luuk"), not a word that opens one or a common word ("Run 30 minutes a day."
    # to "How long should I run each day?" is advice)
    names = {_key(t) for text in sources for t in _TOKEN.findall(text)[1:] if t[0].isupper()} - _NOT_NAMES
    for sentence in SENTENCE.findall(reply):
        first = _key(next(iter(_TOKEN.findall(sentence)), ""))
        if sentence.rstrip().endswith("?"):
            continue
        if _CLAIM.match(sentence):
            checked = [t for t in _TOKEN.findall(sentence) if t.isdigit() or t[0].isupper()]
        elif first in names:
            parts = [p for t in _TOKEN.findall(sentence) for p in t.split("-")]  # "fourteen-year-old"
            named = not _MODAL.search(sentence)  # a suggestion's names are not checked: "Luuk might love a Lego set."
            checked = [p for p in parts if p.isdigit() or p.lower() in NUMBER_WORDS or (named and p[0].isupper())]
        else:
            continue
        out += [t for t in checked if _key(t) not in _NOT_NAMES and _key(t) not in known and t not in out]
    return out


# A made-up common noun in an answer to a question about something remembered ("Which instrument am I learning?" with
# "You have been learning the cello since September." shown -> "I am learning the piano."; kim's "Theo plays the
# piano." with only "Your son Theo is 12." shown). A sentence about the user or someone in the memories (it starts
# with Your/My/You/I, or with a name the memories hold) that adds content words to the question, none of them in a
# memory shown, says what nobody said. Suggestions (could, might, …) are not claims. On the replayed chats' 26
# answers to questions with memories shown it caught the piano and nothing else.
_MODAL = re.compile(r"\b(?:can|could|should|might|may|would|maybe|perhaps)\b", re.I)


# With no memory shown, a question for a fact about the user ("What do I do for work?") answered with a claim about
# them or someone the question names ("You work as a teacher.", "Theo plays the piano.") that adds content words to
# the question says what nobody said; so does one that starts with I/My ("I am an AI language model created by
# OpenAI." to lee's "What is my job?", fourteenth session: the 0.5B took "my job" for its own) unless the assistant
# says it does not know, or recommends. Only such questions:
# a request ("Can you help me plan my trip?", "What do you think of my idea?", "What should I cook?") or "How do I …"
# gets advice and opinions ("Your trip sounds exciting!", "I suggest a risotto."), which are not claims of fact.
_ADVICE = re.compile(r"\b(?:recommend|suggest|try|consider|idea|option)", re.I)
ASKS_FOR_A_FACT = re.compile(r"^\W*(?:what|where|who|when|which|how\s+(?:old|many|much|long))\b", re.I)
_ADDRESSED = re.compile(r"\byou\b", re.I)


def asks_for_a_fact(message: str) -> bool:
    """"What/where/who/when/which …?" or "How old/many/much/long …?", not a request ("What should I cook?")."""
    return bool(ASKS_FOR_A_FACT.match(message)) and not _MODAL.search(message)


_NEGATED = re.compile(r"\b(?:not|never|haven't|hasn't|didn't|don't|doesn't)\b", re.I)


# each claim of a clause-joined sentence on its own: "I do not have a specific life plan, but I can tell you that I am a
# software developer …" to "What do I do for a living?" (thirtieth session)
_CLAUSE_CLAIM = re.compile(r",?\s+but\s+|;\s*|\s+that\s+(?=(?:I|you|your|my)\b)", re.I)


# "Do I have any sisters?" with nothing recalled got "Yes, you do have two sisters." (thirtieth session): a yes or a
# no about the user's own life, with no memory of it, is made up whichever it is.
_YES_NO_ABOUT_USER = re.compile(r"^\W*(?:do|does|did|am|was|were|have|has|is|are)\s+(?:i|my)\b"
                                r"(?!.*\b(?:right|correct|need|should|allowed|okay|ok|look|sound)\b)", re.I)
_SAYS_UNKNOWN = re.compile(r"\bI (?:don't|do not|can't|cannot) (?:have|know|say|tell)|\bno information\b|"
                           r"\bhaven't told\b|\bnot sure\b|\bno (?:record|memory)\b", re.I)  # not "you don't have"


def _claims_nobody_made(reply: str, message: str, user: str) -> list[str]:
    """`unsupported` with no memory shown (the comments above)."""
    if _YES_NO_ABOUT_USER.match(message) and not _SAYS_UNKNOWN.search(reply):
        return _TOKEN.findall(reply)[:1]
    if not (asks_for_a_fact(message) and FIRST_PERSON_WORD.search(message)) or _ADDRESSED.search(message):
        return []
    asked, out = content_words(message) | content_words(user), []
    names = {t for t in _TOKEN.findall(message)[1:] if t[0].isupper() and _key(t) not in _NOT_NAMES}  # "my son Theo"
    for sentence in (c for s in SENTENCE.findall(reply) for c in _CLAUSE_CLAIM.split(s)):
        about = _CLAIM.match(sentence) or STARTS_AS_USER.match(sentence) \
            or next(iter(_TOKEN.findall(sentence)), "") in names
        if not about or sentence.rstrip().endswith("?") or _MODAL.search(sentence) or _ADVICE.search(sentence) \
                or _NEGATED.search(sentence) or SAYS_NO.search(sentence):
            continue
        new = content_words(sentence) - asked
        out += [t for t in _TOKEN.findall(sentence) if content_words(t) & new and t not in out]
    return out


def unsupported(reply: str, message: str, memories: list, user: str) -> list[str]:
    """Words of the reply's claims that neither the question nor any memory shown holds, when the message is a
    question (none shown: `_claims_nobody_made`)."""
    if not message.rstrip().endswith("?"):
        return []
    if not memories:
        return _claims_nobody_made(reply, message, user)
    asked = content_words(message)
    shown_texts = [to_you(memory_text(m), user) for m in memories]
    shown = set().union(*(content_words(t) for t in shown_texts))
    names = {t for text in shown_texts for t in _TOKEN.findall(text) if t[0].isupper()} - {"You", "Your"}
    from_memory = _known(shown_texts) - _known([message])  # a name or number the answer can take from a memory
    out: list[str] = []
    for sentence in SENTENCE.findall(reply):
        first = next(iter(_TOKEN.findall(sentence)), "")
        about = _CLAIM.match(sentence) or first in names or (STARTS_AS_USER.match(sentence)
                                                                and not SAYS_NO.search(sentence))
        if not about or sentence.rstrip().endswith("?") or _MODAL.search(sentence):
            continue
        new = content_words(re.sub(r"n't\b", "", sentence)) - asked  # "don't" is not the content word "don"
        said = {_key(t) for t in _TOKEN.findall(sentence) if t.isdigit() or t[0].isupper()} - {"you", "your", "i"}
        if new and not new & shown and not said & from_memory:  # "Leo is 8 years old.": the 8 is remembered
            out += [t for t in _TOKEN.findall(sentence) if content_words(t) & new and t not in out]
    return out


# A claim that says a memory shown and then adds to it in a trailing clause ("You were last week in Porto, where you were
# born and grew up." to nora's "Where was I last week?" with "nora just got back from a week in Porto." shown; fifteenth
# session): `unsupported` lets the sentence through, since part of it is remembered. The clause is cut ("You were
# last week in Porto.") when it adds content words that neither the question nor a memory shown holds.
_CLAUSE = re.compile(r",\s+(?:where|which|who|and|because|since|so|as|but)\b", re.I)
# A trailing "for a long time" is such an addition too, with no comma ("You've been running three times a week for a
# long time." to "How often do I run?" with "… runs three times a week." shown; thirty-fifth session's drives).
_DURATION = re.compile(r",?\s+(?:for (?:such |quite |so )?(?:a long time|a while|years|ages|so long|many years|"
                       r"quite some time|some time)|since (?:childhood|forever))(?=[.!]?\s*$)", re.I)


def cut_additions(reply: str, message: str, memories: list, user: str) -> tuple[str, list[str]]:
    """`reply` without the trailing clauses of its claims that add what nobody said (the comment above), and the
    words cut; unchanged unless `message` is a question and memories were shown."""
    if not memories or not message.rstrip().endswith("?"):
        return reply, []
    asked = content_words(message) | content_words(user)
    shown = set().union(*(content_words(to_you(memory_text(m), user)) for m in memories))
    out, cut = [], []
    for sentence in SENTENCE.findall(reply):
        m = _CLAUSE.search(sentence) or _DURATION.search(sentence)
        if m and (_CLAIM.match(sentence) or STARTS_AS_USER.match(sentence)) and not _MODAL.search(sentence):
            main, tail = sentence[:m.start()], sentence[m.start():]
            new = content_words(tail) - shown - asked
            if new and content_words(main) & shown:
                cut += [t for t in _TOKEN.findall(tail) if content_words(t) & new and t not in cut]
                sentence = main.rstrip() + "." + sentence[len(sentence.rstrip()):]
        out.append(sentence)
    return "".join(out), cut


def grounding_sources(message: str, memories: list, user: str, today: date | str | None = None) -> list[str]:
    """What a reply may take names and numbers from: the message, the memories as shown (dated, said to the user)
    and today's date."""
    return [message, *(format_memory(m, user) for m in memories), format_date(today or date.today()) or ""]
