"""Reply: the chat's own answer (memory-augmented generation) — the memories retrieved for the message (and, when a
history budget is set, recent turns of this chat) -> a natural reply, streamed.

Prompt layout, for the engine's per-adapter prefix cache: [system] + the chat's opening line (`OPENING`, an
assistant message the app shows when a chat starts) + the user's messages of the newest whole turns
that fit a token budget (`HISTORY_BUDGET`, none by default) + one final user message holding the message and the
memories, dated and said to the user ("Your sister Maria works …"). System and history are the same from one turn
to the next, so only the new final message is computed again.

When history is on, the assistant's own earlier replies stay out of it (`in_prompt`): the bare 0.5B answered three of
the chat drive's six questions by copying an earlier reply of the same chat word for word. A follow-up on the
assistant's own words ("say more") is not understood.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date

from .answer import third_person
from .parsing import format_date, normalize_text

UNKNOWN_REPLY = "I don't know that yet"
UNGROUNDED_REPLY = f"{UNKNOWN_REPLY}: you haven't told me."  # replaces a reply that named what nobody said
MAX_TOKENS = 160  # one or two sentences, or a short general answer; Esc stops a long one in the app
TOP_K = 5
# Tokens of earlier turns in the prompt by default: none. Every form of history tried made the bare 0.5B reply
# worse on three replayed chats (docs/distillation.md §5): its own earlier replies were copied word for word, the
# user's earlier messages alone got "You're welcome!" to new statements, and a note of them was restated whole.
# What the user said earlier reaches the reply through memory (the pipeline runs after every message). A reply
# adapter trained with history, or a bigger base, can have it back: `memlora chat --history-tokens N`
# (a 0.5B on a CPU prefills ~60 tok/s; ~1k tokens, 10-15 short exchanges, keeps first tokens quick).
HISTORY_BUDGET = 0
MESSAGE_OVERHEAD = 8  # template tokens around one message (ChatML and SmolLM2: 5), rounded up

# No worked examples: small models copy them into their replies. The behaviour is described in words.
# Wording chosen on three replayed chats with the bare Qwen2.5-Coder-0.5B (no reply adapter; docs/distillation.md §5):
# with "acknowledge it by restating what you understood" and "if they do not hold the answer, say \"I don't know
# that yet\"" it began replies with "You understand." and gave the fixed refusal to 4 of 16 questions whose memory
# it was given (12 of 16 recalled); with the refusal in words it recalled 14 of 16 but acknowledged a remark with
# "You acknowledge it in your own words."; with statements to be said back, as here, 15 of 16 (14 the next day:
# the date in this text changed one answer), 14 of 15 statements acknowledged, mostly as "You told me that …"
# (`scripts/reply_replay.py`).
SYSTEM_PROMPT = (
    "You are a friendly, concise assistant with a memory, talking with {user}. Today is {today}. "
    "Reply to {user}'s message in one or two sentences, speaking to {user} as \"you\". "
    "A statement or news from {user}: say back in one short sentence what {user} told you, so they see you understood. "
    "A greeting or small talk: reply briefly and warmly. "
    "A general question or request: answer from your own knowledge. "
    "A question about {user}'s own life: answer from the memories (each with the date it was learned); "
    "if no memory says it, tell {user} they have not told you yet. Never invent personal facts."
)
EXAMPLE: list[dict] = []
STOP = None
# The assistant's first line of every chat: the app and the drive show it, and the prompt holds it after the system
# text. Without it the bare 0.5B answered greetings as if thanked ("Hello again!" -> "You're welcome! I'm glad I could
# help."): 6 of 14 greetings, goodbyes and remarks of the four replayed chats got a reply a person would take, 14 of
# 14 with it (`scripts/reply_replay.py`; shorter openings in docs/distillation.md §5). It is not a worked example: the
# user sees it, so a reply that repeats it ("Hello alex, nice to see you again.") shows nothing they were not given.
OPENING = "Hello {user}, nice to see you. How are you? Tell me about your life, or ask me what you told me before."


def opening(user: str) -> str:
    return OPENING.format(user=user)


def _approx_tokens(text: str) -> int:
    return len(text) // 3 + 1


def memory_text(m: dict | str) -> str:
    if isinstance(m, str):
        return " ".join(m.split())
    return " ".join(str(m.get("text") or m.get("memory") or "").split())


def dedupe(memories: list, top_k: int = TOP_K) -> list:
    """Memories in the given (ranked) order without repeats (case/space/punctuation-insensitive), at most top_k."""
    seen, out = set(), []
    for m in memories:
        key = normalize_text(memory_text(m))
        if key and key not in seen:
            seen.add(key)
            out.append(m)
    return out[:top_k]


_BE_HAVE = {"is": "are", "was": "were", "has": "have", "does": "do"}
_ADVERB = r"(?:just|also|now|still|often|usually|recently|really|never|always|already)"


def _base_form(verb: str) -> str:
    """Third-person singular -> base form ("goes" -> "go", "flies" -> "fly", "works" -> "work")."""
    v = verb.lower()
    if v in _BE_HAVE:
        return _BE_HAVE[v]
    if v.endswith("ies") and len(v) > 4:
        return v[:-3] + "y"
    if re.search(r"(?:o|sh|ch|x|ss|z)es$", v):
        return v[:-2]
    if v.endswith("s") and not v.endswith(("ss", "us", "is")):
        return v[:-1]
    return verb


def to_you(text: str, user: str) -> str:
    """A memory about `user` said to them: "alex's sister Maria works …" -> "Your sister Maria works …", "alex goes
    climbing" -> "You go climbing", "Maria called alex" -> "Maria called you". Memories are stored in the third
    person; shown to the reply this way, the bare 0.5B answered 12 of 16 questions of three replayed chats
    (`scripts/reply_replay.py`, same system text) where the third person got 9: it said "I don't know that yet"
    with the right memory given."""
    u = re.escape(user)
    out = re.sub(rf"\b{u}'s\b", "your", text, flags=re.I)

    def subject(m: re.Match) -> str:
        verb = m.group(2)
        return f"you {m.group(1) or ''}{_base_form(verb) if verb.lower().endswith('s') else verb}"

    out = re.sub(rf"\b{u}\s+({_ADVERB}\s+)?([A-Za-z]+)\b", subject, out, flags=re.I)
    out = re.sub(rf"\b{u}\b", "you", out, flags=re.I)
    return out[:1].upper() + out[1:] if out != text else out


def format_memory(m: dict | str, user: str | None = None) -> str:
    """'- 8 May 2023: text' (the date when known), the text said to `user` when given (`to_you`)."""
    text = to_you(memory_text(m), user) if user else memory_text(m)
    day = format_date(m.get("date")) if isinstance(m, dict) else None
    return f"- {day}: {text}" if day else f"- {text}"


def final_message(user: str, memories: list, message: str) -> str:
    """The user's own words first, then what is remembered about them as a bracketed note, each memory said to them
    (`to_you`) and dated (none: no note). On the bare 0.5B this form greeted back and acknowledged statements where
    "Memories: … Message: …" first made it refuse small talk ("I don't know that yet") and echo statements word for
    word (7 probe messages)."""
    if not memories:
        return message
    shown = "\n".join(format_memory(m, user) for m in memories)
    return f"{message}\n\n[What you remember about me, use only if relevant:\n{shown}]"


def clip(text: str, n_tokens: int, count_tokens: Callable[[str], int]) -> str:
    """The longest prefix of `text` within n_tokens (with an ellipsis when cut)."""
    if count_tokens(text) <= n_tokens:
        return text
    lo, hi = 0, min(len(text), max(n_tokens, 0) * 16)  # no token is longer than 16 chars here
    while lo < hi:  # largest prefix length whose text + "…" fits
        mid = (lo + hi + 1) // 2
        if count_tokens(text[:mid] + "…") <= n_tokens:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…" if lo else ""


def turns_of(history: list[dict]) -> list[list[dict]]:
    """Flat chat messages -> whole turns (each starts at a user message)."""
    turns: list[list[dict]] = []
    for m in history:
        if m.get("role") == "user" or not turns:
            turns.append([])
        turns[-1].append({"role": m["role"], "content": m["content"]})
    return turns


def in_prompt(turn: list[dict]) -> list[dict]:
    """What of an earlier turn the reply prompt holds: the user's message(s), not the assistant's reply."""
    return [m for m in turn if m["role"] == "user"]


def turn_tokens(turn: list[dict], count_tokens: Callable[[str], int]) -> int:
    """Tokens the turn takes in the reply prompt (its `in_prompt` part)."""
    return sum(count_tokens(m["content"]) + MESSAGE_OVERHEAD for m in in_prompt(turn))


def build_messages(message: str, memories: list, history: list[dict], *, user: str, today: date | str | None = None,
                   count_tokens: Callable[[str], int] | None = None, budget: int = HISTORY_BUDGET,
                   limit: int | None = None, top_k: int = TOP_K) -> list[dict]:
    """[system, opening] + the user's messages of the newest whole turns of `history` within `budget` tokens + the
    final user message (memories, deduplicated and dated, then `message`). `limit` bounds the whole prompt (the
    model's context minus the reply's tokens): memories are dropped, last first, then the message is cut, so that one
    huge message still fits."""
    count = count_tokens or _approx_tokens
    system = SYSTEM_PROMPT.format(user=user, today=format_date(today or date.today()))
    mems = dedupe(memories, top_k)
    text = message.strip()
    final = final_message(user, mems, text)
    room = None
    if limit is not None:
        room = limit - count(system) - count(opening(user)) - 4 * MESSAGE_OVERHEAD  # + final message, generation prompt
        while mems and count(final) > room:
            mems = mems[:-1]
            final = final_message(user, mems, text)
        if count(final) > room:
            text = clip(text, room - count(final_message(user, [], "")), count)
            final = final_message(user, [], text)
    allowance = budget if room is None else min(budget, room - count(final))
    kept: list[list[dict]] = []
    for turn in reversed(turns_of(history)):
        n = turn_tokens(turn, count)
        if n > allowance:
            break
        allowance -= n
        kept.insert(0, in_prompt(turn))
    return [{"role": "system", "content": system}, {"role": "assistant", "content": opening(user)},
            *(m for t in kept for m in t), {"role": "user", "content": final}]


def stream_reply(engine, message: str, memories: list, history: list[dict], *, user: str,
                 today: date | str | None = None, max_tokens: int = MAX_TOKENS,
                 budget: int = HISTORY_BUDGET) -> Iterator[str]:
    """Text deltas of the reply (adapter "reply"; the bare base when none is loaded). Closing the iterator stops
    generation after the current token."""
    messages = build_messages(message, memories, history, user=user, today=today, count_tokens=engine.count_tokens,
                              budget=budget, limit=engine.context_length - max_tokens)
    text = ""
    stream = engine.stream(messages, adapter="reply", max_tokens=max_tokens, temperature=0.0)
    try:
        for delta in stream:
            text += delta
            yield delta
            if _SENTENCE_END.search(delta) and drop_repeats(text) != text.strip():
                return  # greedy decoding fell into a loop: a sentence came back (seen with small bases)
    finally:
        stream.close()


_SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?]+|\n+|$)")
_SENTENCE_END = re.compile(r"[.!?\n]")


def drop_repeats(text: str) -> str:
    """`text` up to the first sentence (of 3+ words) that repeats an earlier one, stripped."""
    seen, out = set(), []
    for piece in _SENTENCE.findall(text):
        key = normalize_text(piece)
        if len(key.split()) >= 3 and key in seen:
            break
        seen.add(key)
        out.append(piece)
    return "".join(out).strip()


# -- grounding: a claim about the user names only what the user or the memories said -----------------------------------
# Asked about something never told, the bare 0.5B makes it up whatever the prompt says ("Your brother's name is Rui.",
# "My cat is named Max.", "Your mother's name is Luis." from the brother's memory). A sentence about the user ("your",
# "my") that holds a name or a number found in neither the message, the memories shown nor today's date is made up;
# the reply is replaced by the best memory shown, said to the user, or by UNGROUNDED_REPLY when none was. Only names and
# numbers are checked: a made-up common noun ("I am learning the piano." with the cello memory shown) passes. A claim
# is a sentence that starts with "Your", "My" or "You" (not "You can/should/…": advice), after "Sure," or "I remember
# that"; "For your trip, I recommend The Great Gatsby." is advice and is not checked.
_CLAIM = re.compile(r"^\W*(?:(?:sure|yes|no|okay|ok|so|well|oh)\W+)?(?:i remember(?: that)?\s+)?"
                    r"(?:your|my|you(?!\s+(?:can|could|should|might|may|will|would|need|must)\b))\b", re.I)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*|\d+")
# Words that say nothing about what a message is about (content_words), nor are names (ungrounded).
FUNCTION_WORDS = frozenset("""i i'm i've i'd i'll me my mine you you're you've you'd you'll your yours we our they
their he she his her it its a an the this that these those there here what who whom whose which when where why how
and but or if then so also just now still again not of in on at to for from with as by about into is are was were be
been am do does did doing done have has had having go goes going went get gets got can could will would should may
might let let's name names named call called please tell told say said know""".split())
_NOT_NAMES = FUNCTION_WORDS | frozenset("yes no sure hi hello hey thanks thank okay ok oh well sorry great good nice "
                                        "glad happy welcome noted".split())
_NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def _key(word: str) -> str:
    w = word.lower().replace("\u2019", "'")
    return w[:-2] if w.endswith("'s") else w


def _known(texts: list[str]) -> set[str]:
    known = {_key(t) for text in texts for t in _TOKEN.findall(text)}
    for i, name in enumerate(_NUMBERS):  # "seven" in a memory grounds "7" in the reply, and back
        if name in known or str(i) in known:
            known |= {name, str(i)}
    return known


def ungrounded(reply: str, sources: list[str]) -> list[str]:
    """Names (capitalised words) and numbers of the reply's claims about the user (sentences that start with "Your",
    "My" or "You"; questions excepted) that no text of `sources` holds, case-insensitively, in order."""
    known, out = _known(sources), []
    for sentence in _SENTENCE.findall(reply):
        if not _CLAIM.match(sentence) or sentence.rstrip().endswith("?"):
            continue
        for tok in _TOKEN.findall(sentence):
            key = _key(tok)
            if (tok.isdigit() or tok[0].isupper()) and key not in _NOT_NAMES and key not in known and tok not in out:
                out.append(tok)
    return out


def content_words(text: str) -> set[str]:
    """Lower-case words of 3+ letters, a plural or -ing/-ed ending cut, function words left out ("What does my partner
    do?" -> {"partner"}): what a message and a memory can share (the chat's recall keeps such a memory)."""
    out = set()
    for w in re.findall(r"[a-z]+", text.lower()):
        if len(w) < 3 or w in FUNCTION_WORDS:
            continue
        out.add(next((w[: -len(e)] for e in ("ing", "ed", "es", "s") if w.endswith(e) and len(w) - len(e) >= 3), w))
    return out


