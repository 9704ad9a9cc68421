"""A reply that begins by asking the message back keeps only its answer; a replaced reply names the two best
memories shown (eighteenth session's vera drive)."""

import pytest

from memlora_mlx.ops import reply_checks as C


@pytest.mark.parametrize("reply, message, shown", [
    ("When does your son Mikko start university? September.", "When does my son Mikko start university?",
     "September."),
    ("How are you? I'm fine, thanks.", "Hello!", "How are you? I'm fine, thanks."),  # no content word: not an echo
    ("Why? Because it scatters blue light.", "Why is the sky blue?", "Why? Because it scatters blue light."),
    ("What do you mean? Tell me more.", "What do I do for work?", "What do you mean? Tell me more."),
    ("Where is your husband from?", "Where is my husband from?", "Where is your husband from?"),  # nothing else
])
def test_a_question_asked_back_is_dropped(reply, message, shown):
    assert C.drop_echo(reply, message) == shown


def test_the_final_reply_drops_the_echo():
    memories = [{"text": "vera's son Mikko starts university in September."}]
    text, made_up = C.final_reply("When does my son Mikko start university? September.",
                                  "When does Mikko start university?", memories, "vera",
                                  understood="When does my son Mikko start university?")
    assert (text, made_up) == ("September.", [])


def test_a_replaced_reply_names_the_two_best_memories_shown():
    shown = [{"text": "vera has two goldfish."}, {"text": "vera has a tortoise called Speedy."},
             {"text": "vera is a nurse."}]
    assert C.grounded_reply(shown, "vera") == "What I remember: You have two goldfish. You have a tortoise called Speedy."
    assert C.grounded_reply([], "vera") == C.UNGROUNDED_REPLY
