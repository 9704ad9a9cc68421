"""Extract: recent conversation turns -> short, self-contained third-person facts.

Target output: {"facts": ["Caroline moved to Paris the week before 8 May 2023.", ...]}
"""

from __future__ import annotations

import logging
import re

from ..types import Turn
from .dates import fact_dates_absolute, mark_relative_dates, said_day_dated, with_said_date
from .extract_numbers import invented_numbers
from .extract_remarks import remark_swapped
from .fact_text import fact_key, goes_on_from, said_once
from .message_facts import set_right
from .leaks import example_text, find_leaks
from .parsing import as_text, format_date, get_key, normalize_text, parse_json
from .passing import SPEAKER_LINE, lasting
from .person import about
from .said_by import CLAUSE, given_to_sayer
from .words import HABIT, content_words

log = logging.getLogger(__name__)

# Static prefix (system prompt + one worked example as chat turns) so the engine caches its KV; kept
# short since every token costs CPU time. The example turns teach the format even to the bare base model.
SYSTEM_PROMPT = (
    "Extract facts worth remembering about the speakers from the conversation: their life, plans, "
    "preferences, relationships and events. Write each fact as one short sentence that starts with "
    "the speaker's name. Turn relative dates into absolute ones using the session date. Skip "
    "greetings and small talk. Reply with JSON only."
)
EXAMPLE = [
    {"role": "user", "content": "Session date: 8 May 2023\n\nJohn: I started a pottery class last week!\n"
                                "Anna: Nice, I love hiking."},
    {"role": "assistant", "content": '{"facts": ["John started a pottery class the week before 8 May 2023.", '
                                     '"Anna loves hiking."]}'},
]
STOP = ["]}"]  # end of the facts list; the parser repairs the missing brackets
CHAT_ADAPTER = "extract-chat"  # one chat message at a time (`adapter_for`)

JSON_SCHEMA = {
    "type": "object",
    "properties": {"facts": {"type": "array", "items": {"type": "string"}}},
    "required": ["facts"],
}

MAX_FACT_CHARS = 300
MAX_FACTS = 50
_FACT_KEYS = ("facts", "fact", "memories", "memory", "items", "results")
_ITEM_KEYS = ("fact", "text", "memory", "content")
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+(.+)$")


def format_turn(turn: Turn) -> str:
    text = " ".join((turn.text or "").split())
    if turn.caption:
        text = f"{text} [shares a photo: {' '.join(turn.caption.split())}]".strip()
    return f"{turn.speaker}: {text}"


# Relative dates in the turns are replaced by what they mean on the session day ("last year" -> "during 2025",
# `dates.mark_relative_dates`): the adapter wrote the wrong year ("in 2026") or none from the bare or the marked form
# ("last year (2025)"); eight dated messages, eighteenth session: 0/8 bare, 1/8 marked, 8/8 replaced ("during"
# chosen on three of the eight: "in 2025" gave "in 2026" there). Compound probe unchanged: 22/25 facts, 9/12 whole.
DATE_FORM = "replace"
CONTEXT_HEAD = "Earlier, already remembered:"
NEW_HEAD = "New:"


def build_messages(turns: list[Turn], session_date: str | None, context: list[Turn] | None = None) -> list[dict]:
    """Chat messages for the extract adapter (shared with distillation: same text). `context`: earlier turns of the
    same chat, shown so that "She's called Bean." after "I just adopted a puppy." can be resolved; their facts are
    already stored and are not to be extracted again (the chat's follow-up examples teach that). Relative dates
    are replaced by their absolute date ("last year" -> "during 2025", `DATE_FORM`)."""
    def line(t: Turn) -> str:
        return mark_relative_dates(format_turn(t), session_date, DATE_FORM)

    lines = [line(t) for t in turns]
    date = format_date(session_date)
    head = f"Session date: {date}\n\n" if date else ""
    if context:
        head += f"{CONTEXT_HEAD}\n" + "\n".join(line(t) for t in context) + f"\n\n{NEW_HEAD}\n"
    return [{"role": "system", "content": SYSTEM_PROMPT}, *EXAMPLE, {"role": "user", "content": head + "\n".join(lines)}]


def _items(value) -> list | None:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, dict):
        found = get_key(value, *_FACT_KEYS)
        if found is not None:
            return _items(found)
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) == 1:  # wrong key, but one obvious list
            return lists[0]
    return None