# A made-up common noun in an answer to a question about something remembered ("Which instrument am I learning?" with
# "You have been learning the cello since September." shown -> "I am learning the piano."; kim's "Theo plays the
# piano." with only "Your son Theo is 12." shown). A sentence about the user or someone in the memories (it starts
# with Your/My/You/I, or with a name the memories hold) that adds content words to the question, none of them in a
# memory shown, says what nobody said. Suggestions (could, might, …) are not claims. On the replayed chats' 26
# answers to questions with memories shown it caught the piano and nothing else.
_MODAL = re.compile(r"\b(?:can|could|should|might|may|would|maybe|perhaps)\b", re.I)


def unsupported(reply: str, message: str, memories: list, user: str) -> list[str]:
    """Words of the reply's claims that neither the question nor any memory shown holds, when the message is a
    question and memories were shown (else none)."""
    if not memories or not message.rstrip().endswith("?"):
        return []
    asked = content_words(message)
    shown_texts = [to_you(memory_text(m), user) for m in memories]
    shown = set().union(*(content_words(t) for t in shown_texts))
    names = {t for text in shown_texts for t in _TOKEN.findall(text) if t[0].isupper()} - {"You", "Your"}
    out: list[str] = []
    for sentence in _SENTENCE.findall(reply):
        first = next(iter(_TOKEN.findall(sentence)), "")
        about = _CLAIM.match(sentence) or first in names or (_STARTS_AS_USER.match(sentence)
                                                                and not _SAYS_NO.search(sentence))
        if not about or sentence.rstrip().endswith("?") or _MODAL.search(sentence):
            continue
        new = content_words(sentence) - asked
        if new and not new & shown:
            out += [t for t in _TOKEN.findall(sentence) if content_words(t) & new and t not in out]
    return out


