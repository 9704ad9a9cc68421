"""Perspective checks on a reply draft (`reply_checks.final_reply`): what the user said, or a memory of theirs, said back
as if the assistant were the user is said to the user instead."""

from __future__ import annotations

import re

from .reply import SENTENCE, about_user, memory_text, to_you
from .words import FIRST_PERSON_WORD, RELATIONS, SECOND_PERSON, content_words

# -- perspective: a memory said back as the user's own words is turned to the user -----------------------------------
# With the opening line, the bare 0.5B answered 7 of 21 replayed questions as if it were the user ("I drive a blue
# Honda Civic.", "My sister Maria works as a pilot in Lisbon."). A sentence that starts with I/My and restates a memory
# shown (said to the user, two content words or more in common) is turned to "you": "You drive a blue Honda Civic.".
_FIRST_PERSON = [(r"\bI am\b", "you are"), (r"\bI'm\b", "you're"), (r"\bI was\b", "you were"), (r"\bI've\b", "you've"),
                 (r"\bI'd\b", "you'd"), (r"\bI'll\b", "you'll"), (r"\bI\b", "you"), (r"\bmy\b", "your"),
                 (r"\bmine\b", "yours"), (r"\bmyself\b", "yourself"), (r"\bme\b", "you"),
                 # the user's household said as the assistant's ("We have two dogs, Bran and Fern.": s31's marta)
                 (r"\bwe're\b", "you're"), (r"\bwe've\b", "you've"), (r"\bwe\b", "you"), (r"\bour\b", "your"),
                 (r"\bours\b", "yours")]
STARTS_AS_USER = re.compile(r"^\W*(?:I|I'm|I've|My|We|We're|We've|Our)\b")
_HOUSEHOLD = re.compile(r"^\W*(?:We|We're|We've|Our)\b")
# the assistant speaking for itself about the memory ("I'm sorry, but I don't have any information about your food",
# "I remember Maria working as a pilot in Lisbon.")
SAYS_NO = re.compile(r"\b(?:sorry|don't|do not|can't|cannot|not sure|no information|remember|glad|hope|think)\b", re.I)


def _to_second_person(sentence: str) -> str:
    out = sentence
    for pat, rep in _FIRST_PERSON:
        out = re.sub(pat, rep, out, flags=re.I if pat != r"\bI\b" else 0)
    lead = len(out) - len(out.lstrip())
    return out[:lead] + out[lead:lead + 1].upper() + out[lead + 1:]


# "I don't eat lamb." to "Is there any meat I don't eat?" (thirtieth session) is the user's diet said back, not the
# assistant declining: a "don't"/"can't" before a verb other than the assistant's own (know, have, help, …) is the user's.
_NEGATED_VERB = re.compile(r"\b(?:don't|do not|can't|cannot)\s+([a-z]+)", re.I)
_ASSISTANTS = re.compile(r"(?:know|remember|recall|sure|have|understand|think|see|assist|help|tell|find)\b", re.I)


def speaks_for_itself(sentence: str) -> bool:
    """`sentence` has the assistant speaking of itself (`SAYS_NO`), not counting a negation of the user's own verb."""
    return bool(SAYS_NO.search(_NEGATED_VERB.sub(lambda m: m.group(0) if _ASSISTANTS.match(m.group(1)) else "",
                                                 sentence)))


def as_said_to_user(reply: str, memories: list, user: str, message: str = "") -> str:
    """`reply` with each sentence that speaks as the user about a memory shown ("I work as a baker at Crumb & Co.")
    said to them instead ("You work as a baker at Crumb & Co."). Sentences in which the assistant speaks for itself
    ("I'm sorry, but I don't have any information about your favourite food.") are left as they are. To a question
    about the user (`message`), one word of a memory and one of the question are enough ("Where do we live now?" ->
    "I live in Bristol." with "hana and hana's wife just moved to Bristol.": thirty-first session's drive)."""
    shown = [content_words(to_you(memory_text(m), user)) for m in memories]
    own_question = message.rstrip().endswith("?") and bool(FIRST_PERSON_WORD.search(message))
    asked = content_words(message) if own_question else set()
    out = []
    for sentence in SENTENCE.findall(reply):
        words = content_words(sentence)
        # two content words of a memory, or all of a one-word one ("I am an architect." with "lin is an architect.")
        strong = any(m and len(words & m) >= min(2, len(m)) for m in shown)
        # asked about themselves, a sentence as the user with a word of a memory ("What's my job now?" -> "I am a
        # midwife now." with "leila switched jobs, leila is a midwife now.": the fortieth session's leila)
        weak = any(words & m and (words & asked or (own_question and STARTS_AS_USER.match(sentence))) for m in shown)
        if (strong or weak) and not speaks_for_itself(sentence):
            # the assistant's own "we" ("We can talk about your dogs.") unless a memory is plainly restated
            if STARTS_AS_USER.match(sentence) and (strong or not _HOUSEHOLD.match(sentence)):
                sentence = _to_second_person(sentence)
            else:  # "Pixel and Mochi are my cats.", "Biscotti is our cat."
                sentence = re.sub(r"\b(?:my|our)\b" if strong else r"\bmy\b", "your", sentence)
        out.append(sentence)
    return "".join(out)


