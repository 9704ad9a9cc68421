"""Parsers of model output: malformed, truncated, chatty, wrong-keyed output never raises and never loses good items."""

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memlora_mlx.ops import answer, extract, person, update
from memlora_mlx.ops.parsing import format_date, parse_json_object
from memlora_mlx.types import Turn


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"facts": ["a b c"]}', {"facts": ["a b c"]}),
        ('```json\n{"facts": ["x"]}\n```\nHope this helps!', {"facts": ["x"]}),
        ("```\n{\"event\": \"ADD\"}", {"event": "ADD"}),  # unclosed fence
        ('Sure! Here you go: {"event": "NONE", "id": 1} and also {"x": 2}', {"event": "NONE", "id": 1}),
        ('{"facts": ["one", "tw', {"facts": ["one", "tw"]}),  # truncated mid-string
        ('{"facts": ["a",, "b",]}', {"facts": ["a", "b"]}),  # trailing / double commas
        ("{'event': 'ADD', 'id': None}", {"event": "ADD", "id": None}),  # python-style quotes
        ('"facts": ["bare key"]', {"facts": ["bare key"]}),
        ('[{"event": "DELETE", "id": 0}]', {"event": "DELETE", "id": 0}),
        ('{"a": 1}}}}', {"a": 1}),
    ],
)
def test_parse_json_object_repairs(text, expected):
    assert parse_json_object(text) == expected


@pytest.mark.parametrize("text", ["", "no json here", "{{{", None, 42, "[1, 2, 3]", '["just", "strings"]'])
def test_parse_json_object_gives_none_for_non_objects(text):
    assert parse_json_object(text) is None


def test_format_date():
    assert format_date("1:56 pm on 8 May, 2023") == "8 May 2023"
    assert format_date("10:37 am on 27 June, 2023") == "27 June 2023"
    assert format_date("2023-05-08") == "8 May 2023"
    assert format_date("2023-05-08T10:00:00") == "8 May 2023"
    assert format_date("next spring") == "next spring"
    assert format_date(None) is None and format_date("  ") is None


# ---- extract ----

def test_parse_facts_keeps_good_items_and_rejects_bad_ones_individually():
    out = ('{"facts": ["Caroline moved to Paris.", 42, "", null, {"fact": "Melanie paints."}, ["nested"], '
           '"Caroline moved to Paris", "ok", "' + "x" * 400 + '", "Melanie has two kids."]}')
    facts, rejects = extract.parse_facts(out)
    assert facts == ["Caroline moved to Paris.", "Melanie paints.", "Melanie has two kids."]
    assert len(rejects) == 7
    assert any("int" in r for r in rejects) and any("duplicate" in r for r in rejects)
    assert any("longer than" in r for r in rejects) and any("too short" in r for r in rejects)


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"memories": ["A likes tea."]}', ["A likes tea."]),  # wrong key
        ('{"list_of_things": ["A likes tea."]}', ["A likes tea."]),  # unknown key, one list
        ('["A likes tea.", "B runs."]', ["A likes tea.", "B runs."]),  # bare list
        ('{"facts": "A likes tea."}', ["A likes tea."]),  # string instead of list
        ('{"facts": ["A likes tea.", "B ru', ["A likes tea.", "B ru"]),  # truncated at max_tokens
        ("Facts:\n- A likes tea.\n- B runs daily.\nDone", ["A likes tea.", "B runs daily."]),  # bullets
        ("1. A likes tea.\n2) B runs daily.", ["A likes tea.", "B runs daily."]),
        ('{"facts": [{"text": "A likes tea."}, {"content": "B runs."}]}', ["A likes tea.", "B runs."]),
        ('{"facts": []}', []),
        ('{"Facts": ["  A   likes\\n tea. "]}', ["A likes tea."]),  # key case, whitespace
    ],
)
def test_parse_facts_variants(text, expected):
    facts, _ = extract.parse_facts(text)
    assert facts == expected


def test_parse_facts_reports_garbage():
    facts, rejects = extract.parse_facts("I cannot help with that.")
    assert facts == [] and rejects and "no JSON" in rejects[0]


def test_extract_messages_static_system_and_resolved_date():
    turns = [Turn("Caroline", "I moved  to Paris last week!"), Turn("Melanie", "Wow", caption="a photo of a cake")]
    msgs = extract.build_messages(turns, "1:56 pm on 8 May, 2023")
    assert msgs[0] == {"role": "system", "content": extract.SYSTEM_PROMPT}
    assert msgs[1:-1] == extract.EXAMPLE
    assert msgs[-1]["content"] == ("Session date: 8 May 2023\n\n"
                                   "Caroline: I moved to Paris the week before 8 May 2023!\n"
                                   "Melanie: Wow [shares a photo: a photo of a cake]")
    assert "Session date" not in extract.build_messages(turns, None)[-1]["content"]


# ---- update ----

