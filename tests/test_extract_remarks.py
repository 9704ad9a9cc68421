"""A remark's word put in a fact's object is dropped (ops/extract_remarks.py), through the whole extract filter."""

import json

from memlora_mlx.ops import extract
from memlora_mlx.ops.extract_remarks import remark_swapped
from memlora_mlx.types import Turn


def test_a_remark_put_in_the_object_of_a_fact_is_dropped():
    """The fortieth session's leila, verbatim: "leila is allergic to pain." was stored beside the peanuts."""
    messages = extract.build_messages([Turn("leila", "I'm allergic to peanuts, which is a pain.")], "2026-12-05")
    out = json.dumps({"facts": ["leila is allergic to peanuts.", "leila is allergic to pain."]})
    assert extract.kept_facts(out, messages, ["leila"]) == ["leila is allergic to peanuts."]


def test_facts_that_only_share_words_with_a_remark_are_kept():
    given = "nate: I went hiking, which is my favourite thing. My car broke down, which was a nightmare."
    facts = ["Nate went hiking.", "Nate's favourite thing is hiking.", "Nate's car broke down.",
             "Nate's car broke down, which was a nightmare."]
    assert [f for f in facts if remark_swapped(f, facts, given)] == []
    # no remark in the turns: nothing is a remark's word
    assert not remark_swapped("leila is allergic to pain.", ["leila is allergic to peanuts."],
                              "leila: I'm allergic to peanuts and pain.")
