"""Answer: question + retrieved memories (with date and speaker) -> a short answer, or a fixed refusal."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .parsing import format_date

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

_FIRST_PERSON = re.compile(r"\bI\b|\b(?:me|my|mine|myself)\b", re.I)
_PREFIX = re.compile(r"^\s*(?:answer|a)\s*[:\-]\s*", re.I)


def format_memory(m: dict | str) -> str:
    """'- 8 May 2023, Caroline: text' (date and speaker only when known)."""
    if isinstance(m, str):
        return f"- {' '.join(m.split())}"
    text = " ".join(str(m.get("text") or m.get("memory") or "").split())
    head = ", ".join(x for x in (format_date(m.get("date")), m.get("speaker")) if x)
    return f"- {head}: {text}" if head else f"- {text}"


def build_messages(question: str, memories: list[dict], asker: str | None = None) -> list[dict]:
    """Chat messages for the answer adapter (shared with distillation: same text). `asker` names who asks a
    first-person question ("Question from alex: Where do I live?"); other questions keep LoCoMo's format."""
    shown = "\n".join(format_memory(m) for m in memories) or "(none)"
    head = f"Question from {asker}" if asker and _FIRST_PERSON.search(question) else "Question"
    user = f"Memories:\n{shown}\n\n{head}: {' '.join(question.split())}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, *EXAMPLE, {"role": "user", "content": user}]


def clean_answer(text: str) -> str:
    """First non-empty line, without 'Answer:' prefixes or wrapping quotes; empty -> UNKNOWN_ANSWER."""
    line = next((ln for ln in str(text or "").splitlines() if ln.strip()), "")
    line = _PREFIX.sub("", line).strip().strip('"\'`').strip()
    return line or UNKNOWN_ANSWER


def answer_question(engine, question: str, memories: list[dict], *, max_tokens: int = 32,
                    asker: str | None = None) -> str:
    """Short answer from `memories`; no memories -> UNKNOWN_ANSWER without a model call."""
    if not memories:
        return UNKNOWN_ANSWER
    out = engine.generate(build_messages(question, memories, asker), adapter="answer", max_tokens=max_tokens,
                          temperature=0.0, stop=STOP)
    return clean_answer(out)


def stream_answer(engine, question: str, memories: list[dict], *, max_tokens: int = 32,
                  asker: str | None = None) -> Iterator[str]:
    """Raw text deltas of the answer (for live display); pass the joined text to `clean_answer`."""
    if not memories:
        yield UNKNOWN_ANSWER
        return
    yield from engine.stream(build_messages(question, memories, asker), adapter="answer", max_tokens=max_tokens,
                             temperature=0.0, stop=STOP)
