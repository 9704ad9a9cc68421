"""Facts of one chat message set right against the message (`ops/message_facts.py`), the forty-third session's sofia
drive verbatim; windows of a conversation (LoCoMo's route) keep the adapter's facts."""

import json

import pytest

from memlora_mlx.ops.extract import CHAT_ADAPTER, _facts_of, build_messages
from memlora_mlx.ops.message_facts import clause_owner, lost_negation
from memlora_mlx.types import Turn


@pytest.mark.parametrize("message, said, stored", [
    # the date put back (`dates.with_said_date`) though "on Tuesdays" was there: "… on Tuesdays on Tuesdays."
    ("I sing in a choir on Tuesdays.", ["sofia sings in a choir on Tuesdays."],
     ["sofia sings in a choir on Tuesdays."]),
    ("I sprained my ankle yesterday, so no running for a while.",
     ["sofia sprained sofia's ankle yesterday.", "sofia is running for a while."],
     ["sofia sprained sofia's ankle on 5 December 2026."]),
    ("Our son Tiago is five and just started school.", ["sofia's son Tiago is five.", "sofia just started school."],
     ["sofia's son Tiago is five.", "sofia's son Tiago just started school."]),
])
def test_a_chat_message_s_facts_are_set_right_against_it(message, said, stored):
    turns = [Turn("sofia", message)]
    messages = build_messages(turns, "2026-12-06")
    out = json.dumps({"facts": said})
    assert _facts_of(out, messages, turns, CHAT_ADAPTER) == stored
    assert _facts_of(out, messages, turns, "extract")[-1] == said[-1]  # a window's route: as the adapter said it


def test_what_the_message_says_stays():
    assert not lost_negation("tomas can't eat gluten.", "I can't eat gluten, I have coeliac disease.")
    assert not lost_negation("tomas has coeliac disease.", "I can't eat gluten, I have coeliac disease.")
    assert lost_negation("tomas eats gluten.", "I can't eat gluten.")
    assert not lost_negation("ana's daughter eats everything.",
                             "My son doesn't eat meat and my daughter eats everything.")
    assert not lost_negation("mo is moving to Paris.", "I'm not sure yet, but I'm moving to Paris.")
    # "and" with a subject of its own, or a fact said of the relative already: unchanged
    assert clause_owner("sofia works as a vet.", "My partner Lars is a chef and I work as a vet.", "sofia") == \
        "sofia works as a vet."
    assert clause_owner("sofia loves the beach.", "Our dog Pipoca is two and loves the beach.", "sofia") == \
        "sofia's dog Pipoca loves the beach."
    assert clause_owner("sofia loves the beach.", "I love the beach.", "sofia") == "sofia loves the beach."
    # a relative without a name: no name to give the clause to ("lives" is no name)
    assert clause_owner("ana loves cats.", "My sister lives in Leeds and loves cats.", "ana") == "ana loves cats."
