"""Worked-example leaks are detected in outputs and dropped from extracted facts."""

from memlora_mlx.ops import answer, extract, update
from memlora_mlx.ops.leaks import example_text, find_leaks, op_leaks
from memlora_mlx.types import Turn


class OneReply:
    """Stands in for the model only: the op's parsing and filtering are under test."""

    def __init__(self, text):
        self.text = text

    def stream(self, messages, **kw):
        yield self.text


def test_copied_example_text_is_a_leak_and_user_text_is_not():
    ex = example_text(extract.EXAMPLE)
    assert find_leaks("Tim loves hiking.", ex, "Tim: we went to the lake", extract.SYSTEM_PROMPT) == ["loves hiking"]
    assert "john" in find_leaks("John loves hiking.", ex, "Alex: my cats are Milo and Luna", extract.SYSTEM_PROMPT)
    # the same words said by the user are theirs
    assert find_leaks("Melanie started a pottery class.", ex, "Melanie: I started a pottery class!",
                      extract.SYSTEM_PROMPT) == []
    assert find_leaks("Alex lives in Rome.", example_text(update.EXAMPLE), "New fact: Alex lives in Lyon.",
                      update.SYSTEM_PROMPT) == ["rome"]
    # the op's own fixed phrases (in its system prompt) are not leaks
    msgs = answer.build_messages("What is Alex's job?", ["Alex likes jazz."])
    assert op_leaks(answer, answer.UNKNOWN_ANSWER, msgs) == []
    assert op_leaks(answer, "Paris", msgs) == ["paris"]
    # a short answer: one word of the example is a leak (seen: "Hiking" from "Anna loves hiking."), unless given
    assert op_leaks(answer, "Hiking", msgs) == ["hiking"]
    assert op_leaks(answer, "Hiking", answer.build_messages("What does Alex do?", ["Alex went hiking."])) == []
    assert op_leaks(answer, "Jazz", msgs) == []
    # ops with longer outputs keep the name/pair rule: a lone word is not a leak there
    assert find_leaks("Alex went hiking.", ex, "Alex: off to the hills", extract.SYSTEM_PROMPT) == []


def test_extract_drops_facts_copied_from_its_example(caplog):
    out = '{"facts": ["Alex has two cats named Milo and Luna.", "Anna loves hiking."]}'
    turns = [Turn("Alex", "I have two cats, Milo and Luna.")]
    facts = extract.extract_facts(OneReply(out), turns, "2026-12-01")
    assert facts == ["Alex has two cats named Milo and Luna."]


def test_an_answer_copied_from_the_example_becomes_the_refusal():
    mems = [{"text": "Joanna went on a road trip to Woodhaven.", "date": "2022-07-10", "speaker": "Joanna"}]
    msgs = answer.build_messages("Where did Joanna travel to in July 2022?", mems)
    assert answer.final_answer("Paris", msgs) == answer.UNKNOWN_ANSWER  # only the example says Paris
    assert answer.final_answer("Woodhaven", msgs) == "Woodhaven"
    moved = answer.build_messages("Where did Joanna move?", [{"text": "Joanna moved to Paris."}])
    assert answer.final_answer("Paris", moved) == "Paris"  # in the memories given: not a leak


def test_extract_drops_facts_that_say_nothing_the_turns_said():
    out = '{"facts": ["dana is a woman.", "dana has a dog called Rex.", "dana is exhausted today."]}'
    turns = [Turn("dana", "Hi! I'm Dana. My dog Rex kept me up, honestly I'm exhausted today.")]
    assert extract.extract_facts(OneReply(out), turns, "2026-12-01") == ["dana has a dog called Rex.",
                                                                         "dana is exhausted today."]
    # only the speaker's name in common: made up, whatever the speaker is called
    assert extract.unsaid("Bo Li is a woman.", "Bo Li: Hi, I'm Bo.") and not extract.unsaid("Bo Li is tired.",
                                                                                             "Bo Li: so tired")


def test_an_update_text_that_copies_the_example_becomes_the_fact():
    """Drive 12: "bea's mum lives in Cork." updated to "Anna's mum moved to Limerick …" (the example's "Anna")."""
    fact, mems = "bea's mum moved to Limerick in November 2026.", ["bea's mum lives in Cork."]
    assert find_leaks("Anna's mum moved to Limerick.", example_text(update.EXAMPLE), fact, update.SYSTEM_PROMPT) == \
        ["anna"]  # a possessive is the name too
    leaked = '{"event": "UPDATE", "id": 0, "text": "Anna\'s mum moved to Limerick in November 2026."}'
    assert update.to_decision(leaked, fact, 1, mems) == update.Decision("UPDATE", 0, fact)
    merged = '{"event": "UPDATE", "id": 0, "text": "bea\'s mum moved from Cork to Limerick in November 2026."}'
    assert update.to_decision(merged, fact, 1, mems).text == "bea's mum moved from Cork to Limerick in November 2026."
