"""Checks on a reply to the user's news (`reply_checks.final_reply` says the news back when one fires): a lecture on
what the news named (`holds_forth`), not understanding it or declining it as a request (`misreads`), the news said
back word for word (`parrots`) or answered with only a word-less question (`says_nothing`); a "sweetie" said to
the user, dropped (`drop_endearment`); advice nobody asked for, a later sentence lecturing on a thing the news
named, the user greeted again, a word coordinated with itself, a made-up ", which means …", or something to come
had happening now, dropped (`drop_advice`, `drop_lecture`, `drop_greeting`, `drop_doubled`, `drop_inference`,
`drop_mistimed`); a cheerful reply to bad news
(`wrong_tone`); and what replaces a parroted remark about the weather or the day (`remark_reply`)."""

from __future__ import annotations

import re

from .dates import MONTH_NAMES, WEEKDAYS
from .reply import FAREWELL, GREETING, SENTENCE
from .words import FIRST_PERSON_WORD, SECOND_PERSON, content_words

CLAIM_WORDS = 3  # words added that make a claim, not a remark ("Rock climbing is fun." adds one)


def holds_forth(reply: str, message: str, user: str) -> bool:
    """News answered about a thing it named, not to the user, with what nobody said ("Pickle is a small, furry animal
    that lives in the wild." to "I have a ferret called Pickle."); "That sounds lovely!" is kept (drives 7, 8)."""
    first, head = SENTENCE.match(reply.strip()), re.match(r"\W*([A-Za-z]+)", reply)
    if not first or not head or message.rstrip().endswith("?") or not FIRST_PERSON_WORD.search(message):
        return False
    subject, told = content_words(head.group(1)), content_words(message)
    if not (subject & told - content_words(user)) or len(content_words(first.group()) - told) < CLAIM_WORDS:
        return False
    # a reply that also speaks to the user (in its first sentence, or asking them) holds forth only when its claim has
    # a capitalised word nobody said ("Middlemarch is a classic novel by William Shakespeare. … What do you think
    # about it?", drive 15); a "you" deep in a lecture is not speaking to them ("Lactose intolerance is a common
    # condition … To help you understand, …", thirtieth session's dara)
    named = {w.lower() for w in re.findall(r"\b[A-Z][a-z]+", first.group()[head.end():])}
    asks = any(x.rstrip().endswith("?") and SECOND_PERSON.search(x) for x in SENTENCE.findall(reply))
    return not (asks or SECOND_PERSON.search(first.group())) \
        or bool(named - {w.lower() for w in re.findall(r"[A-Za-z]+", message)})


# Twenty-fourth session's drive: "I've stopped cycling to work; I take the train now." got "I'm not sure what you mean
# by "taking the train now." It's possible you're not aware of the train ...".
# Twenty-fifth session's: "My brother Idris is getting married in Marrakesh next June." got "I'm sorry, but I can't
# assist with that." (news taken for a request; a request, "Please book me a flight.", may be declined).
_MISREAD = re.compile(r"\b(?:not sure what you mean|(?:don't|do not) (?:understand|know what you mean)|what do you mean"
                      r"|can(?:'t|not) (?:assist|help) (?:you )?with that"
                      r"|you (?:have not|haven't) told me)\b", re.I)  # news said to be untold (thirty-first: hana)
_REQUEST = re.compile(r"^\W*(?:please|can|could|would|will|help|tell|give|show|find|book|make|write|recommend|suggest"
                      r"|let's|i(?:'d| would) like|i want)\b", re.I)


def misreads(reply: str, message: str) -> bool:
    """News answered with not understanding it, or with declining it as a request (a question may be unclear, a
    request may be declined; news is neither)."""
    return not message.rstrip().endswith("?") and not _REQUEST.match(message) and bool(_MISREAD.search(reply))


def parrots(reply: str, message: str) -> bool:
    """A statement answered with itself, word for word ("It's freezing here today." -> "It's freezing here today.",
    thirtieth session); not a farewell ("Bye for now!")."""
    said = _words(message)
    return not message.rstrip().endswith("?") and bool(said) and _words(reply) == said and not FAREWELL.match(message)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