def parse_facts(text) -> tuple[list[str], list[str]]:
    """(facts, rejects): each item is judged alone, so one bad item never loses the others. Never raises."""
    rejects: list[str] = []
    items = _items(parse_json(text))
    if not items:
        # No usable JSON: accept a bullet / numbered list, a common small-model habit.
        bullets = [m.group(1) for line in str(text or "").splitlines() if (m := _BULLET.match(line))]
        if bullets:
            items = bullets
        elif items is None:
            if str(text or "").strip():
                rejects.append(f"no JSON facts list in output: {str(text)[:80]!r}")
            return [], rejects
    facts: list[str] = []
    numbers: list[int] = []  # each fact's item number
    seen: set[str] = set()
    for i, item in enumerate(items):
        if isinstance(item, dict):
            item = get_key(item, *_ITEM_KEYS)
        fact = as_text(item)
        fact = said_once(fact) if fact else fact
        if fact is None:
            rejects.append(f"item {i}: not a non-empty string ({type(item).__name__})")
        elif len(fact) < 3:
            rejects.append(f"item {i}: too short: {fact!r}")
        elif len(fact) > MAX_FACT_CHARS:
            rejects.append(f"item {i}: longer than {MAX_FACT_CHARS} chars")
        elif fact_key(fact) in seen:  # "noor teaches maths …" and "noor is teaching maths …"
            rejects.append(f"item {i}: duplicate: {fact!r}")
        elif len(facts) >= MAX_FACTS:
            rejects.append(f"item {i}: more than {MAX_FACTS} facts")
        else:
            seen.add(fact_key(fact))
            facts.append(fact)
            numbers.append(i)
    keys = [normalize_text(f) for f in facts]
    for i, fact, key in zip(numbers, list(facts), keys):
        if goes_on_from(key, keys):  # "… got cancelled." beside "… got cancelled this morning."
            rejects.append(f"item {i}: said again at more length: {fact!r}")
            facts.remove(fact)
    return facts, rejects


_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"\s*[,\]]')


def _repeats(text: str) -> bool:
    """True once the output lists a fact it already listed (small models loop under greedy decoding)."""
    items = [normalize_text(m) for m in _QUOTED.findall(text.split("[", 1)[-1])] if "[" in text else []
    return len(items) != len(set(items))


def adapter_for(engine, turns: list[Turn], whole: bool = True) -> str | None:
    """The adapter for `turns`: "extract-chat", when loaded, for one message said on its own (`whole`: not the last
    turn of a longer window; the chat, `memlora add`, `memlora ingest`'s turn-at-a-time; docs/distillation.md §7),
    else "extract" — or None (the bare base) for several turns when "extract" was trained on single messages only
    (`"inputs": "message"`, before the twenty-eighth session)."""
    configs = getattr(engine, "adapter_configs", None) or {}
    if len(turns) == 1 and whole and CHAT_ADAPTER in configs:
        return CHAT_ADAPTER
    return None if len(turns) > 1 and (configs.get("extract") or {}).get("inputs") == "message" else "extract"


def _facts_of(out: str, messages: list[dict], turns: list[Turn], adapter: str | None) -> list[str]:
    """`kept_facts`; of one chat message, none passing ("dara had a long day."), "today" as the day's date and its one
    date on its one fact, set right against the message (`message_facts.set_right`)."""
    facts, given = kept_facts(out, messages, [t.speaker for t in turns]), messages[-1]["content"]
    if adapter != CHAT_ADAPTER:
        return facts
    return set_right(with_said_date(said_day_dated(lasting(facts, given), given), given), turns[-1].text,
                     turns[-1].speaker)


def extract_facts(engine, turns: list[Turn], session_date: str | None, *, max_tokens: int = 256,
                  context: list[Turn] | None = None, whole: bool = True) -> list[str]:
    """Run the extract adapter (`adapter_for`) on `turns` (`context`: earlier turns, not mined); stops early on a
    repeated fact; rejects are logged, never raised. When every fact of the adapter was dropped (`kept_facts`), one of
    them for a number nobody said ("… getting married in 2027 in 1000."), the bare base is asked once."""
    if not turns:
        return []
    messages, adapter = build_messages(turns, session_date, context), adapter_for(engine, turns, whole)
    while True:
        out = ""
        for delta in engine.stream(messages, adapter=adapter, max_tokens=max_tokens, temperature=0.0,
                                   json_schema=JSON_SCHEMA, stop=STOP):
            out += delta
            if any(c in delta for c in '",]') and _repeats(out):
                log.info("extract: stopped a repeating list after %d chars", len(out))
                break
        facts, given = _facts_of(out, messages, turns, adapter), messages[-1]["content"]
        if facts or adapter is None or not any(invented_numbers(f, given) for f in parse_facts(out)[0]):
            return facts
        log.info("extract: the adapter's facts were dropped, one for a number nobody said; the base model tries")
        adapter = None


