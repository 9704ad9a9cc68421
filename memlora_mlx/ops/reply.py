"""Reply: the chat's own answer (memory-augmented generation) — the memories retrieved for the message (and, when a
history budget is set, recent turns of this chat) -> a natural reply, streamed.

Prompt layout, for the engine's per-adapter prefix cache: [system] + the chat's opening line (`OPENING`, an
assistant message the app shows when a chat starts) + the user's messages of the newest whole turns
that fit a token budget (`HISTORY_BUDGET`, none by default) + one final user message holding the message and the
memories, dated and said to the user ("Your sister Maria works …"). System and history are the same from one turn
to the next, so only the new final message is computed again.

When history is on, the assistant's own earlier replies stay out of it (`in_prompt`): the bare 0.5B answered three of
the chat drive's six questions by copying an earlier reply of the same chat word for word. A message that asks to go
on with the last reply ("Tell me more.", "Why?"; `chat/followup.py: asks_more`) gets the user's message of that
exchange just before it, whatever the budget (`previous`), so "Why?" after "What's a good way to learn Spanish?" is
about Spanish; with the reply as well, the bare 0.5B copied it or looped. What the user is shown of a
finished draft: `reply_checks`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date

from .fact_text import goes_on_from
from .parsing import format_date, normalize_text

UNKNOWN_REPLY = "I don't know that yet"
UNGROUNDED_REPLY = f"{UNKNOWN_REPLY}: you haven't told me."  # replaces a reply that named what nobody said
MAX_TOKENS = 160  # one or two sentences, or a short general answer; Esc stops a long one in the app
TOP_K = 5
# "What do you know about me?" names no fact, so no memory is near it by cosine (drive 15 recalled none, and the 0.5B
# answered "I'm a 4-year-old who loves to read and write."): the user's newest memories are shown instead
# (`chat.Conversation.recall`), and all of them if the reply gives way to the memories (`reply_checks`).
ABOUT_ME = re.compile(r"\b(?:know|remember|recall|tell me)\b.*\babout me\b|\bwhat (?:have|did) I (?:told|tell) you\b"
                      r"|^\W*who am I\W*$", re.I)
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


# "Hi again!" in a new chat got the opening line back word for word (thirtieth session's tomasz drive, every run): the
# user has just been shown it; the greeting alone is what a person says.
AGAIN = "Hello {user}, good to see you again. How are you?"
GREETING = re.compile(r"^\W*(?:hi|hello|hey|good (?:morning|afternoon|evening))\b", re.I)  # a message that greets
# a message that takes leave ("Bye for now!" was said back as "Got it: Bye for now!", forty-third session's sofia)
FAREWELL = re.compile(r"^\W*(?:(?:ok(?:ay)?|thanks|thank you|right|anyway)\W+)?(?:bye|goodbye|good night|night night|"
                      r"see you|see ya|talk (?:to you )?(?:soon|later)|catch you later|take care|cheerio)\b", re.I)
BYE = "Bye for now, talk soon!"


def not_the_opening_again(text: str, user: str) -> str:
    """`text`, or AGAIN when it is the opening line said again word for word."""
    return AGAIN.format(user=user) if normalize_text(text) == normalize_text(opening(user)) else text


def _approx_tokens(text: str) -> int:
    return len(text) // 3 + 1


def memory_text(m: dict | str) -> str:
    if isinstance(m, str):
        return " ".join(m.split())
    return " ".join(str(m.get("text") or m.get("memory") or "").split())


def dedupe(memories: list, top_k: int = TOP_K) -> list:
    """Memories in the given (ranked) order without repeats (case/space/punctuation-insensitive) nor one that another
    goes on from ("kwame's flight to Accra got cancelled." beside "… cancelled this morning.", both stored from one
    message and both told in the fortieth session's kwame drive), at most top_k."""
    keys = [normalize_text(memory_text(m)) for m in memories]
    seen, out = set(), []
    for m, key in zip(memories, keys):
        if key and key not in seen and not goes_on_from(key, keys):
            seen.add(key)
            out.append(m)
    return out[:top_k]


_BE_HAVE = {"is": "are", "was": "were", "has": "have", "does": "do",  # "doesn't" is matched as "doesn"
            "isn": "aren", "wasn": "weren", "hasn": "haven", "doesn": "don"}
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
    climbing" -> "You go climbing", "Maria called alex" -> "Maria called you", "alex loves his bike" -> "You love
    your bike" (not when someone is named before "his"/"her"). Memories are stored in the third
    person; shown to the reply this way, the bare 0.5B answered 12 of 16 questions of three replayed chats
    (`scripts/reply_replay.py`, same system text) where the third person got 9: it said "I don't know that yet"
    with the right memory given."""
    u = re.escape(user)
    out = re.sub(rf"\b{u}['\u2019](?:s\b|(?=\s))", "your", text, flags=re.I)  # "ines's" and "ines' son"

    def subject(m: re.Match) -> str:
        verb = m.group(2)
        base = verb.lower().endswith("s") or verb.lower() in _BE_HAVE
        return f"you {m.group(1) or ''}{_base_form(verb) if base else verb}"

    out = re.sub(rf"\b{u}\s+({_ADVERB}\s+)?([A-Za-z]+)\b", subject, out, flags=re.I)
    out = re.sub(rf"\b{u}\b", "you", out, flags=re.I)
    if re.match(rf"{u}\s", text, re.I):  # "lena is going kayaking with her cousin" -> "… your cousin" (drive 15)
        out = re.sub(r"\b(?:her|his)\b", lambda m: m.group(0) if re.search(r"[A-Z]", out[1:m.start()]) else "your", out)
    return out[:1].upper() + out[1:] if out != text else out


def about_user(memory: str, user: str) -> bool:
    """`memory` has the user as its subject ("omar is vegan.", not "omar's sister Laila is vegan.")."""
    return to_you(memory, user).startswith("You ")


def format_memory(m: dict | str, user: str | None = None) -> str:
    """'- 8 May 2023: text' (the date when known), the text said to `user` when given (`to_you`)."""
    text = to_you(memory_text(m), user) if user else memory_text(m)
    day = format_date(m.get("date")) if isinstance(m, dict) else None
    return f"- {day}: {text}" if day else f"- {text}"


# The memories' header. The bare 0.5B once said a message back and went on with it ("I'm 41 now, had my birthday on
# Monday. [What you remember about me, use only if relevant:", drive 13): generation stops there.
MEMORY_HEAD = "[What you remember about me"


def held_at_memory_head(deltas: Iterator[str]) -> Iterator[str]:
    """`deltas` without the memories' header: text from a "[" is held back while it could still become the header,
    dropped if it does (or the stream ends inside it), passed on as soon as it cannot."""
    held = ""
    for delta in deltas:
        held += delta
        at = held.find("[")
        if at >= 0 and held[at:].startswith(MEMORY_HEAD):
            if held[:at]:
                yield held[:at]
            return
        if at >= 0 and MEMORY_HEAD.startswith(held[at:]):
            out, held = held[:at], held[at:]  # could still become the header: wait
        else:
            out, held = held, ""
        if out:
            yield out
    if held and not MEMORY_HEAD.startswith(held):
        yield held


def without_memory_head(text: str) -> str:
    """`text` up to the memories' header it went on with (streamed until the whole header stopped it)."""
    at = text.find(MEMORY_HEAD[:9])  # "[What you"
    return text[:at].rstrip() if at >= 0 else text


def final_message(user: str, memories: list, message: str) -> str:
    """The user's own words first, then what is remembered about them as a bracketed note, each memory said to them
    (`to_you`) and dated (none: no note). On the bare 0.5B this form greeted back and acknowledged statements where
    "Memories: … Message: …" first made it refuse small talk ("I don't know that yet") and echo statements word for
    word (7 probe messages)."""
    if not memories:
        return message
    shown = "\n".join(format_memory(m, user) for m in memories)
    return f"{message}\n\n{MEMORY_HEAD}, use only if relevant:\n{shown}]"


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
                   limit: int | None = None, top_k: int = TOP_K, previous: list[dict] | None = None) -> list[dict]:
    """[system, opening] + the user's messages of the newest whole turns of `history` within `budget` tokens + the
    user's message of `previous` (the exchange a "Tell me more." goes on with, when it fits) + the final user
    message (memories, deduplicated and dated, then `message`). `limit` bounds the whole prompt (the model's context
    minus the reply's tokens): memories are dropped, last first, then the message is cut, so that one huge message
    still fits."""
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
    previous = in_prompt(turns_of(previous)[-1]) if previous else []
    cost = sum(count(m["content"]) + MESSAGE_OVERHEAD for m in previous)
    if room is not None and cost > room - count(final):
        previous, cost = [], 0
    allowance = budget if room is None else min(budget, room - count(final) - cost)
    kept: list[list[dict]] = []
    for turn in reversed(turns_of(history)):
        n = turn_tokens(turn, count)
        if n > allowance:
            break
        allowance -= n
        kept.insert(0, in_prompt(turn))
    if kept and kept[-1] == previous:  # history already ends with it
        previous = []
    return [{"role": "system", "content": system}, {"role": "assistant", "content": opening(user)},
            *(m for t in kept for m in t), *previous, {"role": "user", "content": final}]


