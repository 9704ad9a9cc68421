"""Relative dates in a message, written as the absolute date they mean on the session day.

"I moved to Leeds last year" said on 1 December 2026 -> "I moved to Leeds during 2025" (form "replace", what the
extract prompt shows) or "... last year (2025)" (form "mark"). The extract prompt asks the model to turn relative
dates into absolute ones; the 0.5B adapter got the arithmetic wrong ("in 2026"), so the prompt now carries the answer
and the model only has to copy it. Only phrases whose date is certain are rewritten. A week, a weekend or a weekday
said relative to the session day is written relative to its date, in LoCoMo's form ("last Friday" -> "the Friday
before 23 January 2022", "this weekend" -> "the weekend of 24 June 2022"): which day "last week" was is not
certain, the week it means is. The extract prompt's worked example teaches that form too, but the bare base left
"last week", "last Friday" or "this weekend" in 15 of the 484 memories it wrote for conv-42 (26th session's store),
and the answers to "When did …?" then gave the session's date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from .parsing import format_date
from .passing import last_message
from .words import content_words

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10, "a": 1, "a couple of": 2}
_AGO = "|".join(sorted(_NUMBERS, key=len, reverse=True))
_NOT_MARKED = r"(?![\w-])(?!\s*\()"  # a whole word, not already followed by "(…)"
WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
MONTH_NAMES = "january|february|march|april|may|june|july|august|september|october|november|december"
_PHRASES = re.compile(
    r"\b(?:(?P<daybefore>the day before yesterday)|(?P<yesterday>yesterday)|(?P<tomorrow>tomorrow)"
    r"|(?P<rel>last|this|next) (?P<unit>year|month)"
    r"|(?P<wrel>last|this|next) (?P<span>weekend|week)"
    rf"|(?P<drel>last|next) (?P<weekday>{WEEKDAYS})"
    rf"|(?P<n>\d{{1,2}}|{_AGO}) (?P<agounit>years?|months?|weeks?|days?) ago)" + _NOT_MARKED,
    re.IGNORECASE)


def session_day(when) -> date | None:
    """The session's calendar day from a date, datetime or any string `format_date` reads; None when unknown."""
    if isinstance(when, datetime):
        return when.date()
    if isinstance(when, date):
        return when
    text = format_date(when)
    if not text:
        return None
    try:
        return datetime.strptime(text, "%d %B %Y").date()
    except ValueError:
        return None


