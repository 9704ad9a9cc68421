"""Follow-ups: a message that leans on the user's previous one, said on its own.

    resolve("She's called Bean and she's a beagle.", "I just adopted a puppy.")
        -> "My puppy is called Bean and she's a beagle."
    resolve("What's her name again?", "I just adopted a puppy.")  -> "What's my puppy's name again?"

The extract adapter sees one message at a time and gives no fact for "She's called Bean." (0 of 16 follow-ups
of two probe sets); adapters trained to read the previous message as well resolved 3 of 16 and made facts up, and
the bare base asked to rewrite the message ran the two together or answered it (docs/distillation.md §5). So the
chat resolves the pronoun itself, from what the previous message introduced: "my/our <relation> <Name>" ("my
brother Sam"), "a <thing> called <Name>", a bare relation ("my mum"), or "a <thing>" ("a puppy", "a new job"). A
statement is resolved only where it opens with the pronoun ("She's …", "Her name …"), a question wherever one
stands; a message that names someone of its own, or leans on nothing the previous one introduced, is left as it is.
The memory pipeline, retrieval and the reply get the resolved text; the chat keeps the user's own words.

A name said bare that the memories introduce ("Actually, Jonas moved to Hamburg." with "nora's brother Jonas lives in
Berlin." stored) is said with who it is ("Actually, my brother Jonas moved to Hamburg."; `with_who`): on its own the
extract adapter gave no fact for it, or "nora moved to Hamburg in 2026." (fifteenth session, nora's chat).

A message that asks the assistant to go on ("Tell me more.", "Why?", "What do you mean?", `asks_more`) leans on the
previous exchange instead: the reply prompt gets the user's message of that exchange (`Conversation.previous_exchange`).
"""

from __future__ import annotations

import re

from ..ops.words import RELATIONS

_CALENDAR = frozenset("""january february march april may june july august september october november december monday
tuesday wednesday thursday friday saturday sunday""".split())
_OWNER = r"\b((?i:my|our))\s+"
_NAMED = re.compile(_OWNER + r"((?:[a-z]+\s+){0,2}?[a-z]+)\s+([A-Z][a-z]+)\b")  # my best friend Kenji
# a cat called Miso, two cats called Pixel and Mochi
_CALLED = re.compile(r"\b(?:a|an|two|three|four|\d+)\s+((?:[a-z]+\s+)?[a-z]+)\s+(?:called|named)\s+"
                     r"([A-Z][a-z]+(?:\s+and\s+[A-Z][a-z]+)?)")
_RELATION = re.compile(_OWNER + r"([a-z]+)\b")  # my mum
_STOP = r"last|on|in|at|for|with|from|to|yesterday|today|tonight|this|next|and|but|so|because|called|named"
_THING = re.compile(rf"\b(?:a|an)\s+((?:[a-z]+\s+){{0,2}}?[a-z]+)(?=\s+(?:{_STOP})\b|\s*[.,!?;]|\s*$)")  # a new job
# "it" that stands for nothing: the weather, the time ("It's so cold outside today." after "I just bought a used car.")
_WEATHER_IT = re.compile(r"^\W*it(?:'s|\u2019s| is| was| has been|'s been|\u2019s been)\s+"
                         r"(?:(?:so|very|really|too|quite|a bit|getting)\s+)*"
                         r"(?:cold|hot|warm|sunny|rainy|raining|snowing|windy|freezing|humid|late|early|dark|"
                         r"pouring|drizzling|stormy|foggy|cloudy|chilly|grey|gray|"  # "It's been pouring" (yusuf)
                         r"lovely out|nice out|\d)", re.I)
_PREDICATE = frozenset("is was am are be been being as i'm he's she's it's".split())
_PERSON = {"he", "she", "him", "his", "her", "hers", "they", "them", "their"}
_STATEMENT_OPEN = re.compile(r"^(\W*)(she|he|it|they)\b|^(\W*)(her|his|its|their)\s+(?=[a-z])", re.I)
_CONTRACTION = re.compile(r"['\u2019](s|re|ve|ll|d)\b(\s+(?:been|got)\b)?", re.I)
_EXPANDED = {"s": " is", "re": " are", "ve": " have", "ll": " will", "d": " would"}


