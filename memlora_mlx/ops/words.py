"""Content words: what a message, a memory and a question can share ("What does my partner do?" -> {"partner"}).
Used by the chat's recall and reply checks, extraction's `unsaid`, and the focus reranking of retrieval."""

from __future__ import annotations

import re

# Words that say nothing about what a message is about (content_words), nor are names (reply_checks.ungrounded).
FUNCTION_WORDS = frozenset("""i i'm i've i'd i'll me my mine you you're you've you'd you'll your yours we our they
their he she his her it its a an the this that these those there here what who whom whose which when where why how
and but or if then so also just now still again not of in on at to for from with as by about into is are was were be
been am do does did doing done have has had having go goes going went get gets got can could will would should may
might let let's name names named call called please tell told say said know""".split())


# Who a message or a reply speaks of: "I …", "my …", "What pets do we have?"; "you", "your", "you're".
FIRST_PERSON_WORD = re.compile(r"\b(?:i|i'm|i've|me|my|mine|we|we're|we've|us|our|ours)\b", re.I)
SECOND_PERSON = re.compile(r"\byou(?:r|rs|'re|'ve|'d|'ll)?\b", re.I)


# people (and pets) a bare "my X" introduces; a thing needs "a/an X" (chat.followup; reply_person.asked_relation)
RELATIONS = frozenset("""mum mom mother dad father parents brother sister son daughter wife husband partner
girlfriend boyfriend fiance fiancee friend grandma grandpa granny grandmother grandfather aunt uncle cousin niece
nephew boss colleague coworker teacher doctor roommate flatmate neighbour neighbor baby kids children dog cat puppy
kitten""".split())


# Number words by value ("seven" is NUMBER_WORDS[7]): ground a digit in the reply checks, name an age in update's slots.
NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
                "seventeen eighteen nineteen twenty").split()
TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def content_words(text: str) -> set[str]:
    """Lower-case words of 3+ letters, a plural or -ing/-ed ending cut, function words left out ("What does my partner
    do?" -> {"partner"}): what a message and a memory can share (the chat's recall keeps such a memory)."""
    out = set()
    for w in re.findall(r"[a-z]+", text.lower()):
        if len(w) < 3 or w in FUNCTION_WORDS:
            continue
        out.add(stem(w))
    return out


# An adverb between "I" and its verb ("I only drink tea."): the verb is the word after it (`extract.own_verb_agreed`).
HABIT = r"(?:(?:really|also|just|still|only|always|never|usually|often|sometimes) )?"


_ES = ("sses", "xes", "zzes", "ches", "shes")  # "boxes", "dishes"; else only the "s": "coffees" -> "coffee"


def stem(word: str) -> str:
    """`word` with a plural, -ing or -ed ending cut ("tournaments" -> "tournament", "hiking" -> "hik"). A plural's "es"
    goes only after a hiss ("boxes" -> "box") or an "o" ("tomatoes" -> "tomato"), so that "coffees" meets "coffee" (it
    was "coffe"); a word without such an ending is itself, so word tables compare with it as written."""
    for end in ("ing", "ed", "es", "s"):
        if word.endswith(end) and len(word) - len(end) >= 3:
            if end == "es" and not (word.endswith(_ES) or (word.endswith("oes") and len(word) >= 6)):
                continue  # "coffees": the "s" alone, below
            if end == "s" and word.endswith("ss"):  # "class", "dress": no plural
                break
            return word[: -len(end)]
    return word