def stream_reply(engine, message: str, memories: list, history: list[dict], *, user: str,
                 today: date | str | None = None, max_tokens: int = MAX_TOKENS,
                 budget: int = HISTORY_BUDGET, previous: list[dict] | None = None,
                 barred: set[str] | None = None) -> Iterator[str]:
    """Text deltas of the reply (adapter "reply"; the bare base when none is loaded), with `barred` words kept out.
    Closing the iterator stops generation after the current token."""
    messages = build_messages(message, memories, history, user=user, today=today, count_tokens=engine.count_tokens,
                              budget=budget, limit=engine.context_length - max_tokens, previous=previous)
    text = ""
    stream = engine.stream(messages, adapter="reply", max_tokens=max_tokens, temperature=0.0, stop=[MEMORY_HEAD],
                           barred=sorted(barred) if barred else None)
    try:
        for delta in without_date_lead(held_at_memory_head(stream)):
            text += delta
            yield delta
            if (_SENTENCE_END.search(delta) and drop_repeats(text) != text.strip()) or _loop_at(text) is not None:
                return  # greedy decoding fell into a loop: a sentence or a long phrase came back (small bases)
    finally:
        stream.close()


DATE_LEAD = re.compile(r"^[\s\-]*\d{1,2} [A-Z][a-z]+ \d{4}\s*:\s*")  # "2 December 2026: " copied from a memory line


