"""Relative dates marked in the extract prompt, and a reply's copied date line dropped."""

from datetime import date

import pytest

from memlora_mlx.ops import answer, extract
from memlora_mlx.ops.dates import anchored_phrases, asked_period, mark_relative_dates, session_day
from memlora_mlx.ops.reply import without_date_lead
from memlora_mlx.types import Turn


@pytest.mark.parametrize("text, when, marked", [
    ("I moved to Leeds last year.", "2026-12-01", "I moved to Leeds last year (2025)."),
    ("Next month I start.", "2026-12-01", "Next month (January 2027) I start."),
    ("We met this month.", "1:56 pm on 8 May, 2023", "We met this month (May 2023)."),
    ("I went last month.", "8 January, 2023", "I went last month (December 2022)."),
    ("Yesterday and tomorrow.", date(2024, 3, 1), "Yesterday (29 February 2024) and tomorrow (2 March 2024)."),
    ("the day before yesterday", "2026-12-01", "the day before yesterday (29 November 2026)"),
    ("two years ago, 3 months ago", "2026-12-01", "two years ago (2024), 3 months ago (September 2026)"),
    ("next year", "2026-12-01", "next year (2027)"),
])
def test_relative_dates_are_marked_with_their_absolute_date(text, when, marked):
    assert mark_relative_dates(text, when) == marked


@pytest.mark.parametrize("text", ["It lasted years.", "lastyear", "I'm here today.", "See you this Friday.",
                                  "We go at weekends.", "the last weekday"])
def test_uncertain_or_absent_relative_dates_are_left_alone(text):
    assert mark_relative_dates(text, "2026-12-01") == text


def test_marking_is_idempotent_and_needs_a_known_day():
    once = mark_relative_dates("I moved last year.", "2026-12-01")
    assert mark_relative_dates(once, "2026-12-01") == once
    assert mark_relative_dates("I moved last year.", None) == "I moved last year."
    assert mark_relative_dates("I moved last year.", "the summer") == "I moved last year."
    assert session_day("2023-05-08") == date(2023, 5, 8) and session_day("someday") is None


def test_extract_prompt_carries_the_absolute_date():
    messages = extract.build_messages([Turn("nora", "I moved to Leeds last year.")], "2026-12-01",
                                      context=[Turn("nora", "Yesterday was my birthday.")])
    final = messages[-1]["content"]
    assert "nora: I moved to Leeds during 2025." in final
    assert "nora: On 30 November 2026 was my birthday." in final
    assert "2025" not in "".join(m["content"] for m in messages[:-1])  # the static, cached prefix is unchanged


@pytest.mark.parametrize("text, replaced", [
    ("I moved to Leeds last year.", "I moved to Leeds during 2025."),
    ("We've been here since last year.", "We've been here since 2025."),
    ("My sister got married yesterday.", "My sister got married on 30 November 2026."),
    ("We're moving next month.", "We're moving in January 2027."),
    ("I quit two years ago, not last week.", "I quit during 2024, not the week before 1 December 2026."),
    # the thirty-ninth session's kwame: "kwame lives in Liverpool two weeks ago." was stored, and said back weeks on
    ("We moved to Liverpool two weeks ago.", "We moved to Liverpool two weeks before 1 December 2026."),
    ("A week ago I quit, 3 days ago I left.", "The week before 1 December 2026 I quit, on 28 November 2026 I left."),
])
def test_relative_dates_can_be_replaced_by_their_absolute_date(text, replaced):
    assert mark_relative_dates(text, "2026-12-01", "replace") == replaced
    assert mark_relative_dates(text, "2026-12-01", "none") == text


@pytest.mark.parametrize("text, replaced", [
    ("I printed it last Friday!", "I printed it the Friday before 23 January 2022!"),
    ("Last week I went hiking.", "The week before 23 January 2022 I went hiking."),
    ("I'll make it for my family this weekend.", "I'll make it for my family the weekend of 23 January 2022."),
    ("Party next weekend, then next Monday and next week.",
     "Party the weekend after 23 January 2022, then the Monday after 23 January 2022 and the week after 23 January "
     "2022."),
    ("Busy since last weekend", "Busy since the weekend before 23 January 2022"),
])
def test_a_week_weekend_or_weekday_is_written_relative_to_the_session_date(text, replaced):
    """LoCoMo's form, which its temporal answers use ("The Friday before 23 January, 2022")."""
    assert mark_relative_dates(text, "1:56 pm on 23 January, 2022", "replace") == replaced
    marked = mark_relative_dates(text, "1:56 pm on 23 January, 2022")
    assert "(the " in marked and mark_relative_dates(marked, "2022-01-23") == marked


@pytest.mark.parametrize("deltas, shown", [
    (["2", " December", " 2026", ":", " Your", " son", " starts in September."], "Your son starts in September."),
    (["- ", "8 May", " 2023: ", "Yes, Maria is a pilot."], "Yes, Maria is a pilot."),
    (["3 cups", " of flour, then bake it for forty minutes."], "3 cups of flour, then bake it for forty minutes."),
    (["12"], "12"),
    (["On 2 December 2026: you said so."], "On 2 December 2026: you said so."),
    (["Your", " son"], "Your son"),
])
def test_a_reply_does_not_begin_with_a_memory_date_line(deltas, shown):
    assert "".join(without_date_lead(iter(deltas))) == shown


