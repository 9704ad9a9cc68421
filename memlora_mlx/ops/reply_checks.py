"""Checks on a reply draft, once it has streamed: what the small base got wrong, each seen in chat drives, and what
the user is shown instead (`final_reply`). The draft streams as written; the app and the drive swap in the final
text when the reply ends.

- grounding (`reply_grounding.py`): a claim about the user or someone they named that names what nobody said
  (`ungrounded`, `unsupported`) -> the best memory shown, or "I don't know that yet";
- a refusal while memories about the message were shown (`refuses_what_it_was_shown`), or a claim that negates one of
  them (`reply_negation.contradicts`) -> the best of them (a statement: the message said back);
- the opening line copied, a greeting to someone the message names, a statement answered with another memory, or
  news answered with a claim about what it named (`copies_opening`, `greets_someone_else`, `off_topic`,
  `holds_forth`), a statement answered with not understanding it (`misreads`), the question only asked back
  (`asks_back`), or "What do you know about me?" told in part (`leaves_out`) -> the message said back (a question:
  the memory; all of them for "about me");
- perspective (`reply_person.py`): a memory or the message said back as the user's own words ("I drive a blue Honda
  Civic.", "You're a structural engineer and I design footbridges.") -> to the user; what a named person did told
  back as the user's ("I remember that you moved to Stavanger") -> dropped;
- "You're right," / "You're welcome!" opening a reply to a statement that asked for neither -> dropped;
- "Tell me more." answered with the last reply again (`repeats`) -> "That's all I can tell you about it.";
- the assistant claiming travels of its own ("Yes, I have been to Porto.") when asked about itself (`own_travels`),
  or the user's name ("Hello Kofi, I'm Kofi.", `drop_user_name_claim`);
- a "When …?" answered with the date a memory anchors "the Sunday before …" on -> that phrase (`reply_dates`).
"""

from __future__ import annotations

import re
from datetime import date

from .parsing import normalize_text
from .person import third_person
from .reply import (ABOUT_ME, AGAIN, BYE, FAREWELL, GREETING, SENTENCE, UNGROUNDED_REPLY, about_user, drop_repeats,
                    format_memory, memory_text, not_the_opening_again, opening, to_you)
from .reply_dates import as_anchored, as_of_today
from .reply_diet import diet_reply
from .reply_grounding import ASKS_FOR_A_FACT, asks_for_a_fact, cut_additions, grounding_sources, ungrounded, unsupported
from .reply_negation import contradicts
from .reply_news import (SYMPATHY, drop_advice, drop_doubled, drop_endearment, drop_glad_guess, drop_greeting,
                         drop_inference, drop_lecture, drop_mistimed, drop_turned_back, good_news_reply, holds_forth,
                         low_news_reply, misreads, parrots, remark_reply, says_nothing, worry_reply, wrong_tone)
from .reply_person import (about_itself, answered_as_asker, answers_for_user, as_said_to_user, asked_relation,
                           claims_anothers, drop_misattributed, drop_user_name_claim, gives_anothers, given_to_named,
                           kin, PETS, misattributed, names_besides, own_travels, restated_to_user, takes_users_line)
from .words import FIRST_PERSON_WORD, content_words

# A refusal about what the user told ("I'm sorry, but I don't have any information about your favourite food.") while
# the memory that answers it was shown: the bare 0.5B did this to 1 of 21 replayed questions with the opening line;
# SmolLM2-135M says "I'm sorry, but I'm unable to provide you with the information you need."
_REFUSES = re.compile(r"\b(?:don't|do not) (?:have|know)\b|\bno information\b|\bhaven't told\b|\bnot sure\b"
                      r"|\bunable to (?:provide|help|assist|answer)\b|\bcan(?:'t|not) (?:provide|help|assist)\b", re.I)


def refuses_what_it_was_shown(reply: str, memories: list, message: str = "") -> bool:
    """The reply says it does not know, though memories were shown (the chat shows only memories about what the
    message asks). Not when the message asks of a relative no memory shown names: "What's my sister's name?" with
    only the brother's memory shown is rightly not known (thirty-eighth session's malik)."""
    if (rel := asked_relation(message)) and not naming(memories, kin(rel)):
        return False
    return bool(memories) and bool(_REFUSES.search(reply))


