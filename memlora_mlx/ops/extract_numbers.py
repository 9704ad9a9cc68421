"""Numbers in an extracted fact that the turns never said: "lena's brother Jonas is getting married in 2027 in 1000."
from "My brother Jonas is getting married next month in Bergen." (reaching the adapter as "… in January 2027 in
Bergen.", twenty-seventh session's drive 15), "lena's book club meets on the 4th." from "My book club meets this
Thursday" said on 4 December. Relative dates are written into the turns before extraction (`dates.py`), so a number
a fact may hold is in the turns; the session date of the prompt's header counts only as the whole date ("on 5 October
2022" for "today")."""

from __future__ import annotations

import re

from .words import NUMBER_WORDS, TENS

_WORD_VALUES = {**{w: str(i) for i, w in enumerate(NUMBER_WORDS)}, **{w: str(10 * i) for i, w in enumerate(TENS, 2)}}
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_HEADER = re.compile(r"^Session date: (?P<date>[^\n]+)\n")


def invented_numbers(fact: str, given: str) -> list[str]:
    """The numbers of `fact` that `given` (an extract prompt's user message: header and turns) does not say; a
    number of the header's date counts as said only within that whole date; a number word of the turns ("two", "forty")
    says its digits."""
    head = _HEADER.match(given)
    turns = given[head.end():] if head else given
    if head:
        day = head["date"].strip()
        fact = fact.replace(day, " ")
        fact = fact.replace(day.split(" ", 1)[-1], " ")  # "in October 2022"
    said = set(_NUMBER.findall(turns)) | {_WORD_VALUES[w] for w in re.findall(r"[a-z]+", turns.lower())
                                          if w in _WORD_VALUES}  # "two cats" -> "2 cats"
    return [n for n in _NUMBER.findall(fact) if n not in said]
