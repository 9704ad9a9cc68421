"""A fact of a two-speaker window given to the speaker who said it (ops/said_by.py)."""

from memlora_mlx.ops.said_by import given_to_sayer, own_words

SAID = {"Joanna": "I've been reading a lot this past week and found some great books I already owned!",
        "Nate": "That's awesome, your reading list sounds amazing. I went to a gaming tournament on Saturday."}


def test_a_fact_of_words_only_the_other_said_is_theirs():
    facts = ["Nate has been reading a lot in the past week.", "Nate went to a gaming tournament on Saturday."]
    assert given_to_sayer(facts, SAID) == ["Joanna has been reading a lot in the past week.",
                                           "Nate went to a gaming tournament on Saturday."]


def test_what_was_said_to_the_other_or_names_them_stays():
    assert "reading" not in own_words(SAID["Nate"]) and "tournament" in own_words(SAID["Nate"])
    kept = ["Joanna has an amazing reading list.",  # Joanna said "reading" too
            "Joanna's reading list sounds amazing.",  # not "Joanna …": a possessive is about someone of theirs
            "Nate thinks Joanna found great books.",  # names the other speaker
            "Joanna went to a gaming tournament with Nate."]
    assert given_to_sayer(kept, SAID) == kept
    assert given_to_sayer(["Joanna went to a gaming tournament on Saturday."], SAID) == \
        ["Nate went to a gaming tournament on Saturday."]
    assert given_to_sayer(["Nate has been reading a lot."], {"Nate": SAID["Nate"]}) == ["Nate has been reading a lot."]


def test_a_word_in_common_does_not_keep_a_fact_the_other_said_far_more_of():
    # the validation windows (conv-26/30/41), verbatim in substance: John only said "how cute!"
    said = {"John": "Wow, Maria, how cute! What's her name? Do she and your other dog get along?",
            "Maria": "On another note, I just adopted this cute pup from a shelter. She brings so much joy!"}
    assert given_to_sayer(["John adopted a cute pup from a shelter."], said) == \
        ["Maria adopted a cute pup from a shelter."]
    assert given_to_sayer(["John thinks the pup is cute."], said) == ["John thinks the pup is cute."]  # 1 more only


def test_the_extract_op_keeps_facts_as_the_sayers():
    from memlora_mlx.ops import extract as op
    from memlora_mlx.types import Turn

    turns = [Turn("Joanna", SAID["Joanna"]), Turn("Nate", SAID["Nate"])]
    messages = op.build_messages(turns, "4 November 2022")
    out = '{"facts": ["Nate has been reading a lot in the past week.", "Nate went to a gaming tournament."]}'
    assert op.kept_facts(out, messages, ["Joanna", "Nate"]) == [
        "Joanna has been reading a lot in the past week.", "Nate went to a gaming tournament."]
