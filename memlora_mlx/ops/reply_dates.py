"""A reply to "When …?" that gives the date a memory shown anchors a week, weekend or weekday on says that memory's
phrase instead (`reply_checks.final_reply`): asked "When did I run my half marathon?" with "kofi ran his first half
marathon the Sunday before 4 December 2026." shown, the 0.5B answered "You ran your half marathon on December 4,
2026." (twenty-seventh session's drive, "kofi"): the day the memory was learned, not the day it tells. The answer op's
`answer.dated_answer` does the same for a date given alone.

`as_of_today` puts a date the reply shares with today back as the user said it ("the week after 5 December 2026"
said on 5 December 2026 is "next week")."""

from __future__ import annotations

import re
from datetime import date, timedelta

from .dates import WEEKDAYS, WHEN, phrases_by_date, session_day
from .parsing import format_date
from .reply import memory_text

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(r"\b(?:[Oo]n\s+)?(?:the\s+)?"
                   rf"(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTHS}),?\s+(?P<y1>\d{{4}})"
                   rf"|(?P<m2>{_MONTHS})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}}))\b")


def _day(m: re.Match) -> str:
    d, mon, y = (m["d1"], m["m1"], m["y1"]) if m["d1"] else (m["d2"], m["m2"], m["y2"])
    return f"{int(d)} {mon} {y}"


def as_anchored(reply: str, message: str, memories: list) -> str:
    """`reply` with a date that a memory shown anchors a phrase on ("the Sunday before 4 December 2026") put as that
    phrase, when `message` asks "When …?" and the reply does not say the phrase already. Of several such memories,
    the one holding most of the message's words."""
    if not WHEN.match(message):
        return reply
    phrases = phrases_by_date(message, [memory_text(m) for m in memories])
    if not phrases or any(p.lower() in reply.lower() for p in phrases.values()):
        return reply

    def anchored(m: re.Match) -> str:
        found = phrases.get(_day(m).lower())
        if not found:
            return m.group(0)
        opens = m.group(0)[:1].isupper() or not reply[:m.start()].strip() or reply[:m.start()].rstrip()[-1] in ".!?"
        return found[:1].upper() + found[1:] if opens else found

    return _DATE.sub(anchored, reply)


_SIDE = {"after": "next", "before": "last", "of": "this"}


def as_of_today(reply: str, today: date | str | None) -> str:
    """`reply` with the phrases a memory's date was written as (`dates.mark_relative_dates`) said relative to `today`
    when they are anchored on it: "the week after 5 December 2026" -> "next week", "the Friday before …" -> "last
    Friday"; and today, the day before and the day after as "today", "yesterday", "tomorrow" (thirty-seventh
    session's farid heard "You start a new job as a librarian the week after 5 December 2026." on 5 December)."""
    day = session_day(today) if today else None
    if not day or not reply:
        return reply

    def relative(m: re.Match) -> str:
        if m["side"] == "of" and m["unit"] not in ("week", "weekend"):  # "the Friday of …" is no phrase of ours
            return m.group(0)
        word = _SIDE[m["side"]]
        return f"{word.capitalize() if m['the'] == 'The' else word} {m['unit']}"

    reply = re.sub(rf"\b(?P<the>[Tt]he) (?P<unit>weekend|week|(?i:{WEEKDAYS})) (?P<side>after|before|of) "
                   rf"{re.escape(format_date(day))}\b", relative, reply)
    names = {format_date(day + timedelta(days=k)): w for k, w in ((0, "today"), (-1, "yesterday"), (1, "tomorrow"))}
    days = "|".join(re.escape(d) for d in names)

    def named(m: re.Match) -> str:
        before = reply[:m.start()].rstrip()
        opens = m["on"] == "On" or (not m["on"] and (not before or before[-1] in ".!?"))
        return names[m["day"]].capitalize() if opens else names[m["day"]]

    # not a date a phrase is anchored on ("the week after 4 December 2026" said on the 5th stays as it is)
    return re.sub(rf"(?<!before )(?<!after )(?<!of )\b(?:(?P<on>[Oo]n) )?(?P<day>{days})\b", named, reply)