def grounding_sources(message: str, memories: list, user: str, today: date | str | None = None) -> list[str]:
    """What a reply may take names and numbers from: the message, the memories as shown (dated, said to the user)
    and today's date."""
    return [message, *(format_memory(m, user) for m in memories), format_date(today or date.today()) or ""]


# A refusal about what the user told ("I'm sorry, but I don't have any information about your favourite food.") while
# the memory that answers it was shown: the bare 0.5B did this to 1 of 21 replayed questions with the opening line;
# SmolLM2-135M says "I'm sorry, but I'm unable to provide you with the information you need."
_REFUSES = re.compile(r"\b(?:don't|do not) (?:have|know)\b|\bno information\b|\bhaven't told\b|\bnot sure\b"
                      r"|\bunable to (?:provide|help|assist|answer)\b|\bcan(?:'t|not) (?:provide|help|assist)\b", re.I)


def refuses_what_it_was_shown(reply: str, memories: list) -> bool:
    """The reply says it does not know, though memories were shown (the chat shows only memories about what the
    message asks)."""
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
    rest = " ".join(s for s in _SENTENCE.findall(reply)
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
    return any(len(said & m) >= 2 for m in shown)


def said_back(message: str, user: str) -> str:
    """"My girlfriend Priya is a dentist." from lee -> "Got it: your girlfriend Priya is a dentist." """
    text = to_you(third_person(message, user), user).strip()
    return f"Got it: {text[:1].lower()}{text[1:]}" if text.startswith(("You", "Your")) else f"Got it: {text}"


def grounded_reply(memories: list, user: str) -> str:
    """What replaces a reply that made something up: the best memory shown, said to the user, else UNGROUNDED_REPLY."""
    return f"What I remember: {to_you(memory_text(memories[0]), user)}" if memories else UNGROUNDED_REPLY


# -- perspective: a memory said back as the user's own words is turned to the user -----------------------------------
# With the opening line, the bare 0.5B answered 7 of 21 replayed questions as if it were the user ("I drive a blue
# Honda Civic.", "My sister Maria works as a pilot in Lisbon."). A sentence that starts with I/My and restates a memory
# shown (said to the user, two content words or more in common) is turned to "you": "You drive a blue Honda Civic.".
_FIRST_PERSON = [(r"\bI am\b", "you are"), (r"\bI'm\b", "you're"), (r"\bI was\b", "you were"), (r"\bI've\b", "you've"),
                 (r"\bI'd\b", "you'd"), (r"\bI'll\b", "you'll"), (r"\bI\b", "you"), (r"\bmy\b", "your"),
                 (r"\bmine\b", "yours"), (r"\bmyself\b", "yourself"), (r"\bme\b", "you")]
_STARTS_AS_USER = re.compile(r"^\W*(?:I|I'm|I've|My)\b")
# the assistant speaking for itself about the memory ("I'm sorry, but I don't have any information about your food",
# "I remember Maria working as a pilot in Lisbon.")
_SAYS_NO = re.compile(r"\b(?:sorry|don't|do not|can't|cannot|not sure|no information|remember|glad|hope|think)\b", re.I)


def _to_second_person(sentence: str) -> str:
    out = sentence
    for pat, rep in _FIRST_PERSON:
        out = re.sub(pat, rep, out, flags=re.I if pat != r"\bI\b" else 0)
    lead = len(out) - len(out.lstrip())
    return out[:lead] + out[lead:lead + 1].upper() + out[lead + 1:]


def as_said_to_user(reply: str, memories: list, user: str) -> str:
    """`reply` with each sentence that speaks as the user about a memory shown ("I work as a baker at Crumb & Co.")
    said to them instead ("You work as a baker at Crumb & Co."). Sentences in which the assistant speaks for itself
    ("I'm sorry, but I don't have any information about your favourite food.") are left as they are."""
    shown = [content_words(to_you(memory_text(m), user)) for m in memories]
    out = []
    for sentence in _SENTENCE.findall(reply):
        if any(len(content_words(sentence) & m) >= 2 for m in shown) and not _SAYS_NO.search(sentence):
            if _STARTS_AS_USER.match(sentence):
                sentence = _to_second_person(sentence)
            else:  # "Pixel and Mochi are my cats."
                sentence = re.sub(r"\bmy\b", "your", sentence)
        out.append(sentence)
    return "".join(out)
