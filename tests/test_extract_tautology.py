"""A fact that only says its subject's relation twice keeps what it tells (the eighteenth session's probe output)."""

import json

import pytest

from memlora_mlx.ops.extract import parse_facts
from memlora_mlx.ops.fact_text import said_once


@pytest.mark.parametrize("fact, kept", [
    ("ivan's girlfriend Ana is a girlfriend.", "ivan's girlfriend is called Ana."),
    ("nora's best friend Ravi is her best friend.", "nora's best friend is called Ravi."),
    ("James' son Leo is a son", "James' son is called Leo."),
    ("ivan's girlfriend Ana is a dentist.", "ivan's girlfriend Ana is a dentist."),
    ("Ana is a girlfriend.", "Ana is a girlfriend."),
    ("ivan's sister Ana is a sister of Tom.", "ivan's sister Ana is a sister of Tom."),
])
def test_a_relation_said_twice_becomes_its_name(fact, kept):
    assert said_once(fact) == kept


def test_parsed_facts_are_said_once():
    out = json.dumps({"facts": ["ivan grew up in Glasgow.", "ivan's girlfriend Ana is a girlfriend."]})
    assert parse_facts(out) == (["ivan grew up in Glasgow.", "ivan's girlfriend is called Ana."], [])


def test_one_fact_said_twice_in_other_words_is_kept_once():
    # the thirty-ninth session's noor, verbatim: both were stored from one message
    out = json.dumps({"facts": ["noor teaches maths at a secondary school.", "noor is teaching maths at a secondary "
                                "school.", "noor is not vegan.", "noor is vegan."]})
    facts, rejects = parse_facts(out)
    assert facts == ["noor teaches maths at a secondary school.", "noor is not vegan.", "noor is vegan."]
    assert rejects == ["item 1: duplicate: 'noor is teaching maths at a secondary school.'"]
    museums = [f"Kim visited museum number {i}." for i in (29, 30)]  # the digits are words of the fact too
    assert parse_facts(json.dumps({"facts": museums})) == (museums, [])


def test_a_fact_said_again_at_more_length_is_kept_once():
    # the fortieth session's kwame, verbatim: one message stored both, and both were recalled
    out = json.dumps({"facts": ["kwame's flight to Accra got cancelled this morning.",
                                "kwame's flight to Accra got cancelled.", "kwame is annoyed."]})
    facts, rejects = parse_facts(out)
    assert facts == ["kwame's flight to Accra got cancelled this morning.", "kwame is annoyed."]
    assert rejects == ["item 1: said again at more length: \"kwame's flight to Accra got cancelled.\""]
    # the shorter one first; and a fact that only starts with another's words mid-word is its own
    out = json.dumps({"facts": ["Ana has a cat.", "Ana has a cat called Mo.", "Ana has a catamaran."]})
    assert parse_facts(out)[0] == ["Ana has a cat called Mo.", "Ana has a catamaran."]
