"""Worked-example leaks: output text that came from a prompt's example, not from what the user gave.

Small models copy their prompt's examples ("Tim loves hiking." from the example's "Anna loves hiking.").
An output leaks when it names a person or place that only the example names, or repeats a pair of
content words ("loves hiking", "pottery class") that the example has and the given text does not. Ops whose
outputs are a few words (answer: `LEAK_WORDS = True`) also count one such word: the 0.5B answer adapter said
"Hiking" (the example's "Anna loves hiking.") to 5 of 40 conv-42 questions whose memories never mention it.
Used by every eval (counted) and by extract at run time (the fact is dropped)."""

from __future__ import annotations

import re

_STOP = set("""a an the to in on at of and or for with from by as is are was were be been being has have had do does
did i you he she it we they my your his her its our their me him them this that these those not no yes so but if
then than there here what who whom whose when where why how which all any some one two also just very really too
about after before again into over under up down out off only own same can could will would should may might must
shall am i'm it's don't didn't isn't let let's new fact facts memories memory question session date reply answer
null event id text json only know""".split())
_MONTHS = set("january february march april may june july august september october november december".split())
_WORD = re.compile(r"[a-z0-9']+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    return {(a, b) for a, b in zip(words, words[1:]) if a not in _STOP and b not in _STOP}


def example_text(examples: list[dict]) -> str:
    return "\n".join(m["content"] for m in examples)


def find_leaks(output: str, example: str, given: str, system: str = "", words: bool = False) -> list[str]:
    """What of `output` comes from `example` and not from `given` (the user's input) nor the `system` text.
    `words`: also single content words (4+ letters) that only the example has."""
    if not example or not output:
        return []
    own = set(_words(given)) | set(_words(system))
    names = {w.lower() for w in re.findall(r"\b[A-Z][a-z]+\b", example)} - _STOP - _MONTHS - own
    out_words = _words(output)
    leaks = sorted({w.removesuffix("'s") for w in out_words if w.removesuffix("'s") in names})  # "Anna's mum"
    pairs = (_pairs(out_words) & _pairs(_words(example))) - _pairs(_words(given))
    leaks += [" ".join(p) for p in sorted(pairs) if not set(p) <= own]
    if words:
        only = {w for w in _words(example) if len(w) >= 4 and w not in _STOP and w not in _MONTHS} - own
        leaks += sorted({w for w in out_words if w in only} - set(leaks))
    return leaks


def op_leaks(op, output: str, messages: list[dict]) -> list[str]:
    """Leaks of `output` for an op module (its EXAMPLE, SYSTEM_PROMPT and LEAK_WORDS) given the prompt's final user
    text."""
    examples = getattr(op, "EXAMPLE", [])
    return find_leaks(output, example_text(examples), messages[-1]["content"], getattr(op, "SYSTEM_PROMPT", ""),
                      words=getattr(op, "LEAK_WORDS", False))