# "I'm vegetarian." got "You're vegetarian, sweetie. …" (thirtieth session): an assistant does not call its user that.
_ENDEARMENT = re.compile(r",\s*(?:my\s+)?(?:sweetie|sweetheart|honey|darling|dear|babe|hun|love)\b(?=\s*[.!?,]|$)",
                         re.I)


def drop_endearment(reply: str) -> str:
    """`reply` without a "sweetie"/"honey"/"darling" said to the user ("You're vegetarian, sweetie." -> "You're
    vegetarian.")."""
    return _ENDEARMENT.sub("", reply)


def says_nothing(reply: str, message: str) -> bool:
    """News answered with only a question that holds no word of its own ("We just got back from a week in Lisbon." ->
    "You're welcome! How about you?", "How about you?" once the thanks is dropped; thirtieth session)."""
    return not message.rstrip().endswith("?") and bool(FIRST_PERSON_WORD.search(message)) \
        and reply.rstrip().endswith("?") and not content_words(reply)


# "How about you?" ending a reply to something the user told ("I play cricket every Sunday." -> "Cricket is a very
# popular sport. How about you?", the forty-second session's ravi; tomas's night shift): it asks them back what they
# just said. Kept after a question ("How's your day going?" -> "I'm doing well, thank you. How about you?").
_TURNED_BACK = re.compile(r"\s*(?:(?:and\s+)?(?:how|what)\s+about\s+you(?:rself)?|and\s+you(?:rself)?)\s*\?\s*$", re.I)


def drop_turned_back(reply: str, message: str) -> str:
    """`reply` without a closing "How about you?" when `message` asks nothing; as it was if nothing else is left."""
    if message.rstrip().endswith("?"):
        return reply
    kept = _TURNED_BACK.sub("", reply)
    return kept if kept.strip() else reply


# A remark about the day said back ("Traffic was awful this morning." -> "Got it: Traffic was awful this morning.", the
# thirtieth session's pedro, tomasz and noor drives: the 0.5B parrots such a remark, the parrot gives way to the
# remark said back; "Got it: Work was exhausting today." to the thirty-second session's bram): a remark that tells
# nothing about the user, with a word of how it went, gets a few words of sympathy or of sharing the pleasure instead.
_BAD_DAY = re.compile(r"\b(?:awful|terrible|horrible|dreadful|miserable|rubbish|bad|worst|freezing|raining|rain|"
                      r"pouring|stormy|late|delayed|cancelled|broke|broken|ugh|annoying|noisy|stuck|dropping|"
                      r"crash(?:ed|ing|es)?|not working|exhausting|exhausted|tiring|stressful|hectic|draining)\b", re.I)
_GOOD_DAY = re.compile(r"\b(?:nice|lovely|beautiful|gorgeous|great|glorious|sunny|warm|amazing|wonderful|perfect)\b",
                       re.I)
SYMPATHY = "Oh no, sorry to hear that. I hope the rest of your day is better."
SHARED_PLEASURE = "That sounds lovely! Enjoy it."


def remark_reply(message: str) -> str | None:
    """A few words for a remark on the day that says nothing of the user (no "I", "my", "we"), by its tone; None for
    news, a neutral remark or one that is both ("nice but cold")."""
    if FIRST_PERSON_WORD.search(message) or message.rstrip().endswith("?"):
        return None
    bad, good = bool(_BAD_DAY.search(message)), bool(_GOOD_DAY.search(message))
    return SYMPATHY if bad and not good else SHARED_PLEASURE if good and not bad else None


# A worry said of something coming ("I'm a bit nervous about my driving test on Friday.", the thirty-seventh session's
# farid, whose draft told him he was not nervous): when the draft gives way, good wishes for it, not the news said back.
_EVENTS = ("test|exam|interview|presentation|surgery|operation|appointment|flight|match|game|race|recital|audition|"
           "performance|speech|meeting|wedding|result")
