"""A reply that only asks the user's question back, or takes the user's name, is not what the user is shown
(twenty-seventh session's drive, "kofi")."""

import pytest

from memlora_mlx.ops import reply_checks as C

PARENTS = {"text": "kofi's parents are visiting the weekend after 4 December 2026.", "date": "2026-12-04"}


def test_a_question_asked_back_is_answered_from_the_memory():
    message = "When are my parents visiting?"
    assert C.asks_back("When are your parents visiting?", message)
    assert C.final_reply("When are my parents visiting?", message, [PARENTS], "kofi", today="2026-12-11") == \
        ("What I remember: Your parents are visiting the weekend after 4 December 2026.", [])


@pytest.mark.parametrize("reply, message", [
    ("Your parents visit the weekend after 4 December 2026.", "When are my parents visiting?"),  # an answer
    ("How are you?", "How are you?"),  # no content word: a greeting returned
    ("Are your parents staying long? Tell me more.", "My parents are visiting."),  # more than the question
    ("Where do they live?", "My parents are visiting."),  # a word the message did not have
])
def test_replies_that_do_more_than_ask_back_are_kept(reply, message):
    assert not C.asks_back(reply, message)


@pytest.mark.parametrize("reply, shown", [
    ("Hello Kofi, I'm Kofi. How are you?", "Hello Kofi. How are you?"),
    ("Hi! My name is Kofi, nice to meet you.", "Hi! Nice to meet you."),
    ("I am Kofi. What did you do today?", "What did you do today?"),
    ("I'm Kofi.", "I'm Kofi."),  # nothing would be left: kept (and checked as any other reply)
    ("I'm Kofi's assistant.", "I'm Kofi's assistant."),
    ("Hello Kofi! I'm glad you're here.", "Hello Kofi! I'm glad you're here."),
    ("Hello, it's Kofi. How are you?", "Hello. How are you?"),  # thirty-fifth session's tobias, verbatim but the name
    ("It's Kofi's birthday soon!", "It's Kofi's birthday soon!"),
])
def test_the_assistant_does_not_take_the_user_s_name(reply, shown):
    assert C.drop_user_name_claim(reply, "kofi") == shown