def month_shift(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _meaning(m: re.Match, day: date) -> str:
    if m["daybefore"]:
        return format_date(day - timedelta(days=2))
    if m["yesterday"]:
        return format_date(day - timedelta(days=1))
    if m["tomorrow"]:
        return format_date(day + timedelta(days=1))
    if m["wrel"]:
        side = {"last": "before", "this": "of", "next": "after"}[m["wrel"].lower()]
        return f"the {m['span'].lower()} {side} {format_date(day)}"
    if m["drel"]:
        side = {"last": "before", "next": "after"}[m["drel"].lower()]
        return f"the {m['weekday'].capitalize()} {side} {format_date(day)}"
    if m["rel"]:
        step = {"last": -1, "this": 0, "next": 1}[m["rel"].lower()]
        if m["unit"].lower() == "year":
            return str(day.year + step)
        return f"{month_shift(day, step):%B %Y}"
    n = m["n"].lower()
    n = int(n) if n.isdigit() else _NUMBERS[n]
    if m["agounit"].lower().startswith("day"):
        return format_date(day - timedelta(days=n))
    if m["agounit"].lower().startswith("week"):  # which week, as LoCoMo says it ("two weeks before 9 June 2023")
        return f"the week before {format_date(day)}" if n == 1 else f"{m['n'].lower()} weeks before {format_date(day)}"
    if m["agounit"].lower().startswith("year"):
        return str(day.year - n)
    return f"{month_shift(day, -n):%B %Y}"


_ANCHORED = re.compile(rf"\b(?:the (?:weekend|week|{WEEKDAYS})|(?:\d{{1,2}}|{_AGO}) weeks) (?:before|after|of) "
                       r"(?P<date>\d{1,2} [A-Z][a-z]+ \d{4})\b", re.IGNORECASE)


def anchored_phrases(text: str) -> list[tuple[str, str]]:
    """(phrase, date) of each week, weekend or weekday written relative to a date in `text`, as `mark_relative_dates`
    writes them: "… the Friday before 23 January 2022." -> [("the Friday before 23 January 2022", "23 January
    2022")]."""
    return [(m.group(0), m["date"]) for m in _ANCHORED.finditer(text or "")]


WHEN = re.compile(r"^\W*when\b", re.I)  # a question a date answers


def phrases_by_date(question: str, texts: list[str]) -> dict[str, str]:
    """For each date that `texts` anchor a phrase on ("23 january 2022", lower case), the phrase of the text that holds
    most of `question`'s content words (the first of equals): what a "When …?" answer giving that date means
    (`answer.dated_answer`, `reply_dates.as_anchored`)."""
    asked, best = content_words(question), {}
    for i, text in enumerate(texts):
        for phrase, on in anchored_phrases(text):
            key = (len(asked & content_words(text)), -i, phrase)
            best[on.lower()] = max(best.get(on.lower(), key), key)
    return {day: key[2] for day, key in best.items()}


_PREPOSITION = re.compile(r"\b(?:since|until|till|from|by|of|before|after|in|on|for)\s*$", re.IGNORECASE)


def _absolute(m: re.Match, day: date) -> str:
    meaning = _meaning(m, day)
    if " before " in meaning or meaning.startswith("the "):  # "the week before 1 December 2026" for "last week"
        return meaning
    if _PREPOSITION.search(m.string[:m.start()]):
        return meaning  # "since last year" -> "since 2025"
    if meaning.isdigit():  # a year: "in 2025" came back as "in 2026" from the 0.5B adapter; "during 2025" did not
        return f"during {meaning}"
    return f"{'on' if meaning[0].isdigit() else 'in'} {meaning}"


def _capital_as(said: str, text: str) -> str:
    return text[:1].upper() + text[1:] if said[:1].isupper() else text


def mark_relative_dates(text: str, when, form: str = "mark") -> str:
    """`text` with each certain relative date followed by its absolute date in brackets (form "mark": "last year
    (2025)"), or replaced by it (form "replace": "in 2025", "on 30 November 2026"); unchanged when the session day
    is unknown or the form is "none". Marking is idempotent: a phrase already followed by "(" is left as it is."""
    day = session_day(when)
    if day is None or not text or form == "none":
        return text
    if form == "replace":
        return _PHRASES.sub(lambda m: _capital_as(m.group(0), _absolute(m, day)), text)
    return _PHRASES.sub(lambda m: f"{m.group(0)} ({_meaning(m, day)})", text)


_SESSION = re.compile(r"^Session date: (?P<date>[^\n]+)\n")


def fact_dates_absolute(fact: str, prompt: str) -> str:
    """`fact` with each relative date it still says written as the date it means on the session day that the extract
    `prompt` is headed by ("Session date: …"), as the prompt writes the turns'. The adapter wrote back a "last week"
    the turns said as "the week before 21 January 2022" ("Nate won his first video game tournament last week."): the
    example's "last week" and not the turns', so the fact was dropped as a copy of it (2 of 99 held-out conv-42
    windows, thirty-fourth session)."""
    head = _SESSION.match(prompt)
    return mark_relative_dates(fact, head["date"].strip(), "replace") if head else fact

_MONTH = rf"(?P<{{0}}>{MONTH_NAMES})"
_ASKED = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}}) {_MONTH.format('m1')},? (?P<y1>\d{{4}})"  # 1 May, 2022
    rf"|{_MONTH.format('m2')} (?P<d2>\d{{1,2}}),? (?P<y2>\d{{4}})"  # May 1, 2022
    rf"|{_MONTH.format('m3')},? (?P<y3>\d{{4}})"  # May 2022
    r"|(?P<y4>(?:19|20)\d\d))\b", re.IGNORECASE)
_MONTHS = {m: i for i, m in enumerate(MONTH_NAMES.split("|"), 1)}
DAY_WINDOW = (1, 7)  # a day asked about: sessions from the day before to a week after ("yesterday", "last week")
MONTH_WINDOW = 7  # a month asked about: its sessions and a week either side