_WORRY = re.compile(rf"\b(?:nervous|worried|anxious|scared|stressed) (?:about|for|before) (?:my|our|the) "
                    rf"(?P<thing>(?:[\w'-]+ ){{0,3}}?(?:{_EVENTS})(?P<many>s?)\b[^.!?,;]*)", re.I)


def worry_reply(message: str) -> str | None:
    """"I hope your driving test on Friday goes well!" for a worry about an event of the user's (`_WORRY`), else
    None."""
    m = _WORRY.search(message)
    if not m or "?" in message or len(m.group("thing").split()) > 8:
        return None
    return f"I hope your {m.group('thing').strip()} {'go' if m.group('many') else 'goes'} well!"


# News answered with advice nobody asked for (the thirtieth session's final runs: "I gave up caffeine last month." ->
# "I'm glad you gave up. It's important to remember that caffeine can have negative effects …"; "I'm allergic to
# peanuts." -> "… It's important to be aware of your allergies …"; "If you have any other questions, feel free to
# ask."; to a remark, "The wifi keeps dropping today." -> "… If the problem persists, you may need …", omid). Such
# sentences are dropped; when what is left does not speak to the user, nothing is left (the news is then said back).
_ADVICE = re.compile(r"^\W*(?:it(?:'s| is) (?:always |also |very )?(?:important|a good idea|best|essential|crucial|"
                     r"recommended|wise|advisable|(?:good|helpful) to (?!hear|see|know|meet|be back|have you))|"
                     r"(?:remember|make sure|be sure) to|"
                     r"if (?:the|this|that) (?:problem|issue) persists|"
                     r"if you have any (?:other |more |further )?questions|feel free to|don't hesitate|"
                     r"please (?:consult|see|talk|seek))\b", re.I)
_WANTS_ADVICE = re.compile(r"\b(?:advice|tips?|help|suggest\w*|recommend\w*|ideas?|should i)\b", re.I)


def drop_advice(reply: str, message: str) -> str:
    """`reply` to news or a remark without its sentences of unasked advice, or "" when what is left neither speaks to
    the user nor keeps to the message's words ("Hello! Feel free to ask me anything." to "Hello!" keeps "Hello!")."""
    if message.rstrip().endswith("?") or _REQUEST.match(message) or _WANTS_ADVICE.search(message):
        return reply
    sentences = SENTENCE.findall(reply)
    kept = [x for x in sentences if not _ADVICE.match(x)]
    if len(kept) == len(sentences):
        return reply
    rest = "".join(kept).strip()
    return rest if SECOND_PERSON.search(rest) or content_words(rest) <= content_words(message) else ""


def drop_lecture(reply: str, message: str) -> str:
    """`reply` to news without a later sentence that holds forth on a thing the news named, not to the user, with at
    least CLAIM_WORDS words nobody said ("I can't eat shellfish." -> "You can't eat shellfish. Shellfish are not a
    food that can be eaten by humans.", thirty-third session's tomas). A person the news names ("Ines") is not a
    thing: "Ines must be so proud of her progress." stays."""
    if message.rstrip().endswith("?") or not FIRST_PERSON_WORD.search(message):
        return reply
    things = set(re.findall(r"\b[a-z][a-z'-]*", message))  # said in lower case: not a name
    sentences = SENTENCE.findall(reply)
    told = content_words(message)

    def lecture(x: str) -> bool:
        head = re.match(r"\W*([A-Za-z]+)", x)
        return bool(head) and head.group(1).lower() in things and bool(content_words(head.group(1)) & told) \
            and not SECOND_PERSON.search(x) and len(content_words(x) - told) >= CLAIM_WORDS
    kept = sentences[:1] + [x for x in sentences[1:] if not lecture(x)]
    return "".join(kept).strip() if len(kept) < len(sentences) else reply