# The opening line copied as a greeting to a person the message names ("My girlfriend Priya is a dentist." -> "Hi Priya,
# nice to see you. …"; 2 of 12 messages of an unscripted chat, and jo's brother in the replay): that person is not
# in the chat. Such a draft gives way to the message said back ("Got it: your girlfriend Priya is a dentist."), or,
# for a question, to what `grounded_reply` gives.
_GREETING = re.compile(r"^\W*(?i:hi|hello|hey|dear)\s+([A-Z][a-z]+)\b")


def greets_someone_else(reply: str, message: str, user: str) -> bool:
    """The reply opens by greeting a person the message names who is not the user."""
    m = _GREETING.match(reply)
    return bool(m) and m.group(1).lower() != user.lower() and bool(re.search(rf"\b{m.group(1)}\b", message))


# The opening line copied to a message about something remembered ("What's my girlfriend's name?" with "Your girlfriend
# Priya is a dentist." shown -> "Hi Lee, nice to see you. How are you? Tell me about your girlfriend, …"; twice in two
# runs of an unscripted chat). A draft that repeats four words in a row of the opening, and whose other sentences say
# back no memory shown (two content words in common), gives way to the same replies as above. With no memory shown it
# is left alone: the opening said back to "Hello again!" is a greeting.
_OPENING_RUN = 4


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower().replace("\u2019", "'"))


def _runs(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + _OPENING_RUN]) for i in range(len(words) - _OPENING_RUN + 1)}


def copies_opening(reply: str, memories: list, user: str) -> bool:
    """The draft repeats the opening line (after its greeting) while memories about the message were shown, and
    none of its sentences outside the opening's says one of them back."""
    if not memories:
        return False
    line = _words(opening(user))[2:]  # without "Hello {user}"
    runs = _runs(line)
    if not _runs(_words(reply)) & runs:
        return False
    rest = " ".join(s for s in SENTENCE.findall(reply)
                    if not _runs(_words(s)) & runs and not set(_words(s)) <= set(line))
    words = content_words(rest)
    return all(len(words & content_words(to_you(memory_text(m), user))) < 2 for m in memories)


# A statement answered with a memory shown for it instead ("I work as a nurse at St. Mary's Hospital." -> "I remember
# Maria working as a pilot in Lisbon.": the sister's memory passed the recall gate at cosine 0.343; alex's drive, three
# runs in a row). Such a draft says back a memory (two content words) and none of the words the message adds to the
# memories; it gives way to the message said back.
def off_topic(reply: str, message: str, memories: list, user: str) -> bool:
    """A reply to a statement that restates a memory shown and nothing of what the statement told."""
    if not memories or message.rstrip().endswith("?"):
        return False
    said = content_words(reply)
    shown = [content_words(to_you(memory_text(m), user)) for m in memories]
    if said & (content_words(message) - set().union(*shown)):
        return False
    return any(m and len(said & m) >= min(2, len(m)) for m in shown)  # all of "kwame is an electrician."


_HELLO = content_words("hi hello hey good morning afternoon evening again there back")


def said_back(message: str, user: str) -> str:
    """"My girlfriend Priya is a dentist." from lee -> "Got it: your girlfriend Priya is a dentist."; a remark on the
    day by its tone (`remark_reply`); a worry about an event with good wishes (`worry_reply`); bad or good news of the
    user's with sympathy or congratulations; a greeting with a greeting ("Hey, it's Yusuf." got "Got it: Hey, it's
    you.", thirty-third session)."""
    if remark := remark_reply(message) or worry_reply(message) or low_news_reply(message) or good_news_reply(message):
        return remark
    if GREETING.match(message) and not content_words(message) - _HELLO - content_words(user):  # nothing else said
        return AGAIN.format(user=user)
    if FAREWELL.match(message):
        return BYE
    if _named_self(message, user):
        if not (message := _NAMED_SELF.sub("", message, count=1)).strip():
            return AGAIN.format(user=user)  # "It's Leila."
        message = re.sub(r"^(?=(?:a|an)\s)", "I'm ", message, flags=re.I)  # "I am Leila, a nurse …": "I'm a nurse …"
    text = to_you(third_person(_OPENER.sub("", message) or message, user), user).strip()
    lower = text.startswith(("You", "Your")) or text.split(" ", 1)[0].lower() in _STARTERS
    return f"Got it: {text[:1].lower()}{text[1:]}" if lower else f"Got it: {text}"


# "My name is Leila and I work as a nurse." was said back as "your name is you and …" (the fortieth session's leila):
# the user naming themselves is not said back, the rest is
_NAMED_SELF = re.compile(r"^\W*(?:(?:hi|hello|hey)\W+)?(?:my name is|my name's|i'm|i am|it's|this is)\s+([A-Z][a-z]+)"
                         r"(?:\s+here)?(?:\s*[,.!]\s*|\s+and\s+|\s*$)", re.I)