# The twenty-fourth session's drive (scripts/chat_drive_ninth.txt): "I'm a structural engineer and I design
# footbridges." got "You're a structural engineer and I design footbridges.": half said back, half as the user. In a
# sentence that restates the message (two content words or more of it), "I <word>" / "my <word>" that the message
# itself says is the user's and becomes "you <word>" / "your <word>"; the assistant's own "I hope", "I think" stay.
_OWN = re.compile(r"\b(I'm|I've|I|[Mm]y)\s+([A-Za-z'\d]+)")  # "I'm 41 now" too (drive 13)
_TO_YOU = {"i": "you", "i'm": "you're", "i've": "you've", "my": "your"}
# the user's "we"/"our" said back as the assistant's "I"/"my": "We're vegetarian at home." -> "I'm vegetarian at
# home." (thirty-first session's omid)
_OUR = re.compile(r"\b(we're|we've|we|our)\s+([A-Za-z'\d]+)", re.I)
_AS_MINE = {"we're": "i'm", "we've": "i've", "we": "i", "our": "my"}


def restated_to_user(text: str, message: str) -> str:
    """`text` with the user's own "I design" / "my daughter" of `message` said to them where a sentence restates it."""
    said = content_words(message)
    owned = {(w.lower(), nxt.lower()) for w, nxt in _OWN.findall(message)} \
        | {(_AS_MINE[w.lower()], nxt.lower()) for w, nxt in _OUR.findall(message.replace("\u2019", "'"))}

    def swap(m: re.Match) -> str:
        w, nxt = m.group(1), m.group(2)
        if (w.lower(), nxt.lower()) not in owned or speaks_for_itself(m.string[m.start():]):
            return m.group(0)
        you = _TO_YOU[w.lower()]
        nxt = {"was": "were", "am": "are"}.get(nxt, nxt) if you == "you" else nxt  # not "since you was seven"
        return f"{you.capitalize() if m.start() == 0 else you} {nxt}"

    out = []
    for sentence in SENTENCE.findall(text):
        words = content_words(sentence)  # two words of the message, or all of a short one ("I'm an electrician.")
        if words and len(words & said) >= min(2, len(words)):
            lead = len(sentence) - len(sentence.lstrip())
            sentence = sentence[:lead] + _OWN.sub(swap, sentence[lead:])
        out.append(sentence)
    return "".join(out)


# "Ruth moved to Stavanger last week." got "Ruth moved to Stavanger last week. I remember that you moved to Stavanger
# last week." (twenty-fifth session's drive 11): what a named person did, told back as the user's. Such a sentence is
# dropped when another sentence is left; a reply that is nothing else is `misattributed` (the message is said back
# instead). "My son Felix is learning to swim." got "You're learning to swim!" (thirtieth session).
_YOU_DID = re.compile(r"^\W*(?:(?i:i remember|i see|so|and)(?: that)?\s+)?(?i:you(?:'re|\u2019re| are)?)\s+(.+?)\W*$")


def _done_by_another(sentence: str, said: str) -> bool:
    m = _YOU_DID.match(sentence.strip())
    named = r"\b(?!(?:You|Your|I|My)\b)[A-Z][a-z]+"  # someone named, not the user said to
    return bool(m) and bool(re.search(rf"{named}\s+(?:(?:is|was|are)\s+)?{re.escape(m.group(1))}\b", said))


def drop_misattributed(text: str, message: str) -> str:
    """`text` without a sentence saying the user did what `message` says a named person did."""
    said = " ".join(message.split())
    out = [sentence for sentence in SENTENCE.findall(text) if not _done_by_another(sentence, said)]
    return "".join(out).strip() if "".join(out).strip() else text


