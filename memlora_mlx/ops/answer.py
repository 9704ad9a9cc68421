"""Answer: question + retrieved memories (with date and speaker) -> a short answer, or a fixed refusal."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .dates import WHEN, anchored_phrases, mark_relative_dates, phrases_by_date
from .leaks import example_text, find_leaks
from .parsing import format_date
from .person import third_person
from .whose import answered_elsewhere, elsewhere
from .words import content_words

UNKNOWN_ANSWER = "I don't know"

SYSTEM_PROMPT = (
    "Answer the question using only the memories, in a few words, no explanation. Use the memory "
    f"dates for questions about time. If the memories do not answer it, reply: {UNKNOWN_ANSWER}"
)
# Worked examples as chat turns (static, cached with the system prompt): a refusal, then an answer.
# Order matters for a 135M model: with the refusal last, the bare base refused 39 of 40 held-out LoCoMo
# questions (token F1 0.08); with the answer last, 11 of 40 (F1 0.22).
EXAMPLE = [
    {"role": "user", "content": "Memories:\n- Anna loves hiking.\n\nQuestion: What is Anna's job?"},
    {"role": "assistant", "content": UNKNOWN_ANSWER},
    {"role": "user", "content": "Memories:\n- 8 May 2023: John moved to Paris.\n- Anna loves hiking.\n\n"
                                "Question: Where does John live?"},
    {"role": "assistant", "content": "Paris"},
]
STOP = ["\n"]
LEAK_WORDS = True  # answers are a few words: one word of the example ("Hiking") is a leak (ops/leaks.py)

_PREFIX = re.compile(r"^\s*(?:answer|a)\s*[:\-]\s*", re.I)
_BARE_DATE = re.compile(r"^(?:on\s+)?(\d{1,2}) ([A-Z][a-z]+),? (\d{4})\W*$", re.I)
_BARE_YEAR = re.compile(r"^(?:in\s+)?(\d{4})\W*$", re.I)
_DATE_HEAD = re.compile(r"^- (\d{1,2} [A-Z][a-z]+ \d{4})[,:]")  # a memory line of `format_memory` with a date
_DATED_SPEAKER = re.compile(r"^- [^,:]+, ([^,:]+): (.+)$")  # a memory line of `format_memory` with date and speaker


def format_memory(m: dict | str) -> str:
    """'- 8 May 2023, Caroline: text' (date and speaker only when known). A relative date in the text is written as
    the date it means on the memory's day ("crashed last week" -> "crashed the week before 14 September 2022",
    `dates.mark_relative_dates`): the answer adapter gave "2022" to 14 of conv-42's 40 temporal questions whose
    memory said "last week" or "last Friday" (thirty-fifth session). The store's memories already read so."""
    if isinstance(m, str):
        return f"- {' '.join(m.split())}"
    text = mark_relative_dates(" ".join(str(m.get("text") or m.get("memory") or "").split()), m.get("date"), "replace")
    head = ", ".join(x for x in (format_date(m.get("date")), m.get("speaker")) if x)
    return f"- {head}: {text}" if head else f"- {text}"


def build_messages(question: str, memories: list[dict], asker: str | None = None) -> list[dict]:
    """Chat messages for the answer adapter (shared with distillation: same text). A first-person question
    is put in the third person about `asker` first, the form of LoCoMo's questions."""
    shown = "\n".join(format_memory(m) for m in memories) or "(none)"
    q = third_person(question, asker) if asker else " ".join(question.split())
    user = f"Memories:\n{shown}\n\nQuestion: {q}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, *EXAMPLE, {"role": "user", "content": user}]


def clean_answer(text: str) -> str:
    """First non-empty line, without 'Answer:' prefixes or wrapping quotes; empty -> UNKNOWN_ANSWER."""
    line = next((ln for ln in str(text or "").splitlines() if ln.strip()), "")
    line = _PREFIX.sub("", line).strip().strip('"\'`').strip()
    return line or UNKNOWN_ANSWER


def example_leaks(answer: str, messages: list[dict]) -> list[str]:
    """Words of `answer` that only the worked example has, not the memories and question given (ops/leaks.py)."""
    return find_leaks(answer, example_text(EXAMPLE), messages[-1]["content"], SYSTEM_PROMPT, words=LEAK_WORDS)


