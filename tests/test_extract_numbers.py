"""A fact with a number the turns never said is dropped, and when that leaves the adapter with no fact the bare base
is asked once (twenty-seventh session's drive 15: "lena's brother Jonas is getting married in 2027 in 1000.")."""

import pytest

from memlora_mlx.ops import extract
from memlora_mlx.ops.extract_numbers import invented_numbers
from memlora_mlx.types import Turn

GIVEN = "Session date: 4 December 2026\n\nlena: My brother Jonas is getting married in January 2027 in Bergen."


@pytest.mark.parametrize("fact, invented", [
    ("lena's brother Jonas is getting married in 2027 in 1000.", ["1000"]),
    ("lena's brother Jonas is getting married in January 2027 in Bergen.", []),
    ("lena's brother Jonas is getting married on 4 December 2026.", []),  # the session date, whole
    ("lena's brother Jonas got engaged in December 2026.", []),  # its month and year
    ("lena's brother Jonas is getting married on the 4th.", ["4"]),  # a part of it alone
])
def test_numbers_nobody_said_are_found(fact, invented):
    assert invented_numbers(fact, GIVEN) == invented


def test_number_words_say_their_digits():
    given = "lena: I have two cats and I'm forty."
    assert invented_numbers("lena has 2 cats and is 40.", given) == []
    assert invented_numbers("lena has 3 cats.", given) == ["3"]


class ByAdapter:
    """An engine whose output depends on the adapter asked for (the extract adapter or the bare base)."""
    adapter_configs = {"extract": {"inputs": "message"}}

    def __init__(self, outputs):
        self.outputs, self.asked = outputs, []

    def stream(self, messages, *, adapter=None, **kw):
        self.asked.append(adapter)
        yield self.outputs[adapter]


def test_the_base_is_asked_when_every_adapter_fact_had_an_invented_number():
    engine = ByAdapter({"extract": '{"facts": ["lena\'s brother Jonas is getting married in 2027 in 1000."]}',
                        None: '{"facts": ["lena\'s brother Jonas is getting married in January 2027 in Bergen."]}'})
    turn = Turn("lena", "My brother Jonas is getting married next month in Bergen.")
    assert extract.extract_facts(engine, [turn], "2026-12-04") == [
        "lena's brother Jonas is getting married in January 2027 in Bergen."]
    assert engine.asked == ["extract", None]


@pytest.mark.parametrize("adapter_out", ['{"facts": []}', '{"facts": ["lena is a woman."]}',
                                         '{"facts": ["lena\'s brother Jonas is getting married in 2027 in 1000.", '
                                         '"lena\'s brother is Jonas."]}'])
def test_the_base_is_not_asked_otherwise(adapter_out):
    engine = ByAdapter({"extract": adapter_out, None: '{"facts": ["from the base"]}'})
    turn = Turn("lena", "My brother Jonas is getting married next month in Bergen.")
    facts = extract.extract_facts(engine, [turn], "2026-12-04")
    assert engine.asked == ["extract"] and "from the base" not in facts
