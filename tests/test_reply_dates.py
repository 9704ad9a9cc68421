"""A reply to "When …?" says the week, weekend or weekday a memory anchors on a date, not that date (drive 14)."""

import pytest

from memlora_mlx.ops import reply_checks as C
from memlora_mlx.ops.reply_dates import as_anchored, as_of_today

MARATHON = {"text": "kofi ran his first half marathon the Sunday before 4 December 2026.", "date": "2026-12-04"}
DENTIST = {"text": "kofi has a dentist appointment the Tuesday after 4 December 2026.", "date": "2026-12-04"}
MOVED = {"text": "kofi moved to Accra on 2 May 2021.", "date": "2026-12-04"}


@pytest.mark.parametrize("reply, final", [
    ("You ran your half marathon on December 4, 2026.",
     "You ran your half marathon the Sunday before 4 December 2026."),
    ("On the 4th of December 2026 you ran it!", "The Sunday before 4 December 2026 you ran it!"),
    ("4 December 2026.", "The Sunday before 4 December 2026."),
    ("You ran it the Sunday before 4 December 2026.", "You ran it the Sunday before 4 December 2026."),  # said already
    ("You ran it on 5 December 2026.", "You ran it on 5 December 2026."),  # no memory anchors that date
])
def test_the_date_a_memory_anchors_becomes_its_phrase(reply, final):
    assert as_anchored(reply, "When did I run my half marathon?", [MOVED, MARATHON]) == final


def test_of_two_phrases_on_one_date_the_memory_with_the_question_s_words_wins():
    said = "You have it on December 4, 2026."
    assert as_anchored(said, "When is my dentist appointment?", [MARATHON, DENTIST]) == \
        "You have it the Tuesday after 4 December 2026."
    assert as_anchored(said, "When did I run my half marathon?", [DENTIST, MARATHON]) == \
        "You have it the Sunday before 4 December 2026."


@pytest.mark.parametrize("message", ["Did I run a half marathon?", "What did I do on 4 December 2026?"])
def test_only_a_when_question_is_answered_with_the_phrase(message):
    said = "You ran your half marathon on December 4, 2026."
    assert as_anchored(said, message, [MARATHON]) == said


def test_the_drive_14_reply_as_the_user_sees_it():
    text, made_up = C.final_reply("I ran my half marathon on December 4, 2026.", "When did I run my half marathon?",
                                  [MARATHON], "kofi", today="2026-12-11")
    assert (text, made_up) == ("You ran your half marathon the Sunday before 4 December 2026.", [])


JOB = {"text": "farid starts a new job as a librarian the week after 5 December 2026.", "date": "2026-12-05"}


@pytest.mark.parametrize("reply, today, shown", [
    ("You start it the week after 5 December 2026.", "2026-12-05", "You start it next week."),
    ("The weekend of 5 December 2026 you hike.", "2026-12-05", "This weekend you hike."),
    ("You met her the Friday before 5 December 2026.", "2026-12-05", "You met her last Friday."),
    ("You ran on 5 December 2026, and you rest on 6 December 2026.", "2026-12-05",
     "You ran today, and you rest tomorrow."),
    ("On 4 December 2026 you ran.", "2026-12-05", "Yesterday you ran."),
    ("You start it the week after 4 December 2026.", "2026-12-05", "You start it the week after 4 December 2026."),
    ("You start it the week after 5 December 2026.", "2026-12-09", "You start it the week after 5 December 2026."),
    ("You start it the week after 5 December 2026.", None, "You start it the week after 5 December 2026."),
])
def test_a_date_anchored_on_today_is_said_as_the_user_says_it(reply, today, shown):
    assert as_of_today(reply, today) == shown


def test_farid_s_new_job_on_the_day_he_told_it():
    # thirty-seventh session: "What I remember: You start a new job as a librarian the week after 5 December 2026."
    draft = "I'm sorry, but I can't assist with that."
    text, _ = C.final_reply(draft, "What's my new job?", [JOB], "farid", today="2026-12-05")
    assert text == "What I remember: You start a new job as a librarian next week."
    assert C.final_reply(draft, "What's my new job?", [JOB], "farid", today="2026-12-20")[0] == \
        "What I remember: You start a new job as a librarian the week after 5 December 2026."