def dated_answer(answer: str, messages: list[dict]) -> str:
    """A "When …?" answer that is only a date which a memory shown anchors a week, weekend or weekday on becomes that
    memory's phrase: "23 January 2022" -> "the Friday before 23 January 2022" when a memory says "… printed it the
    Friday before 23 January 2022". The 0.5B answers with the date a memory is headed by (its session's), which is
    not the day of what "last Friday" told (27th session: 4 of 4 such questions asked by `memlora ask`). Of several
    such memories, the one holding most of the question's words. An answer that is only a year ("2022", as LoCoMo's
    training answers often are) becomes the phrase of that year's memory holding most of the question's words, when
    that memory anchors one."""
    shown, _, question = messages[-1]["content"].rpartition("\nQuestion: ")
    if not WHEN.match(question):
        return answer
    if date := _BARE_DATE.match(answer.strip()):
        on = f"{int(date.group(1))} {date.group(2)} {date.group(3)}"  # "05 August, 2022" -> "5 August 2022"
        return phrases_by_date(question, shown.splitlines()).get(on.lower(), answer)
    if year := _BARE_YEAR.match(answer.strip()):
        asked, best = content_words(question), None
        for i, line in enumerate(shown.splitlines()):
            head = _DATE_HEAD.match(line)
            if head and head.group(1).endswith(year.group(1)):
                key = (len(asked & content_words(line)), -i)
                best = max(best or (key, line), (key, line))
        phrases = anchored_phrases(best[1]) if best else []
        return phrases[0][0] if phrases else answer
    return answer


def asked_of_another(messages: list[dict]) -> str | None:
    """The person whose memory shown fits the question better than any of the person it names (`whose.elsewhere`):
    LoCoMo's adversarial questions ask about one speaker what the other did ("What did Nate make for one of the
    ladies at his writing club?" shown "Joanna made a cute little bookmark for one of the ladies at her writing
    club."). The answer adapter answers 11 of 12 such questions on conv-42's first 60 (thirty-third session)."""
    shown, _, question = messages[-1]["content"].rpartition("\nQuestion: ")
    lines = [m.groups() for m in map(_DATED_SPEAKER.match, shown.splitlines()) if m]
    return elsewhere(question, lines)


def answer_of_another(answer: str, messages: list[dict]) -> str | None:
    """The person whose memory shown holds the answer's words (by half of them more than any memory of the person the
    question names: `whose.answered_elsewhere`): an adversarial question the question's words do not give away. On
    conv-26/30/41's questions it refused 9 more adversarial ones and no answerable one the adapter answered right
    (forty-third session; the rule chosen on them with ten memories shown, where it refused 11 and 1)."""
    shown, _, question = messages[-1]["content"].rpartition("\nQuestion: ")
    lines = [m.groups() for m in map(_DATED_SPEAKER.match, shown.splitlines()) if m]
    return answered_elsewhere(question, answer, lines)


def final_answer(text: str, messages: list[dict]) -> str:
    """`clean_answer`, and the refusal when the answer came from the worked example: it is not in the memories,
    so the op does not know (the bare 0.5B answered "Paris" to 7 of conv-42's 260 questions), or when the question
    names one person and another's memory fits it better (`asked_of_another`) or holds the answer
    (`answer_of_another`); a date answer in the form its memory gives it (`dated_answer`)."""
    ans = clean_answer(text)
    if example_leaks(ans, messages) or asked_of_another(messages):
        return UNKNOWN_ANSWER
    ans = dated_answer(ans, messages)
    return UNKNOWN_ANSWER if answer_of_another(ans, messages) else ans


def answer_question(engine, question: str, memories: list[dict], *, max_tokens: int = 32,
                    asker: str | None = None) -> str:
    """Short answer from `memories`; no memories, or a question another person's memory answers
    (`asked_of_another`) -> UNKNOWN_ANSWER without a model call."""
    if not memories:
        return UNKNOWN_ANSWER
    messages = build_messages(question, memories, asker)
    if asked_of_another(messages):
        return UNKNOWN_ANSWER
    out = engine.generate(messages, adapter="answer", max_tokens=max_tokens, temperature=0.0, stop=STOP)
    return final_answer(out, messages)


def stream_answer(engine, question: str, memories: list[dict], *, max_tokens: int = 32,
                  asker: str | None = None) -> Iterator[str]:
    """The answer for live display, as one piece: it is a few words, and the example-leak check of
    `final_answer` needs all of them before anything is shown."""
    yield answer_question(engine, question, memories, max_tokens=max_tokens, asker=asker)


def answer_context(hits: list[dict]) -> list[dict]:
    """Search results -> memories for the answer prompt: text, date (session date, else created), speaker."""
    out = []
    for h in hits:
        src = h.get("source") or {}
        out.append({"text": h["memory"], "date": src.get("session_date") or (h.get("created_at") or "")[:10] or None,
                    "speaker": src.get("speaker")})
    return out