def claims_anothers(text: str, message: str) -> bool:
    """A clause of `text` says the user is or did what `message` says a named person is or did: "Saffie is a cat, and
    you're a firefighter." to "My partner Joris is a firefighter and we have a cat called Saffie." (s32's ilse)."""
    said = " ".join(message.split())
    return any(_done_by_another(c, said) for x in SENTENCE.findall(text) for c in re.split(r"[,;]", x) if c.strip())


def misattributed(text: str, message: str) -> bool:
    """Every sentence of `text` says the user did what `message` says a named person did."""
    said = " ".join(message.split())
    sentences = [x for x in SENTENCE.findall(text) if x.strip()]
    return bool(sentences) and all(_done_by_another(x, said) for x in sentences)


# "Do I still do pottery?" got "I don't do pottery.", "What instrument do I play?" "I play the banjo." (drives 12, 13):
# asked about themselves, the user is answered as if the assistant were them. A sentence that opens with "I" and a
# verb of that kind or the question's own ("play"), after "Yes,"/"No,", is said to the user, unless the assistant speaks
# of what it knows ("I don't know", "I have no information") or to the user ("I can give you a recipe." to "Can I have
# a recipe?", a request: "can/could/would I" are not asked about).
_ASKS_ABOUT_SELF = re.compile(r"\b(?:do|does|did|am|was|have|had)\s+I\b(?:\s+([a-z]+))?", re.I)
_AUX = r"do|don't|did|didn't|am|am not|was|wasn't|have|haven't|had|can|can't|will|won't|stopped"
_YES_NO = r"^\W*(?:(?:yes|no|yeah|nope)\W+)?"
_OWN_KNOWING = re.compile(r"\b(?:know|remember|recall|sure|information|idea|think|record|told|see|assist|help)\b", re.I)


# "Can I have the salmon?" got "Sure, I can have the salmon." (thirtieth session): the question's own modal, verb and
# a word of its object, said back with "I", are the user's.
_MAY_I = re.compile(r"\b(can|could|may|should)\s+I\s+([a-z]+)\b", re.I)


def _may_i_as_asker(text: str, message: str) -> str:
    asked = _MAY_I.search(message)
    if not asked:
        return text
    modal, verb = (re.escape(g) for g in asked.groups())
    form = re.compile(rf"^(\W*(?:(?:yes|no|sure|yeah|okay|of course)\W+)?)I(\s+{modal}(?:n?'t|not|\s+not)?\s+{verb}\b)",
                      re.I)
    about = content_words(message[asked.end():])
    return "".join(form.sub(lambda m: m.group(1) + ("you" if m.group(1).strip() else "You") + m.group(2), x)
                   if content_words(x) & about else x for x in SENTENCE.findall(text))


def answered_as_asker(text: str, message: str) -> str:
    """`text` with each "I don't do pottery." to a "Do I …?" question said to the user: "You don't do pottery."; and
    "Sure, I can have the salmon." to "Can I have the salmon?": "Sure, you can have the salmon."."""
    text = _may_i_as_asker(text, message)
    asked = _ASKS_ABOUT_SELF.search(message)
    if not asked:
        return text
    verbs = _AUX + (f"|{re.escape(asked.group(1))}" if asked.group(1) else "")
    as_asker = re.compile(rf"{_YES_NO}I(?:'m|'ve)?\s+(?:still\s+|no longer\s+|also\s+)?(?:{verbs})\b", re.I)
    out = []
    for sentence in SENTENCE.findall(text):
        if as_asker.match(sentence) and not _OWN_KNOWING.search(sentence) and not re.search(r"\byou", sentence, re.I):
            lead = re.match(_YES_NO, sentence, re.I).end()
            said = _to_second_person(sentence[lead:])
            sentence = sentence[:lead] + (said[:1].lower() + said[1:] if sentence[:lead].strip() else said)
        out.append(sentence)
    return "".join(out)

# The assistant claiming a life of its own: "Yes, I have been to Porto." to nora's "I just got back from a week in Porto,
# have you ever been?" (fifteenth session). When the message speaks to the assistant ("you"), a sentence in which it
# says it has been, travelled or lived somewhere is replaced by NO_TRAVELS; the rest of the reply stays. A message
# that does not say "you" is left alone: "I was in Porto." to "Where was I last week?" is the user's week.
_OWN_TRAVEL = re.compile(r"^\W*(?:(?:yes|yeah|oh|sure|absolutely|of course|indeed)\W+)?I(?:'ve|\u2019ve| have)?\s+"
                         r"(?:(?:also|actually|already|once|recently|just)\s+)?(?:been (?:to|in)|visited|went to|"
                         r"travell?ed (?:to|around)|was in|lived in|live in|grew up in)\b", re.I)