# News answered with a guess at what the user is doing or feels: "I'm vegetarian." -> "You're vegetarian. I'm glad
# you're enjoying your meal. What's your favorite food?" (thirty-third session's marit, every run).
_GLAD_YOU = re.compile(r"^\W*(?:i'm|i am|it's|it is|that's|that is)\s+(?:so\s+|really\s+)?(?:glad|great|good|nice|"
                       r"wonderful|happy)\s+(?:to hear\s+)?(?:that\s+)?you\b", re.I)
_GLAD_WORDS = content_words("glad great good nice wonderful happy hear")


def drop_glad_guess(reply: str, message: str) -> str:
    """`reply` to news without a later "I'm glad you …" sentence that shares no word with the news: what it is glad
    of was not said ("I'm glad you're enjoying your meal." to "I'm vegetarian.")."""
    if message.rstrip().endswith("?"):
        return reply
    told, sentences = content_words(message), SENTENCE.findall(reply)
    kept = sentences[:1] + [x for x in sentences[1:]
                            if not (_GLAD_YOU.match(x) and not (content_words(x) - _GLAD_WORDS) & told)]
    return "".join(kept).strip() if len(kept) < len(sentences) else reply


_LATER = re.compile(rf"\b(?:next (?:week|weekend|month|year|{WEEKDAYS})|tomorrow|soon|later this (?:week|month|year)"
                    r"|in (?:a|an|one|two|three|four|five|six|\d+) (?:days?|weeks?|months?|years?)"
                    rf"|in (?-i:{MONTH_NAMES.title()}))\b", re.I)
_NOW = re.compile(r"\b(?:now|already|today|tonight|this (?:morning|afternoon|evening)|the day)\b", re.I)


def drop_mistimed(reply: str, message: str) -> str:
    """`reply` to news of something to come without the sentences that have it happening now or ask about today (the
    thirty-seventh session's "My daughter Sofia turns six in March." got "Sofia is now six years old.", and "Next month
    I'm going to Lisbon with my friend Mei." got "… What's your plan for the day?"). Empty when no sentence is left."""
    if message.rstrip().endswith("?") or not _LATER.search(message) or _NOW.search(message):
        return reply
    sentences = SENTENCE.findall(reply)
    kept = [x for x in sentences if not _NOW.search(x)]
    return "".join(kept).strip() if len(kept) < len(sentences) else reply


_DOUBLED = re.compile(r"\b([a-z]{3,})(?:,)? (?:and|or) (?:so |very |really )?\1\b", re.I)
_ON_PURPOSE = {"again", "over", "more", "better", "worse", "bigger", "smaller", "longer", "faster", "round", "through",
               "on", "out", "back", "forth", "time"}  # "again and again", "better and better"


def drop_doubled(reply: str) -> str:
    """`reply` without a later sentence that joins a word to itself, a small model's loop, not a thought ("Your son is
    crazy about volcanoes. It's amazing how they can be so dangerous and dangerous.", thirty-fourth session's sofie).
    "again and again" is kept: a word in it repeats by design."""
    sentences = SENTENCE.findall(reply)
    kept = sentences[:1] + [x for x in sentences[1:] if not any(m.group(1).lower() not in _ON_PURPOSE
                                                                  for m in _DOUBLED.finditer(x))]
    return "".join(kept).strip() if len(kept) < len(sentences) else reply


# News given a made-up consequence: "We have a border collie called Juno." -> "Juno is a border collie, which means it
# has a border around it." (thirty-fifth session's lotte)
_INFERENCE = re.compile(r",\s+(?:which means|meaning|which makes)\b[^.!?]*", re.I)


def drop_inference(reply: str, message: str) -> str:
    """`reply` to news without a ", which means …" tail that adds a content word the news did not say."""
    if message.rstrip().endswith("?"):
        return reply
    told = content_words(message)
    return _INFERENCE.sub(lambda m: "" if content_words(m.group(0)) - told - content_words("means meaning makes")
                          else m.group(0), reply)