# "Tell me more.", "Go on!", "Can you explain that?", "Why?" - not "Why is the sky blue?" nor "Tell me more about Rome."
_MORE = re.compile(r"^\W*(?:(?:ok|okay|oh|hm+|and|so|interesting|cool|wow)\W+)*(?:(?:can|could|would) you\s+)?"
                   r"(?:please\s+)?(?:tell me more|say more|go on|keep going|continue|more(?: details| info)?|"
                   r"elaborate|explain|expand|what do you mean|why|how so|how come|like what|such as)"
                   r"(?:\s+(?:on|about))?(?:\s+(?:it|that|this))?(?:\s+(?:please|more|further))?\W*$", re.I)


def asks_more(message: str) -> bool:
    """The message asks the assistant to go on with what it just said (module text)."""
    return bool(_MORE.match(message.strip()))


def referents(previous: str) -> dict[str, str]:
    """What the previous message introduced: {"person": "my brother Sam", "thing": "my new job"} (either may be
    missing). A thing is owned as the message's subject owns it ("We bought a house." -> "our house")."""
    owner = "our" if re.match(r"^\W*we\b", previous, re.I) else "my"
    out: dict[str, str] = {}
    if named := _named(previous):
        out["person"] = named
    elif m := _CALLED.search(previous):
        out["person"] = out["thing"] = f"{owner} {m.group(1)} {m.group(2)}"
    elif (m := _RELATION.search(previous)) and m.group(2) in RELATIONS:
        out["person"] = f"{m.group(1).lower()} {m.group(2)}"
    if "thing" not in out and (thing := _object(previous)):
        out["thing"] = f"{owner} {thing}"
        out.setdefault("person", out["thing"])  # a pet: "I just adopted a puppy." / "She's …"
    return out


def _named(text: str) -> str | None:
    """The first "my <relation> <Name>": one word before the name, or a relation ("my best friend Kenji"); not a
    month or a day ("my dad retired in March")."""
    for m in _NAMED.finditer(text):
        words = m.group(2).split()
        if m.group(3).lower() not in _CALENDAR and (len(words) == 1 or words[-1] in RELATIONS):
            return f"{m.group(1).lower()} {m.group(2)} {m.group(3)}"
    return None


def _object(text: str) -> str | None:
    """The first "a/an <thing>" that is not said of the subject ("is a dentist", "works as a pilot")."""
    for m in _THING.finditer(text):
        before = text[:m.start()].split()
        if not before or before[-1].lower() not in _PREDICATE:
            return m.group(1)
    return None


def _names_its_own(message: str) -> bool:
    """The message introduces someone or something itself ("My sister said she …", "Ana's …")."""
    return bool(re.search(r"\b(?:my|our)\s+[a-z]+", message, re.I))


def _for(pronoun: str, found: dict[str, str]) -> str | None:
    return found.get("person") if pronoun.lower() in _PERSON else found.get("thing")


def resolve(message: str, previous: str | None) -> str:
    """`message` with the pronouns that lean on `previous` replaced by what it introduced (see the module text);
    unchanged when there is nothing to resolve."""
    if not previous or _names_its_own(message):
        return message
    found = referents(previous)
    if not found:
        return message
    if message.rstrip().endswith("?"):
        return _resolve_question(message, found)
    m = _STATEMENT_OPEN.match(message)
    if not m or _WEATHER_IT.match(message):
        return message
    lead, pronoun = (m.group(1), m.group(2)) if m.group(2) else (m.group(3), m.group(4))
    target = _for(pronoun, found)
    if not target:
        return message
    target = target[:1].upper() + target[1:]
    rest = message[m.end():]
    if m.group(4):  # "Her name is Pepper." -> "Our kitten's name is Pepper."
        return f"{lead}{target}'s {rest}"
    if c := _CONTRACTION.match(rest):  # "She's called" -> "My puppy is called", "She's been" -> "… has been"
        verb = " has" if c.group(2) and c.group(1).lower() == "s" else _EXPANDED[c.group(1).lower()]
        rest = verb + (c.group(2) or "") + rest[c.end():]
    return f"{lead}{target}{rest}"