NO_TRAVELS = "I haven't been there myself: I'm a program on your computer."


def own_travels(reply: str, message: str) -> str:
    """`reply` with each sentence in which the assistant says it has been somewhere replaced by NO_TRAVELS (once),
    when `message` speaks to it (the comment above)."""
    if not re.search(r"\byou\b", message, re.I):
        return reply
    out, said = [], False
    for sentence in SENTENCE.findall(reply):
        if _OWN_TRAVEL.match(sentence):
            if said:
                continue
            said, sentence = True, NO_TRAVELS + sentence[len(sentence.rstrip()):]
        out.append(sentence)
    return "".join(out)


# The assistant taking the user's name: "Hello Kofi, I'm Kofi. How are you?" to "Hey, I'm Kofi." (twenty-seventh
# session's drive), "Hello, it's Tobias. How are you?" to "Hello, it's Tobias." (thirty-fifth). The clause that says
# it is dropped; the rest of the reply stays.
def drop_user_name_claim(reply: str, user: str) -> str:
    """`reply` without "I'm <user>" / "I am <user>" / "my name is <user>" / "it's <user>": a sentence it opens loses
    it (and the comma after it), one it ends loses it with the comma before it; a reply left empty is kept as it was."""
    claim = rf"\b(?:I'm|I\u2019m|I am|[Mm]y name is|it's|it\u2019s|it is|this is)\s+{re.escape(user)}\b(?!['\u2019])"
    out = []
    for sentence in SENTENCE.findall(reply):
        cut = re.sub(rf"^(\s*){claim}\s*,\s*(\w)", lambda m: m[1] + m[2].upper(), sentence, flags=re.I)
        cut = re.sub(rf",\s*{claim}", "", cut, flags=re.I)
        out.append("" if re.fullmatch(rf"\s*{claim}\W*", cut, flags=re.I) else cut)
    text = "".join(out).strip()
    return text if re.search(r"\w", text) else reply


# -- the assistant about itself, asked about the user ----------------------------------------------------------------
# "What's my favourite film?" with nothing recalled got "As an AI language model, I don't have personal preferences
# or emotions. However, … "Inception," …" (thirtieth session): the question was read as about the assistant.
_ABOUT_ITSELF = re.compile(r"\bas an ai\b|\bi(?:'m| am) (?:just )?an? (?:ai|language model|assistant)\b"
                           r"|\bi (?:don't|do not) have (?:any )?(?:personal|my own) "
                           r"(?:preferences|opinions|feelings|experiences|favou?rites)", re.I)


def about_itself(reply: str, message: str) -> bool:
    """A question about the user ("my", "I") answered with what the assistant is or has not ("As an AI …")."""
    return message.rstrip().endswith("?") and bool(FIRST_PERSON_WORD.search(message)) \
        and not SECOND_PERSON.search(message) and bool(_ABOUT_ITSELF.search(reply))


# A question about the user's relative answered with the user's own fact: "What's my husband's job?" (never told) ->
# "I am a vet." said to the user as "You are a vet." (thirty-first session, an unscripted chat): the job memory came
# first for a work question. Such a reply gives way to what the memories shown say of that relative, or to the refusal.
_ASKED_RELATION = re.compile(rf"\b(?:my|our)\s+(?:best\s+)?({'|'.join(sorted(RELATIONS))})\b", re.I)


def asked_relation(message: str) -> str | None:
    """The relative a question asks about ("What's my husband's job?" -> "husband"), else None."""
    m = _ASKED_RELATION.search(message) if message.rstrip().endswith("?") else None
    return m.group(1).lower() if m else None


# The words one relative may be told by: "What does my partner do?" is answered by "… husband Tom is a chef."
_KIN_GROUPS = ["partner wife husband girlfriend boyfriend fiance fiancee spouse", "mum mom mother",
               "dad father", "kids children", "grandma granny grandmother", "grandpa grandfather",
               "neighbour neighbor", "dog puppy", "cat kitten"]
_KIN = {w: g.split() for g in _KIN_GROUPS for w in g.split()}
# a group told by its members, not a member by another: "my kids" by "my son", but "my son" not by "my daughter"
_KIN["parents"] = "parents mum mom mother dad father".split()
_KIN["kids"] = _KIN["children"] = "kids children son daughter".split()
PETS = frozenset("dog cat puppy kitten".split())  # told by breed or kind: "a rescue greyhound named Comet"