# News answered with the user greeted again: "Hello bram, you're a bus mechanic in Groningen. How are you?" to "I'm a
# bus mechanic in Groningen." (thirty-second and thirty-third sessions' bram, every run).
_HOW_ARE_YOU = re.compile(r"\s*how are you(?: doing)?(?: today)?\?\s*", re.I)


def drop_greeting(reply: str, message: str, user: str) -> str:
    """`reply` to news without an opening "Hello {user}," and its "How are you?" (unchanged when the message greets,
    asks, or nothing else is left)."""
    m = re.match(rf"\W*(?:hi|hello|hey)\s+{re.escape(user)}\s*[,!.]\s*", reply, re.I)
    if not m or GREETING.match(message) or message.rstrip().endswith("?"):
        return reply
    rest = "".join(x for x in SENTENCE.findall(reply[m.end():]) if not _HOW_ARE_YOU.fullmatch(x)).strip()
    return rest[:1].upper() + rest[1:] if rest else reply


# Bad news answered cheerfully: "I'm knackered after that meeting." -> "I'm glad you found the meeting interesting.",
# "Ugh, I'm so tired today." -> "… but I'm glad you're feeling better." (thirtieth session's final runs).
_LOW = re.compile(r"\b(?:tired|exhausted|knackered|shattered|stressed|sick|ill|sad|upset|worn out|drained|awful|"
                  r"terrible|horrible|rough|ugh|hurt|injured|sore|poorly|"
                  # a mishap: "My car broke down yesterday", "My phone got stolen", "My flight was cancelled"
                  r"broke down|broken down|stolen|robbed|burgled|lost my|crashed|cancel+ed|missed my|got fired|"
                  r"laid off|flooded|passed away|died|"
                  # an injury: "I sprained my ankle yesterday" got "I'm glad you're feeling better." (forty-third)
                  r"sprained|twisted my|broke my|broken my|fractured|pulled a muscle|pulled my)\b", re.I)
_CHEERFUL = re.compile(r"\b(?:glad|great|enjoy(?:ed|ing)?|interesting|happy|wonderful|feeling better|fun|congrat\w*)\b",
                       re.I)


SORRY = "Oh no, I'm sorry to hear that."


def low_news_reply(message: str) -> str | None:
    """`SORRY` for news of a mishap or a low mood when the reply gives way to the message said back ("Got it: your
    flight to Accra got cancelled this morning, so annoying." to kwame, the fortieth session), else None."""
    return SORRY if not message.rstrip().endswith("?") and _LOW.search(message) else None


# Good news of the user's own said back ("I just got promoted at work!" -> "Got it: you just got promoted at work!", the
# forty-second session's mei, whose draft gave her job instead): when the draft gives way, congratulations.
_GOOD_NEWS = re.compile(r"^\W*(?:i|we)(?:'ve|'m|'re| have| am| are)?\s+(?:just\s+|finally\s+|have\s+)?"
                        r"(?:got\s+(?:promoted|engaged|married|accepted|the\s+job|a\s+new\s+job|my\s+degree)|"
                        r"been\s+promoted|passed\s+(?:my|the|our|all)|graduated|won\s+(?:a|an|the|my|our|first)|"
                        r"bought\s+(?:a|our|my)\s+(?:house|flat|home)|"
                        r"expecting\s+(?:a\s+baby|twins|our\s+first|my\s+first)|got\s+a\s+(?:promotion|raise))\b", re.I)
CONGRATULATIONS = "Congratulations, that's great news!"


def good_news_reply(message: str) -> str | None:
    """`CONGRATULATIONS` for good news of the user's own when the reply gives way to the message said back, or None."""
    return CONGRATULATIONS if not message.rstrip().endswith("?") and _GOOD_NEWS.search(message) else None


def wrong_tone(reply: str, message: str) -> bool:
    """News of a bad day, a low mood or a mishap answered with gladness or enjoyment ("I'm glad you're feeling
    better." to "My car broke down yesterday, so I'm taking the bus this week.", thirty-eighth session)."""
    return not message.rstrip().endswith("?") and bool(_LOW.search(message)) and bool(_CHEERFUL.search(reply))