def _named_self(message: str, user: str) -> bool:
    m = _NAMED_SELF.match(message)
    return bool(m) and m.group(1).lower() == user.lower()


# "Got it: Actually, you moved …" (noor): an opening word is not said back
_OPENER = re.compile(r"^(?:(?:actually|oh|well|also|and|anyway|by the way|btw)\b[,!]?\s+)+", re.I)
_STARTERS = {"it", "it's", "its", "the", "this", "that", "there", "there's", "these", "those", "such", "so", "what"}


GROUNDED_MEMORIES = 2  # "What pets do we have?" recalled the goldfish and the tortoise; the best one alone told half


def grounded_reply(memories: list, user: str, n: int = GROUNDED_MEMORIES) -> str:
    """What replaces a reply that made something up: the best memories shown, said to the user, else UNGROUNDED_REPLY."""
    shown = " ".join(to_you(memory_text(m), user) for m in memories[:n])
    return f"What I remember: {shown}" if memories else UNGROUNDED_REPLY


def untold_relative(message: str, memories: list) -> bool:
    """A question for a fact about a relative no memory shown tells of: the reply is a refusal, the draft's own or ours
    ("What's my brother's name?" with only "priya's husband Tom is a chef." shown got "Your brother's name is Tom.",
    forty-first session's priya). Not advice asked for ("What should I get my brother for his birthday?"), nor a pet,
    told by its breed as often as not ("What's my dog's name?" and "sam adopted a rescue greyhound named Comet.")."""
    rel = asked_relation(message)
    return bool(rel) and rel not in PETS and asks_for_a_fact(message) and not naming(memories, kin(rel))


def naming(memories: list, words: list[str]) -> list:
    """The memories that name any of `words` (a person or a relative: "Idris", "sister"), as whole words."""
    return [m for m in memories if any(re.search(rf"\b{re.escape(w)}\b", memory_text(m), re.I) for w in words)]


def users_own(memories: list, message: str, user: str) -> list:
    """The memories a grounded reply tells for `message`. A question that names someone or asks of a relative ("What
    does Idris do?", "What does my partner do?"): the memories naming them (the thirty-eighth session's malik also
    heard his own job). A question of the user's own that names no one ("What's my new job?"): the memories about the
    user, not "Your partner Lucia works as a nurse …" (the thirty-seventh session's farid). "What do you know about
    me?", or none of them fits: all of `memories`."""
    if ABOUT_ME.search(message):
        return memories
    names = names_besides(message, user)
    names += [rel] if (rel := asked_relation(message)) else []
    if names:
        return naming(memories, names) or memories
    if not FIRST_PERSON_WORD.search(message):
        return memories
    return [m for m in memories if about_user(memory_text(m), user)] or memories


def leaves_out(reply: str, message: str, memories: list, user: str) -> bool:
    """A reply to "What do you know about me?" (`ABOUT_ME`) that tells fewer than all the memories shown (two content
    words of each): drive 15 got "You are a sound engineer at a theatre." with five shown."""
    said = content_words(reply)
    return bool(ABOUT_ME.search(message)) and any(len(said & content_words(to_you(memory_text(m), user))) < 2
                                                  for m in memories)


def drop_echo(reply: str, message: str) -> str:
    """`reply` without a first sentence that only asks the message back ("When does your son Mikko start university?
    September.", the 0.5B in the eighteenth session's drive)."""
    first = SENTENCE.match(reply.strip())
    asked, rest = (content_words(first.group()), reply.strip()[first.end():].strip()) if first else (set(), "")
    return rest if rest and asked and first.group().rstrip().endswith("?") and asked <= content_words(message) else reply


def asks_back(reply: str, message: str) -> bool:
    """The whole reply asks the question back ("When are your parents visiting?" to "When are my parents
    visiting?", twenty-seventh session's drive): a question and no word the message did not have."""
    asked, sentences = content_words(reply), [x for x in SENTENCE.findall(reply) if x.strip()]
    return reply.rstrip().endswith("?") and len(sentences) == 1 and bool(asked) and asked <= content_words(message)