def extract_many(engine, jobs: list[tuple], *, max_tokens: int = 256) -> list[list[str]]:
    """`extract_facts` for each job (turns, session date, context[, whole]), decoded together per adapter
    (`Engine.generate_batch`): the same facts, in less time on a CPU. One list of facts per job, in order."""
    jobs = [(*j, True) if len(j) == 3 else tuple(j) for j in jobs]
    out: list[list[str]] = [[] for _ in jobs]
    groups: dict[str | None, list[int]] = {}
    for i, (turns, _, _, whole) in enumerate(jobs):
        if turns:
            groups.setdefault(adapter_for(engine, turns, whole), []).append(i)
    for adapter, idx in groups.items():
        if len(idx) == 1:  # a chat message: streamed, as before
            turns, day, context, whole = jobs[idx[0]]
            out[idx[0]] = extract_facts(engine, turns, day, max_tokens=max_tokens, context=context, whole=whole)
            continue
        messages = [build_messages(*jobs[i][:3]) for i in idx]
        texts = engine.generate_batch(messages, adapter=adapter, max_tokens=max_tokens, json_schema=JSON_SCHEMA,
                                      stop=STOP, until=_repeats)
        for i, m, text in zip(idx, messages, texts):
            out[i] = _facts_of(text, m, jobs[i][0], adapter)
    return out


def unsaid(fact: str, given: str) -> bool:
    """True when `fact` shares no content word (ops/words.py) with the turns `given` but a speaker's
    name: "dana is a woman." from "dana: Hi! I'm Dana." (the 0.5B adapter, twenty-first session's chat drive) says
    what nobody said. A fact that keeps one word of what was said ("sam is exhausted today.") is kept."""
    names = set().union(*(content_words(n) for n in SPEAKER_LINE.findall(given)))
    return not (content_words(fact) & content_words(given)) - names


_QUOTE = re.compile(r"\s*(?:said|says|wrote|writes)?\s*:")


def in_third_person(fact: str, speakers: list[str]) -> str:
    """A fact that starts with a speaker's name, with that speaker's own "I", "me", "my" and "our" said about them
    (`person.about`; "we" stays, it may mean others too): the 0.5B copies turns ("oksana's partner Ilse and I keep
    bees on our allotment." -> "oksana's partner Ilse and oksana keep bees on oksana's allotment."; LoCoMo: "Nate …
    but my turtles always cheer me up.").
    A quote marked as theirs ("Kim said: I …", "Joanna: my …") and other facts are unchanged."""
    for name in sorted({s for s in speakers if s}, key=len, reverse=True):
        m = re.match(rf"{re.escape(name)}(?:'s)?\b", fact, re.I)
        if m and not _QUOTE.match(fact, m.end()):  # "Kim said: I water …" is marked as her words: kept
            rest = re.sub(r"^['\u2019](?=\s)", "'s", fact[m.end():])  # "ines' son" -> "ines's son", as read back
            return fact[:m.end()] + about(rest, fact[:len(name)], we=False)
    return fact


_HE_SHE = re.compile(r"^\s*(?:he|she)(?:['\u2019](?:s|ll|d))?\b(?!['\u2019])", re.I)  # "he", "she's", "he'll"