def asked_period(text: str) -> tuple[date, date] | None:
    """The days a question's first absolute date covers, with room for sessions that mention it later ("What did
    Nate make on 9 November, 2022?" -> 8 .. 16 November 2022; "in June 2022" -> 24 May .. 7 July; "in 2023" -> the
    year); None when it names no date."""
    m = _ASKED.search(text or "")
    if not m:
        return None
    try:
        if m["y4"]:
            return date(int(m["y4"]), 1, 1), date(int(m["y4"]), 12, 31)
        if m["m3"]:
            first = date(int(m["y3"]), _MONTHS[m["m3"].lower()], 1)
            last = month_shift(first, 1) - timedelta(days=1)
            return first - timedelta(days=MONTH_WINDOW), last + timedelta(days=MONTH_WINDOW)
        day = (date(int(m["y1"]), _MONTHS[m["m1"].lower()], int(m["d1"])) if m["d1"]
               else date(int(m["y2"]), _MONTHS[m["m2"].lower()], int(m["d2"])))
    except ValueError:  # 31 February
        return None
    return day - timedelta(days=DAY_WINDOW[0]), day + timedelta(days=DAY_WINDOW[1])


# A date the message said, left out of its one fact: "Next month I'm going to Lisbon with my friend Mei." (shown as "In
# January 2027 I'm going …") gave "hana is going to Lisbon with hana's friend Mei." (extract-chat, thirty-sixth
# session's hana drive), so "When am I going to Lisbon?" had nothing to answer from. For one chat message with one
# date and one fact that names no date and shares two words with the date's clause, the date is put back at the
# fact's end. So is a weekday habit: "Every Saturday I go climbing with my friend Tom." gave "ines goes climbing with
# ines's friend Tom." (thirty-seventh session's ines drive), and "What do I do on Saturdays?" found nothing. A fact
# with the weekday said as a plural has its date ("… a choir on Tuesdays on Tuesdays.", forty-third session's sofia).
_SAID_DATE = re.compile(
    rf"\b(?:(?:in|on|during|since|by|until|from)\s+)?(?:the (?:weekend|week|{WEEKDAYS}) (?:before|after|of) )?"
    rf"(?:\d{{1,2}} )?(?:{MONTH_NAMES}) \d{{4}}\b|\b(?:in|during|since)\s+(?:19|20)\d\d\b"
    rf"|\b(?:every (?:{WEEKDAYS})|on (?:{WEEKDAYS})s)(?: (?:morning|afternoon|evening|night)s?)?\b", re.IGNORECASE)
_HAS_DATE = re.compile(rf"\b(?:(?:19|20)\d\d|{MONTH_NAMES}|(?:{WEEKDAYS})s?|today|tonight|tomorrow|yesterday)\b"
                       r"|\b(?:next|last|this) (?:week|weekend|month|year)\b", re.IGNORECASE)


def with_said_date(facts: list[str], given: str) -> list[str]:
    """`facts` of the chat message that ends `given` (the extract prompt's text, relative dates already written as
    dates), with the message's one date put back at the end of its one fact when the fact names none (the comment
    above); otherwise unchanged."""
    who, message = last_message(given)
    dates = _SAID_DATE.findall(message)
    if len(facts) != 1 or len(dates) != 1 or _HAS_DATE.search(facts[0]):
        return facts
    clause = next((c for c in re.split(r"[,;]|\band\b|\bbut\b", message) if dates[0] in c), message)
    if len(content_words(clause) & content_words(facts[0]) - content_words(who)) < 2:
        return facts  # the date is of another clause: "I've lived in Berlin since 2019 and I love it."
    said = dates[0][:1].lower() + dates[0][1:] if re.match(r"(?:in|on|during|since|by|until|from|the|every)\b",
                                                           dates[0], re.I) else dates[0]
    return [f"{facts[0].rstrip().rstrip('.!')} {said}."]


_SAME_DAY = re.compile(r"\b(?:(?:earlier|later) )?(?:today|tonight|this (?:morning|afternoon|evening))\b(?!['’])", re.I)


def said_day_dated(facts: list[str], given: str) -> list[str]:
    """`facts` of one chat message with "today", "tonight", "this morning" … written as the day the extract prompt
    `given` is headed by ("kwame's flight got cancelled on 6 December 2026."): stored as said, a memory kept saying
    "this morning" on every later day (fortieth session's kwame). The reply says it as "today" again on that day
    (`reply_dates.as_of_today`)."""
    head = _SESSION.match(given)
    return [_SAME_DAY.sub(f"on {head['date'].strip()}", f) for f in facts] if head else facts