def without_date_lead(deltas: Iterator[str]) -> Iterator[str]:
    """`deltas` without a leading "8 May 2023: " (the bare 0.5B began "When does Mikko start university?" with the
    memory's date line: "2 December 2026: Your son Mikko starts …"). Only a reply that starts with a digit is held
    back, until its first colon, line end or 30 characters, so other replies stream from their first token."""
    held, passing, trim = "", False, False
    for delta in deltas:
        if passing:
            if trim:  # the space after a dropped date
                delta = delta.lstrip()
                trim = not delta
            if delta:
                yield delta
            continue
        held += delta
        lead = held.lstrip(" -\n")
        if not lead or (lead[0].isdigit() and not re.search(r"[:\n]", lead) and len(lead) < 30):
            continue
        passing, kept = True, DATE_LEAD.sub("", held)
        trim = kept != held and not kept
        if kept:
            yield kept
    if not passing and held:
        yield held


SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?]+|\n+|$)")
_SENTENCE_END = re.compile(r"[.!?\n]")


LOOP_WORDS = 8  # a run of this many words said twice is a loop ("… a language that is used in many other
# languages, and it is also a language that is used in many other languages, and …" to "Why?", bare 0.5B)
_WORD = re.compile(r"\S+")


def _loop_at(text: str) -> int | None:
    """Where the first run of LOOP_WORDS words that repeats an earlier run starts its second time, else None."""
    words = list(_WORD.finditer(text))
    seen = set()
    for i in range(len(words) - LOOP_WORDS + 1):
        key = tuple(normalize_text(w.group()) for w in words[i:i + LOOP_WORDS])
        if key in seen:
            return words[i].start()
        seen.add(key)
    return None


def drop_repeats(text: str) -> str:
    """`text` up to the first sentence (of 3+ words) that repeats an earlier one, and before a phrase of LOOP_WORDS
    words said a second time (ended with a full stop), stripped."""
    seen, out = set(), []
    for piece in SENTENCE.findall(text):
        key = normalize_text(piece)
        if len(key.split()) >= 3 and key in seen:
            break
        seen.add(key)
        out.append(piece)
    text = "".join(out).strip()
    if (at := _loop_at(text)) is not None:
        text = re.sub(r"(?:[\s,;:\-\u2014]+(?:and|or|but|so))?[\s,;:\-\u2014]*$", "", text[:at].rstrip())
        text = text + "." if text and text[-1] not in ".!?" else text
    return text
