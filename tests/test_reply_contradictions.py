"""Reply checks on who a claim is about and whether it holds: a claim that negates a memory shown, and what a named
person did told back as the user's (drive 11, "hana")."""

import memlora_mlx  # noqa: F401 - BLAS preload before mlx
from memlora_mlx.ops import reply_checks as C
from memlora_mlx.ops import reply_grounding as G


def test_a_claim_that_negates_a_memory_shown_gives_way_to_the_memory():
    from memlora_mlx.ops.reply_negation import contradicts

    veg = [{"memory": "hana is vegetarian."}]
    assert contradicts("You are not vegetarian.", veg, "hana")  # drive 11: "Do I eat meat?"
    assert contradicts("No, you don't have a dog.", [{"memory": "lee has a dog named Rex."}], "lee")
    assert contradicts("Kai isn't nine.", [{"memory": "hana's son Kai is nine."}], "hana")
    assert not contradicts("You don't eat meat.", veg, "hana")  # agrees, in other words
    assert not contradicts("You are vegetarian.", veg, "hana")
    assert not contradicts("You don't eat meat.", [{"memory": "hana doesn't eat meat."}], "hana")  # both negated
    assert not contradicts("I'm not sure you are vegetarian.", veg, "hana")  # the assistant, not a claim
    assert not contradicts("Kai is ten, not nine.", [{"memory": "hana's son Kai is nine."}], "hana")
    assert not contradicts("You are not vegetarian anymore?", veg, "hana")
    text, made_up = C.final_reply("You are not vegetarian.", "Do I eat meat?", veg, "hana")
    assert (text, made_up) == ("What I remember: You are vegetarian.", [])


def test_a_reply_that_negates_what_the_user_just_said_gives_way_to_it():
    # the thirty-seventh session's farid, nothing recalled: the draft told him he was not nervous
    msg = "I'm a bit nervous about my driving test on Friday."
    draft = "You're not nervous about your driving test on Friday. It's just a chance to practice your skills."
    assert C.final_reply(draft, msg, [], "farid") == ("I hope your driving test on Friday goes well!", [])
    for kept in ("You don't have to be nervous about your driving test. Good luck!",  # reassurance, not a claim
                 "Good luck with your driving test on Friday!"):
        assert C.final_reply(kept, msg, [], "farid") == (kept, [])
    assert C.final_reply("You aren't vegetarian.", "I've been vegetarian for ten years.", [], "farid")[0] == \
        "Got it: you have been vegetarian for ten years."


def test_a_worry_about_something_coming_gets_good_wishes_when_the_draft_gives_way():
    from memlora_mlx.ops.reply_news import worry_reply

    assert worry_reply("I'm so nervous about my job interview tomorrow!") == \
        "I hope your job interview tomorrow goes well!"
    assert worry_reply("I'm stressed about the exams next week.") == "I hope your exams next week go well!"
    assert worry_reply("Honestly I'm anxious about our flight to Lima, it leaves at 6am.") == \
        "I hope your flight to Lima goes well!"
    for other in ("I'm worried about my mum's health.", "Are you nervous about my exam?", "I passed my driving test."):
        assert worry_reply(other) is None, other
    assert C.said_back("I'm worried about my mum's health.", "farid") == \
        "Got it: you are worried about your mum's health."


def test_what_a_named_person_did_is_not_told_back_as_the_users():
    from memlora_mlx.ops.reply_person import drop_misattributed

    msg = "My best friend Ruth moved to Stavanger last week."
    assert drop_misattributed("Ruth moved to Stavanger last week. I remember that you moved to Stavanger last week.",
                              msg) == "Ruth moved to Stavanger last week."  # drive 11
    assert drop_misattributed("You moved to Stavanger last week.", msg) == "You moved to Stavanger last week."  # all
    assert drop_misattributed("Nice! You moved to Stavanger last week.", "I moved to Stavanger last week.") == \
        "Nice! You moved to Stavanger last week."  # the user did
    text, _ = C.final_reply("That's great. I remember that you moved to Stavanger last week.", msg, [], "hana")
    assert text == "That's great."


def test_a_yes_no_question_about_the_user_is_answered_to_them():
    from memlora_mlx.ops.reply_person import answered_as_asker

    q = "Do I still do pottery?"
    assert answered_as_asker("I don't do pottery.", q) == "You don't do pottery."  # drive 12
    assert answered_as_asker("Yes, I still do pottery.", q) == "Yes, you still do pottery."
    assert answered_as_asker("No, I stopped doing pottery.", q) == "No, you stopped doing pottery."
    assert answered_as_asker("I don't know that yet.", q) == "I don't know that yet."  # the assistant's own
    assert answered_as_asker("I play the banjo.", "What instrument do I play?") == "You play the banjo."  # drive 13
    assert answered_as_asker("I live in Bergen.", "Where do I live?") == "You live in Bergen."
    assert answered_as_asker("I recommend pasta.", "What should I cook?") == "I recommend pasta."  # not about the user
    assert answered_as_asker("I can give you a recipe.", "Can I have a recipe?") == "I can give you a recipe."
    assert answered_as_asker("I have a recipe for you.", "Do I have time to cook?") == "I have a recipe for you."
    assert answered_as_asker("I play the banjo.", "What does Kai play?") == "I play the banjo."
    mem = [{"memory": "bea stopped doing pottery."}]
    assert C.final_reply("I don't do pottery.", q, mem, "bea")[0] == "You don't do pottery."


def test_a_claim_that_affirms_what_a_memory_retracts_gives_way_to_it():
    from memlora_mlx.ops.reply_negation import contradicts

    stopped = [{"memory": "bea stopped doing pottery."}]
    assert contradicts("Yes, you still do pottery.", stopped, "bea")
    assert not contradicts("You don't do pottery.", stopped, "bea")  # agrees
    assert not contradicts("You stopped doing pottery.", stopped, "bea")


def test_a_claim_said_to_the_user_is_checked_like_one_said_as_them():
    # "You" opening a claim is not a name that a memory grounds ("You have been learning the cello …" shown)
    mem = [{"text": "rui has been learning the cello since September."}]
    assert G.unsupported("You are learning the piano.", "Which instrument am I learning?", mem, "rui") == ["piano"]
    assert G.unsupported("You don't do pottery.", "Do I still do pottery?", [{"text": "bea stopped doing pottery."}],
                         "bea") == []  # "don't" names nothing


def test_the_users_own_age_said_back_is_said_to_them():
    from memlora_mlx.ops.reply_person import restated_to_user

    msg = "I'm 41 now, had my birthday on Monday."
    assert restated_to_user("I'm 41 now, had your birthday on Monday.", msg) == \
        "You're 41 now, had your birthday on Monday."  # drive 13


def test_a_reply_that_only_gives_the_user_what_a_named_person_does_says_the_message_back():
    # thirtieth session: "My son Felix is learning to swim." got "You're learning to swim!"
    assert C.final_reply("You're learning to swim!", "My son Felix is learning to swim.", [], "ines")[0] == \
        "Got it: your son Felix is learning to swim."
    assert C.final_reply("You are learning to swim.", "My son Felix is learning to swim.", [], "ines")[0] == \
        "Got it: your son Felix is learning to swim."
    assert C.final_reply("You're learning to swim!", "I'm learning to swim.", [], "ines")[0] == \
        "You're learning to swim!"  # the user's own: it stands
    felix = [{"memory": "ines's son Felix is learning to swim."}]  # and asked of him, with his memory shown
    assert C.final_reply("You are learning to swim.", "Who is Felix?", felix, "ines")[0] == \
        "What I remember: Your son Felix is learning to swim."