# Agreement or thanks nobody asked for, opening a reply to a statement: "You're right, rock climbing is a great way
# to get exercise …" to "I go rock climbing every Saturday morning.", "You're correct! Ana is turning seven in June.",
# "You're welcome! I'm glad you adopted a puppy." (4 of the 12 statements of the twelfth session's alex and sam
# drives, 3 of an unscripted chat's 5). The opening words are dropped and the rest kept; a message that gives an
# opinion or thanks keeps them.
_UNASKED = re.compile(r"^\s*(?:you're|you are)\s+(?:(?:absolutely|so|completely|quite)\s+)?"
                      r"(?:right|correct|welcome)\s*[!,.]+\s*", re.I)
_ASKS_FOR_IT = re.compile(r"\b(?:thanks?|thx|cheers|appreciate|think|believe|feel|guess|agree|right|isn't it|"
                          r"don't you)\b", re.I)


def drop_unasked(reply: str, message: str) -> str:
    """`reply` without an opening "You're right," / "You're correct!" / "You're welcome!" when `message` is a
    statement or a wh-question ("You're right, your best friend Ruth moved …" to "Where does Ruth live?", drive 11)
    that asked for none of them (and something follows)."""
    m = _UNASKED.match(reply)
    yes_no = message.rstrip().endswith("?") and not ASKS_FOR_A_FACT.match(message)
    if not m or yes_no or _ASKS_FOR_IT.search(message):
        return reply
    rest = reply[m.end():]
    return rest[:1].upper() + rest[1:] if rest.strip() else reply


# A request answered with the prompt's own memory lines as its list ("Could you suggest a quick dinner?" -> "Sure,
# here's a quick dinner for you:\n\n- 5 December 2026: You are vegetarian.", thirty-third session's marit): those lines
# are prompt text, not an answer. They are dropped; the chat then asks once more without them and for one thing
# (`chat.Reply`, ASK_AGAIN: asked again bare, the 0.5B said only "Sure, I can suggest a quick dinner.").
ASK_AGAIN = "Name one."
def memory_lines(text: str, memories: list, user: str) -> list[str]:
    """The lines of `text` that are a memory shown as the prompt shows it ("- 5 December 2026: You are vegetarian.")."""
    shown = {normalize_text(format_memory(m, user)) for m in memories}
    return [ln for ln in text.splitlines() if ln.strip() and normalize_text(ln) in shown]


def without_memory_lines(text: str, memories: list, user: str) -> str:
    """`text` without `memory_lines`, and without an opening left hanging on a colon ("Sure, here's …:")."""
    if not (lines := memory_lines(text, memories, user)):
        return text
    rest = "\n".join(ln for ln in text.splitlines() if ln not in lines).strip()
    return "" if rest.endswith(":") else rest


NOTHING_MORE = "That's all I can tell you about it."  # a "Tell me more." answered with the last reply again
NO_ANSWER = "Sorry, I don't have a good answer for that."  # a draft that was only the prompt's memory lines


def repeats(text: str, earlier: str) -> bool:
    """Every sentence of `text` is one of `earlier`'s (the bare 0.5B answered "Tell me more." after "Why is the sky
    blue?" with its first reply word for word)."""
    said = {normalize_text(s) for s in SENTENCE.findall(earlier)} - {""}
    mine = [normalize_text(s) for s in SENTENCE.findall(text)]
    return bool(said) and all(s in said for s in mine if s) and any(mine)


def final_reply(draft: str, message: str, memories: list, user: str, today: date | str | None = None,
                understood: str | None = None, previous: list[str] = ()) -> tuple[str, list[str]]:
    """What the user is shown for a finished draft, and the names/words it made up (empty when none; the text is then
    the replacement, or the draft with the clause that added them cut: `cut_additions`). `memories` are
    the ones shown to the reply; `understood`, the message with a follow-up resolved (said back in its place);
    `previous`, the exchange a "Tell me more." goes on with (what it says counts as given, and the message is taken
    as a question). Dates anchored on today are said as the user would say them (`as_of_today`)."""
    text, made_up = _checked(draft, message, memories, user, today, understood, previous)
    return as_of_today(text, today), made_up