@pytest.mark.parametrize(
    "text, n, expected",
    [
        ('{"event": "ADD", "id": null, "text": "A likes tea."}', 2, update.Decision("ADD", None, "A likes tea.")),
        ('{"event": "UPDATE", "id": 1, "text": "A lives in Paris."}', 2, update.Decision("UPDATE", 1, "A lives in Paris.")),
        ('{"event": "update", "id": "1", "text": "m"}', 2, update.Decision("UPDATE", 1, "m")),  # case, str id
        ('{"action": "REMOVE", "memory_id": 0}', 2, update.Decision("DELETE", 0, None)),  # wrong keys, synonym
        ('{"event": "NONE", "id": 7}', 2, update.Decision("NONE", None, None)),  # bad id on NONE is harmless
        ('{"event": "NOOP"}', 2, update.Decision("NONE", None, None)),
        ('```json\n{"event": "DELETE", "id": 0, "text": null}\n``` The memory is outdated.', 1,
         update.Decision("DELETE", 0, None)),
        ('{"event": "UPDATE", "id": 0, "text": "A lives in Pa', 1, update.Decision("UPDATE", 0, "A lives in Pa")),
        ('{"memory": [{"id": "0", "text": "x", "event": "NONE"}, {"id": "1", "text": "y", "event": "UPDATE"}]}',
         2, update.Decision("UPDATE", 1, "y")),  # mem0 format
        ('{"event": "ADD", "id": 0, "text": 5}', 1, update.Decision("ADD", None, None)),  # non-string text
    ],
)
def test_parse_decision_variants(text, n, expected):
    assert update.parse_decision(text, n) == expected


@pytest.mark.parametrize(
    "text, n, reason",
    [
        ('{"event": "UPDATE", "id": 5, "text": "x"}', 2, "unknown id"),
        ('{"event": "DELETE", "id": -1}', 3, "unknown id"),
        ('{"event": "DELETE", "id": null}', 3, "without a valid id"),
        ('{"event": "UPDATE", "id": true, "text": "x"}', 3, "without a valid id"),
        ('{"event": "MERGE_ALL"}', 3, "unknown event"),
        ('{"id": 1}', 3, "unknown event"),
        ("no idea", 3, "no JSON"),
        ('{"event": "DELETE", "id": 0}', 0, "unknown id"),
    ],
)
def test_parse_decision_rejects_with_reason(text, n, reason, caplog):
    errors = []
    with caplog.at_level(logging.INFO, logger="memlora_mlx.ops.update"):
        assert update.parse_decision(text, n, errors) is None
    assert reason in errors[0] and reason in caplog.text


def test_decide_fast_paths_do_not_call_the_model():
    # engine=None: any model call would raise AttributeError.
    assert update.decide(None, "A likes tea.", []) == update.Decision("ADD", None, "A likes tea.")
    assert update.decide(None, "a likes TEA", ["B runs.", "A likes tea."]) == update.Decision("NONE", 1, None)


def test_update_messages_use_temporary_ids():
    msgs = update.build_messages("A lives in Rome.", ["A lives in Paris.", "A likes tea."])
    assert msgs[0]["content"] == update.SYSTEM_PROMPT
    assert msgs[-1]["content"] == "Memories:\n0: A lives in Paris.\n1: A likes tea.\n\nNew fact: A lives in Rome."


# ---- answer ----

def test_answer_messages_and_cleaning():
    msgs = answer.build_messages("Where does A live?", [{"text": "A lives in Paris.", "date": "2023-05-08",
                                                         "speaker": "A"}, {"text": "A likes tea."}])
    assert msgs[0]["content"] == answer.SYSTEM_PROMPT and msgs[1:-1] == answer.EXAMPLE
    assert msgs[-1]["content"] == "Memories:\n- 8 May 2023, A: A lives in Paris.\n- A likes tea.\n\nQuestion: Where does A live?"
    asked = answer.build_messages("Where do I live?", [{"text": "A lives in Paris.", "speaker": "A"}], asker="A")
    assert asked[-1]["content"] == "Memories:\n- A: A lives in Paris.\n\nQuestion: Where does A live?"
    third = answer.build_messages("Where does A live?", [{"text": "A lives in Paris."}], asker="A")
    assert third[-1]["content"].endswith("\n\nQuestion: Where does A live?")  # the trained format, unchanged
    assert person.third_person("What did Bo make for me?", "Al") == "What did Bo make for Al?"
    assert person.third_person("what is my job and am I paid?", "Al") == "What is Al's job and is Al paid?"
    assert person.third_person("Where does Bo live?", "Al") == "Where does Bo live?"
    assert person.third_person("Where do I live?", r"Dr \1") == r"Where does Dr \1 live?"  # name taken literally
    assert answer.clean_answer('Answer: "Paris"\nBecause the memory says so.') == "Paris"
    assert answer.clean_answer("\n\n  ") == answer.UNKNOWN_ANSWER
    assert answer.answer_question(None, "Where?", []) == answer.UNKNOWN_ANSWER  # no model call


# ---- fuzz: never raise on arbitrary model output ----

_json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.sampled_from(["facts", "event", "id", "text", "x"]), c, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), _json_like.map(repr), _json_like.map(lambda v: __import__("json").dumps(v)[:40])),
       st.integers(0, 5))