def test_a_reply_that_does_not_start_with_a_digit_streams_from_its_first_token():
    seen = []

    def deltas():
        for d in ["Hello", " there", "!"]:
            seen.append(d)
            yield d

    stream = without_date_lead(deltas())
    assert next(stream) == "Hello" and seen == ["Hello"]


@pytest.mark.parametrize("question, period", [
    ("What did Nate make on 9 November, 2022?", (date(2022, 11, 8), date(2022, 11, 16))),
    ("What game did he recommend on November 7, 2022?", (date(2022, 11, 6), date(2022, 11, 14))),
    ("What event is Nate organizing in June 2022?", (date(2022, 5, 25), date(2022, 7, 7))),
    ("How many times has Melanie gone to the beach in 2023?", (date(2023, 1, 1), date(2023, 12, 31))),
    ("What did Nate make last week?", None),
    ("What happened on 31 February, 2022?", None),
])
def test_the_period_a_question_asks_about(question, period):
    assert asked_period(question) == period


MEMORIES = [{"text": "zed printed his first screenplay the Friday before 23 January 2022.", "date": "2022-01-23",
             "speaker": "zed"},
            {"text": "zed dyed his hair purple the week before 23 January 2022.", "date": "2022-01-23"},
            {"text": "zed moved to Leeds on 2 May 2021.", "date": "2022-01-23"}]


@pytest.mark.parametrize("question, said, final", [
    ("When did zed dye his hair?", "23 January 2022", "the week before 23 January 2022"),
    ("When did zed print his screenplay?", "On 23 January 2022.", "the Friday before 23 January 2022"),
    ("When did zed move to Leeds?", "2 May 2021", "2 May 2021"),  # no phrase anchored on that date
    ("When did zed dye his hair?", "24 January 2022", "24 January 2022"),
    ("When did zed dye his hair?", "purple, 23 January 2022", "purple, 23 January 2022"),  # not only a date
    ("What did zed do on 23 January 2022?", "23 January 2022", "23 January 2022"),  # not a "When" question
    ("When did zed dye his hair?", "23 January, 2022", "the week before 23 January 2022"),  # LoCoMo's comma
    ("When did zed dye his hair?", "2022", "the week before 23 January 2022"),  # a year: that year's best memory
    ("When did zed print his screenplay?", "In 2022.", "the Friday before 23 January 2022"),
    ("When did zed move to Leeds?", "2022", "2022"),  # its memory anchors no phrase
    ("When did zed move to Leeds?", "2021", "2021"),  # no memory of that year
    ("What did zed dye purple?", "2022", "2022"),
])
def test_a_date_answer_takes_the_phrase_its_memory_anchors_on_that_date(question, said, final):
    assert answer.final_answer(said, answer.build_messages(question, MEMORIES)) == final


def test_the_answer_prompt_shows_a_memorys_relative_date_as_the_date_it_means():
    """conv-42 (thirty-fifth session): LoCoMo's observations say "last week"; the answer adapter gave "2022"."""
    crashed = {"text": "zed's laptop crashed last week.", "date": "2022-09-14", "speaker": "zed"}
    messages = answer.build_messages("When did zed's laptop crash?", [crashed, MEMORIES[2]])
    shown = "- 14 September 2022, zed: zed's laptop crashed the week before 14 September 2022."
    assert shown in messages[-1]["content"]
    assert answer.final_answer("2022", messages) == "the week before 14 September 2022"
    assert answer.format_memory({"text": "zed's laptop crashed last week."}) == "- zed's laptop crashed last week."


def test_anchored_phrases_are_found_as_mark_relative_dates_writes_them():
    text = mark_relative_dates("I printed it last Friday and party next weekend.", "2022-01-23", "replace")
    assert anchored_phrases(text) == [("the Friday before 23 January 2022", "23 January 2022"),
                                      ("the weekend after 23 January 2022", "23 January 2022")]
    assert anchored_phrases("the week of the party") == []
    moved = mark_relative_dates("We moved two weeks ago.", "2022-01-23", "replace")
    assert anchored_phrases(moved) == [("two weeks before 23 January 2022", "23 January 2022")]


def test_a_relative_date_the_extract_adapter_writes_back_is_stored_as_the_date_it_means():
    """conv-42 (thirty-fourth session): the turn said "the week before 21 January 2022" in the prompt, the adapter
    wrote "last week" again, and the fact was dropped as a copy of the worked example's "last week"."""
    messages = extract.build_messages([Turn("Nate", "I won my first video game tournament last week!"),
                                       Turn("Joanna", "Congrats! I moved to Boston last year.")], "2022-01-21")
    out = '{"facts": ["Nate won his first video game tournament last week.", "Joanna moved to Boston last year."]}'
    assert extract.kept_facts(out, messages, ["Nate", "Joanna"]) == [
        "Nate won his first video game tournament the week before 21 January 2022.", "Joanna moved to Boston during 2021."]
    copied = '{"facts": ["Nate started a pottery class last week."]}'  # the example's own fact is still dropped
    assert extract.kept_facts(copied, messages, ["Nate", "Joanna"]) == []