def _checked(draft: str, message: str, memories: list, user: str, today, understood, previous) -> tuple[str, list[str]]:
    said = understood or message
    if not (draft := without_memory_lines(draft, memories, user)):  # "- 5 December 2026: You are vegetarian." alone
        return NO_ANSWER, []
    if no := diet_reply(draft, said, memories, user):  # "Can I have milk?" -> "Better not: you are lactose intolerant."
        return no, []
    if wrong_tone(draft, said):  # "I'm knackered." -> "I'm glad you found the meeting interesting."
        return SYMPATHY, []
    text = not_the_opening_again(drop_unasked(drop_endearment(draft), message), user)  # "You're right," / ", sweetie"
    text = drop_turned_back(text, said)  # "I play cricket every Sunday." -> "… How about you?"
    text = drop_repeats(text)  # "You're right, I'm sorry to hear that. I'm sorry to hear that." without the opening
    text = drop_greeting(text, said, user)  # "Hello bram, you're a bus mechanic in Groningen. How are you?"
    if not (text := drop_advice(text, said)):  # "It's important to …" nobody asked for, and nothing else to the user
        return said_back(said, user), []
    text = drop_lecture(text, said)  # "You can't eat shellfish. Shellfish are not a food that can be eaten …"
    text = drop_glad_guess(text, said)  # "I'm vegetarian." -> "… I'm glad you're enjoying your meal. …"
    if not (text := drop_mistimed(text, said)):  # "My daughter Sofia turns six in March." -> "Sofia is now six …"
        return said_back(said, user), []
    text = drop_inference(drop_doubled(text), said)  # "… so dangerous and dangerous.", ", which means it has a border"
    text = as_said_to_user(text, memories, user, said)  # "I drive …" -> "You drive …"
    if (rel := asked_relation(said)) and answers_for_user(text, rel):  # "What's my husband's job?" -> "You are a vet."
        named = naming(memories, [rel])
        return (grounded_reply(named, user) if named else UNGROUNDED_REPLY), []
    if gives_anothers(text, said, memories, user):  # "What's my job?" -> "I am a pharmacist." (his wife's job)
        own = [m for m in memories if about_user(memory_text(m), user)]
        return (grounded_reply(own, user) if own else UNGROUNDED_REPLY), []
    if names := given_to_named(text, said, memories, user):  # "What does Clara do?" -> the user's job given to her
        return grounded_reply(naming(memories, names), user), []
    text = restated_to_user(text, said)  # "You're a structural engineer and I design footbridges."
    text = drop_misattributed(text, said)  # "I remember that you moved to Stavanger" when Ruth did
    if not said.rstrip().endswith("?") and claims_anothers(text, said) or takes_users_line(text, said):
        return said_back(said, user), []  # news: "…, and you're a firefighter."; "I'm a nurse, so I don't …"
    text = answered_as_asker(text, said)  # "I don't do pottery." to "Do I still do pottery?"
    text = drop_echo(text, said)  # "When does your son Mikko start university? September."
    text = own_travels(text, message)  # "Yes, I have been to Porto."
    text = drop_user_name_claim(text, user)  # "Hello Kofi, I'm Kofi."
    text = as_anchored(text, said, memories)  # "on December 4, 2026" -> "the Sunday before 4 December 2026"
    made_up = ungrounded(text, [said, *previous, *grounding_sources(message, memories, user, today)]) \
        or unsupported(text, said, memories, user)  # "the piano"
    question = message.rstrip().endswith("?") or bool(previous)
    if untold_relative(said, memories):  # "What's my brother's name?" -> "Your brother's name is Tom." (husband)
        return (text, []) if _REFUSES.search(text) and not made_up else (UNGROUNDED_REPLY, made_up)
    if made_up:  # a statement is said back ("I'm pescatarian." got "…, a language spoken in the Mediterranean.")
        return (grounded_reply(users_own(memories, said, user), user) if question else said_back(said, user)), made_up
    text, added = cut_additions(text, said, memories, user)  # "…, where you were born and grew up."
    if previous and repeats(text, previous[-1]):
        return NOTHING_MORE, []
    told = memories if question else [*memories, third_person(said, user)]  # "You're not nervous …" to "I'm nervous …"
    if refuses_what_it_was_shown(text, memories, said) or contradicts(text, told, user) \
            or greets_someone_else(text, said, user) or copies_opening(text, memories, user) \
            or off_topic(text, said, memories, user) \
            or holds_forth(text, said, user) or misreads(text, said) or parrots(text, said) or asks_back(text, said) \
            or says_nothing(text, said) \
            or leaves_out(text, said, memories, user) or about_itself(text, said) \
            or misattributed(text, " ".join([said, *(to_you(memory_text(m), user) for m in memories)])):
        n = len(memories) if ABOUT_ME.search(said) else GROUNDED_MEMORIES  # "What do you know about me?": all shown
        return (grounded_reply(users_own(memories, said, user), user, n) if question else said_back(said, user)), []
    return text, added