def test_parsers_never_raise(text, n):
    facts, rejects = extract.parse_facts(text)
    assert all(isinstance(f, str) and f for f in facts)
    d = update.parse_decision(text, n)
    assert d is None or (d.event in update.EVENTS and (d.index is None or 0 <= d.index < n))
    assert isinstance(answer.clean_answer(text), str)


def test_json_debris_at_fact_edges_is_stripped_and_deduplicated():
    from memlora_mlx.ops.extract import parse_facts

    facts, rejects = parse_facts('{"facts": ["Alex adopted a cat named Miso.", "]Alex adopted a cat named Miso.", "\\", Bob runs."]}')
    assert facts == ["Alex adopted a cat named Miso.", "Bob runs."]
    assert any("duplicate" in r for r in rejects)


def test_same_slot_finds_the_memory_a_change_makes_out_of_date():
    from memlora_mlx.ops.update import same_slot

    mems = ["hana's son Kai loves Lego.", "hana's sister Ruth lives in Oslo.", "hana's son Kai is nine.",
            "hana's friend Ruth lives next door."]
    assert same_slot("hana's son Kai turned ten on 3 December 2026.", mems) == 2
    assert same_slot("Kai just turned 10.", mems) == 2
    assert same_slot("hana's best friend Ruth moved to Stavanger last week.", mems) == 1  # the first Ruth who lives
    assert same_slot("hana moved to Bergen.", mems) is None  # "hana's sister Ruth lives" is not where hana lives
    assert same_slot("hana's son Kai turned into a great swimmer.", mems) is None
    assert same_slot("Nate moved to Boston in May 2022.", ["Nate has a turtle.", "Nate lived in Denver."]) == 1


def test_superseding_keeps_retractions_and_facts_that_change_nothing():
    from memlora_mlx.ops.update import Decision, superseding

    mems = ["Alex works as a nurse in Porto.", "Alex is 30."]
    delete, add = Decision("DELETE", 0), Decision("ADD", None, "x")
    assert superseding(delete, "Alex is now a teacher.", mems) == Decision("UPDATE", 0, "Alex is now a teacher.")
    assert superseding(delete, "Alex is no longer a nurse.", mems) == \
        Decision("DELETE", 0, "Alex is no longer a nurse.")  # a retraction: the DELETE stands, the fact is kept
    assert superseding(delete, "Nate doesn't see why not!", mems) == delete  # "not" alone: deleted, not kept
    assert superseding(delete, "Alex adopted a cat.", mems) == delete  # no change word: `check` decides
    assert superseding(add, "Alex turned 31 in May.", mems) == Decision("UPDATE", 1, "Alex turned 31 in May.")
    assert superseding(add, "Alex moved to Lisbon.", mems) == add  # no memory says where Alex lives


def test_an_update_that_keeps_nothing_of_its_memory_is_an_add():
    """kwame's drive (39th session): "I live in Manchester." UPDATEd "kwame is an electrician." and the job was lost."""
    from memlora_mlx.ops.update import Decision, to_decision

    fact, mems = "kwame lives in Manchester.", ["kwame is an electrician.", "kwame's wife Abena works as a pharmacist."]
    out = '{"event": "UPDATE", "id": 0, "text": "kwame lives in Manchester."}'
    assert to_decision(out, fact, 2, mems) == Decision("ADD", None, fact)
    other = '{"event": "UPDATE", "id": 1, "text": "kwame lives in Manchester with his wife."}'
    assert to_decision(other, fact, 2, mems) == Decision("UPDATE", 1, "kwame lives in Manchester with his wife.")
    now = "kwame is now a plumber."  # a change word: a new job replaces the old one, though no word is kept
    assert to_decision('{"event": "UPDATE", "id": 0, "text": "kwame is a plumber."}', now, 2, mems) == \
        Decision("UPDATE", 0, "kwame is a plumber.")
    lived = ["kwame lives in Leeds."]  # the same slot: a word kept
    assert to_decision(out, fact, 1, lived) == Decision("UPDATE", 0, "kwame lives in Manchester.")


def test_ended_finds_the_memory_a_retraction_ends_by_its_words():
    from memlora_mlx.ops.update import Decision, ended

    mems = ["ivo's friend Pavel sold his boat.", "ivo drives an old red Volvo.", "ivo plays the cello in a string quartet."]
    fact = "ivo sold the Volvo the week before 4 December 2026."
    assert ended(fact, mems) == Decision("DELETE", 1, fact)  # drive 13
    assert ended("ivo quit the quartet.", mems) == Decision("DELETE", 2, "ivo quit the quartet.")
    assert ended("bea stopped doing pottery.", ["bea does pottery on Thursday nights."]).index == 0
    assert ended("ivo sold his bike last week.", mems) is None  # no memory names the bike
    assert ended("Pavel sold the Volvo.", mems) is None  # someone else
    assert ended("ivo drives to work on Mondays.", mems) is None  # nothing ended