def pronoun_subjects(facts: list[str], given: str, speakers: list[str]) -> list[str]:
    """Facts the 0.5B gave to the speaker that their turn said of someone else by "she"/"he", given to that person:
    "My daughter Zara is six and she just started ballet." -> "priyanka's daughter Zara is six." and "priyanka just
    started ballet." (twenty-fourth session's drive) -> "priyanka's daughter Zara just started ballet.". Only when
    the fact's words come from a clause whose subject is "she"/"he" (two content words or more in common) and the
    other facts of the output name exactly one person of the speaker's ("priyanka's daughter Zara")."""
    out = list(facts)
    for name in {s for s in speakers if s}:
        own = re.compile(rf"{re.escape(name)}\b(?!')", re.I)
        people = {m.group(0) for f in facts
                  if (m := re.match(rf"(?i:{re.escape(name)})'s (?:[a-z]+ ){{1,2}}[A-Z][a-z]+\b", f))}
        said = _said_by(given, name)
        if len(people) != 1 or not said:
            continue
        clauses = [c for c in CLAUSE.split(said) if c.strip()]
        for i, f in enumerate(out):
            m = own.match(f)
            words = content_words(f[m.end():]) if m else set()
            best = max(clauses, key=lambda c: len(words & content_words(c)), default="")
            if m and len(words & content_words(best)) >= 2 and _HE_SHE.match(best):
                out[i] = next(iter(people)) + f[m.end():]
    return out


def _said_by(given: str, name: str) -> str:
    """What `name` says in the new turns of an extract prompt's user message."""
    return " ".join(ln.split(":", 1)[1] for ln in given.split(f"\n{NEW_HEAD}\n")[-1].splitlines()
                    if ln.lower().startswith(name.lower() + ":"))


_USED_TO = re.compile(r"\bused to\b", re.I)
_IRREGULAR = {"be": "is", "have": "has", "do": "does", "go": "goes"}


def _present(verb: str) -> str:
    """Third person singular of a verb's base form ("live" -> "lives", "teach" -> "teaches")."""
    v = verb.lower()
    if v in _IRREGULAR:
        return _IRREGULAR[v]
    if re.search(r"(?:s|sh|ch|x|z|o)$", v):
        return verb + "es"
    return verb[:-1] + "ies" if re.search(r"[^aeiou]y$", v) else verb + "s"


def used_to_where_said(facts: list[str], given: str, speakers: list[str]) -> list[str]:
    """A speaker's fact in "used to" whose words come from a clause that did not say it, in the present: "I used to
    live in Bristol, but we moved to Cardiff two years ago." -> "priyanka used to live in Cardiff." (twenty-fourth
    session's drive) -> "priyanka lives in Cardiff.". Only when the speaker said "used to" in another clause and the
    fact's words after its verb are in clauses without it, none with it."""
    out = list(facts)
    for name in {s for s in speakers if s}:
        clauses = [c for c in CLAUSE.split(_said_by(given, name)) if c.strip()]
        if not any(_USED_TO.search(c) for c in clauses):
            continue
        form = re.compile(rf"^({re.escape(name)}) used to ([a-z]+)\b", re.I)
        for i, f in enumerate(out):
            m = form.match(f)
            words = content_words(f[m.end():]) if m else set()
            shared = [bool(_USED_TO.search(c)) for c in clauses if words & content_words(c)]
            if words and shared and not any(shared):
                out[i] = f"{m.group(1)} {_present(m.group(2))}{f[m.end():]}"
    return out


_IT_IS = re.compile(r"\bit(?: is|'s|\u2019s) (\w+)", re.I)


def own_it_is(facts: list[str], given: str, speakers: list[str]) -> list[str]:
    """A speaker's "I'm lactose intolerant" written "it is" in their fact, given back to them: "I can't drink milk
    because I'm lactose intolerant." -> "tariq can't drink milk because it is lactose intolerant." (twenty-fifth
    session's drive) -> "... because tariq is lactose intolerant.". Only a fact whose subject is the speaker (not
    "tariq's flat ..."), where the word after "it is" follows the speaker's "I'm"/"I am" and no "it is" of theirs."""
    out = list(facts)
    for name in {s for s in speakers if s}:
        said = _said_by(given, name)

        def theirs(m: re.Match) -> str:
            w = re.escape(m.group(1))
            mine = re.search(rf"\bI(?:'m|\u2019m| am) {w}\b", said, re.I)
            its = re.search(rf"\bit(?: is|'s|\u2019s) {w}\b", said, re.I)
            return f"{name} is {m.group(1)}" if mine and not its else m.group(0)

        out = [_IT_IS.sub(theirs, f) if re.match(rf"{re.escape(name)}\b(?!['\u2019])", f, re.I) else f for f in out]
    return out