_NOT_A_NOUN = frozenset("again yesterday today now then too at in on for with to and or about last next this that"
                        .split())


def _resolve_question(message: str, found: dict[str, str]) -> str:
    """The third-person pronouns of a question, "it" left alone ("What time is it?"): "Which city did I say he lives
    in?" -> "… my brother Sam lives in?", "What's her name again?" -> "What's my puppy's name again?"."""

    def sub(m: re.Match) -> str:
        word, after = m.group(1), m.group(2) or ""
        target = _for(word, found)
        if not target:
            return m.group(0)
        owner = word.lower() in {"his", "its", "their"} or (word.lower() == "her" and after
                                                             and after.lower() not in _NOT_A_NOUN)
        said = f"{target}'s" if owner else target
        return said[:1].upper() + said[1:] if m.start() == 0 else said

    return re.sub(r"\b(she|he|him|his|her|they|them|their|its)\b(?=(?:\s+([a-z]+))?)", sub, message, flags=re.I)


# ---- names the memories introduced ----------------------------------------------------------------------------------

_NOT_A_NAME = frozenset("""i i'm i've i'd i'll the a an my our your what where who when why which how do does did is are
was were can could would should will actually oh and but so also hi hello hey yes no thanks thank ok okay well anyway
by the way just""".split()) | _CALENDAR


def bare_names(message: str, limit: int = 3) -> list[str]:
    """Capitalised words of `message` that may be names and are not said with a relation already ("my brother
    Jonas"), at most `limit`."""
    out = []
    for m in re.finditer(r"\b[A-Z][a-z]+\b", message):
        name = m.group(0)
        if name.lower() in _NOT_A_NAME or name in out or _SAID_WITH_RELATION.search(message[:m.start()]):
            continue
        out.append(name)
    return out[:limit]


_SAID_WITH_RELATION = re.compile(r"\b(?i:my|our)\s+(?:[a-z]+\s+){1,3}$")  # "my best friend " before a name


def calendar_words(text: str) -> set[str]:
    """The weekdays and months `text` names, capitalised as names are ("Fridays" -> "friday"); a "May" that opens a
    sentence is the verb."""
    out = set()
    for m in re.finditer(r"\b([A-Z][a-z]+?)s?\b", text):
        word = m.group(1).lower()
        opens = not text[:m.start()].strip() or text[:m.start()].rstrip()[-1] in ".!?"
        if word in _CALENDAR and not (word == "may" and opens):
            out.add(word)
    return out


def introduced(memories: list[str], user: str) -> dict[str, str]:
    """Who the memories say a name is, in the form the extract op writes ("nora's brother Jonas lives in Berlin." ->
    {"Jonas": "my brother Jonas"}; "<user>'s <words> <Name>" with a relation last, the first memory naming them)."""
    pat = re.compile(rf"(?<![\w'])(?i:{re.escape(user)})['\u2019]s\s+((?:[a-z]+\s+){{0,2}}?[a-z]+)\s+([A-Z][a-z]+)\b")
    out: dict[str, str] = {}
    for text in memories:
        for m in pat.finditer(text):
            if m.group(2).lower() not in _CALENDAR and m.group(1).split()[-1] in RELATIONS:
                out.setdefault(m.group(2), f"my {m.group(1)} {m.group(2)}")
    return out


def with_who(message: str, known: dict[str, str]) -> str:
    """`message` with the first bare mention of each name in `known` said with who it is (the module text)."""
    for name, who in known.items():
        for m in re.finditer(rf"\b{re.escape(name)}\b", message):
            if _SAID_WITH_RELATION.search(message[:m.start()]):
                continue
            said = who[:1].upper() + who[1:] if not re.search(r"\w", message[:m.start()]) else who
            message = message[:m.start()] + said + message[m.end():]
            break
    return message