def kin(relation: str) -> list[str]:
    """`relation` and the other words the same relative may be told by ("mum": mom, mother)."""
    return _KIN.get(relation, [relation])


def answers_for_user(reply: str, relation: str) -> bool:
    """`reply` speaks of the user ("You are a vet.") and never of `relation`."""
    return bool(re.match(r"\W*(?:you|your)\b", reply, re.I)) and not re.search(rf"\b{relation}\b", reply, re.I)


# "What's my job?" with only "kwame's wife Abena works as a pharmacist." recalled got "I am a pharmacist." (the
# thirty-ninth session's kwame): a question of the user's own answered with what a memory says of someone else.
_OF_USER = re.compile(r"^\W*(?:(?:yes|no|yeah)\W+)?(?:I|I'm|I've|you|you're|you've)\b", re.I)
_GENERIC = frozenset({"work", "live", "love", "like", "enjoy", "want", "need", "really"})


def names_besides(message: str, user: str) -> list[str]:
    """The capitalised names a message says after its first word, the user's own aside ("What does Idris do?")."""
    return [n for n in re.findall(r"(?<=\s)[A-Z][a-z]+", message) if n.lower() != user.lower()]


def gives_anothers(text: str, message: str, memories: list, user: str) -> bool:
    """A question of the user's own that names no one ("What's my job?") answered, in a sentence about the user that
    names no relative and carries no word of the user's own memories, with a word that only a memory about someone
    else gives ("You are a pharmacist." with "kwame's wife Abena works as a pharmacist.")."""
    if not (message.rstrip().endswith("?") and FIRST_PERSON_WORD.search(message)) or asked_relation(message) \
            or names_besides(message, user):
        return False
    texts = [memory_text(m) for m in memories]
    own = set().union(*(content_words(to_you(t, user)) for t in texts if about_user(t, user)))
    theirs = set().union(*(content_words(to_you(t, user)) for t in texts if not about_user(t, user)))
    theirs -= own | content_words(message) | _GENERIC
    for sentence in SENTENCE.findall(text):
        words = content_words(sentence)
        if _OF_USER.match(sentence) and not speaks_for_itself(sentence) and not words & (RELATIONS | own) \
                and not re.search(r"(?<=\s)[A-Z][a-z]+", sentence) and words & theirs:
            return True
    return False


def given_to_named(text: str, message: str, memories: list, user: str) -> list[str]:
    """The names a question asks about ("What does Clara do?") that the reply gives another memory's words: "Clara
    teaches maths at a school in Hamburg." with "jonas's wife Clara is a dentist." and "jonas teaches maths at a school
    in Hamburg." shown (the forty-third session's jonas): a sentence naming them with more words of a memory that does
    not name them than of theirs, one at least only that memory holds."""
    if not message.rstrip().endswith("?"):
        return []
    texts = [to_you(memory_text(m), user) for m in memories]
    out = []
    for name in names_besides(message, user):
        named_ = [t for t in texts if re.search(rf"\b{name}\b", t)]
        theirs = set().union(*map(content_words, named_)) if named_ else set()
        others = [content_words(t) for t in texts if t not in named_]
        for sentence in SENTENCE.findall(text):
            words = content_words(sentence) - content_words(name) - content_words(message)
            if named_ and re.search(rf"\b{name}\b", sentence) and \
                    any(words & o - theirs and len(words & o) > len(words & theirs) for o in others):
                out.append(name)
                break
    return out


# "My name is Leila and I work as a nurse." got "Nice to see you. I'm a nurse, so I don't have a name." (the fortieth
# session's leila): the user's own line said as the assistant's, in words the message did not use ("I'm a" for "I
# work as a"), so `restated_to_user` cannot give it back. A statement so answered is said back instead.
_I_AM_A = re.compile(r"^\W*I(?:'m|\u2019m| am)\s+(?:a|an)\s+([A-Za-z-]+)")


def takes_users_line(text: str, message: str) -> bool:
    """A sentence of `text` says "I'm a/an <word>" with a word the user's statement `message` said of themselves."""
    if message.rstrip().endswith("?") or not FIRST_PERSON_WORD.search(message):
        return False
    said = content_words(message)
    return any((m := _I_AM_A.match(s)) and content_words(m.group(1)) & said for s in SENTENCE.findall(text))