# Past forms and modals that follow "I" unchanged in a fact ("bea went …", "bea can …"); "-ed" forms are past too.
_NOT_PRESENT = frozenset("""am can could will would shall should may might must did was were had went got made took saw
came left met ran began bought brought thought told said found gave knew felt kept lost won wrote sent spent built paid
sold heard held led slept stood taught caught fell drove ate drank swam sang flew grew threw wore chose broke spoke woke
rode hid forgot became put set let cut hit hurt quit read""".split())


def own_verb_agreed(facts: list[str], given: str, speakers: list[str]) -> list[str]:
    """A speaker's "I hate coriander." copied as "bea hate coriander." (drive 12) -> "bea hates coriander.": the verb
    after the speaker's name, when they said it after "I" in the present (not "-ed", a past form or a modal)."""
    out = list(facts)
    for name in {s for s in speakers if s}:
        said = _said_by(given, name)
        theirs = {w.lower() for w in re.findall(rf"\bI {HABIT}([a-z]+)\b", said)}
        form = re.compile(rf"^({re.escape(name)} {HABIT})([a-z]+)\b", re.I)
        for i, f in enumerate(out):
            m = form.match(f)
            w = m.group(2) if m else ""
            if w.lower() in theirs and w.lower() not in _NOT_PRESENT and not w.lower().endswith("ed"):
                out[i] = f"{m.group(1)}{_present(w)}{f[m.end():]}"
    return out


_YOUR = re.compile(r"\byour\b", re.I)
_AGE = re.compile(r"\bI(?:'m|\u2019m| am) (\d{1,3})(?: years old)?(?: now)?\s*(?:[,.;!]|and\b|$)")


def own_age_and_your(facts: list[str], given: str, speakers: list[str]) -> list[str]:
    """A speaker's own age, "I'm 40 and I drive an old red Volvo." -> "ivo is 40 years old." when no fact has the
    number, and a "your" in a fact of theirs said for their "my" when they said no "you" ("I'm 41 now, had my birthday
    on Monday." gave only "ivo had your birthday on Monday."; drive 13)."""
    out = list(facts)
    for name in {s for s in speakers if s}:
        said = _said_by(given, name)
        if not re.search(r"\byou", said, re.I):
            out = [_YOUR.sub(f"{name}'s", f) if re.match(rf"{re.escape(name)}\b", f, re.I) else f for f in out]
        age = _AGE.search(said)
        if age and not any(re.search(rf"\b{age.group(1)}\b", f) for f in out):
            out.append(f"{name} is {age.group(1)} years old.")
    return out


def kept_facts(out: str, messages: list[dict], speakers: list[str] = ()) -> list[str]:
    """Parsed facts of one output, relative dates written absolute (`dates.fact_dates_absolute`), without those copied
    from the worked example, that say nothing the turns said (`unsaid`), a number they did not say (`extract_numbers`)
    or a remark's word as their object (`extract_remarks`); of two speakers the one whose words a fact holds
    (`said_by.given_to_sayer`), a "she"/"he" of a turn given back to whom it means (`pronoun_subjects`), a "used to" the
    turn did not say of it dropped (`used_to_where_said`), their "I'm" said as "it is" given back (`own_it_is`), their
    "I hate" copied as "bea hate" agreed (`own_verb_agreed`), their age if no fact has it and a "your" meant as their
    "my" (`own_age_and_your`), each in the third person (`in_third_person`); rejects are logged."""
    facts, rejects = parse_facts(out)
    for r in rejects:
        log.info("extract: rejected %s", r)
    example, given = example_text(EXAMPLE), messages[-1]["content"]
    facts = [fact_dates_absolute(f, given) for f in facts]  # a "last week" said back: the date it means
    kept = [f for f in facts if not find_leaks(f, example, given, SYSTEM_PROMPT)]
    if len(kept) < len(facts):
        log.info("extract: dropped %d fact(s) copied from the prompt's example", len(facts) - len(kept))
    said = [f for f in kept if not (unsaid(f, given) or invented_numbers(f, given) or remark_swapped(f, kept, given))]
    if len(said) < len(kept):
        log.info("extract: dropped %d fact(s) that say nothing the turns said, or a number", len(kept) - len(said))
    said = given_to_sayer(said, {n: _said_by(given, n) for n in dict.fromkeys(speakers) if n})
    facts = used_to_where_said(pronoun_subjects(said, given, speakers), given, speakers)
    facts = own_verb_agreed(own_it_is(facts, given, speakers), given, speakers)
    facts = own_age_and_your(facts, given, speakers)
    return [in_third_person(f, speakers) for f in facts]
