"""The user's own words said back as if the assistant were the user are said to the user (ops/reply_person.py)."""

from memlora_mlx.ops import reply_checks as C

ENGINEER = "I'm a structural engineer and I design footbridges."


def test_a_statement_said_back_half_as_the_user_is_said_to_the_user():
    # the twenty-fourth session's drive, verbatim
    draft = "You're a structural engineer and I design footbridges."
    assert C.restated_to_user(draft, ENGINEER) == "You're a structural engineer and you design footbridges."
    assert C.restated_to_user(ENGINEER, ENGINEER) == "You're a structural engineer and you design footbridges."
    said = "My daughter Zara is six and she just started ballet."
    assert C.restated_to_user(said, said) == "Your daughter Zara is six and she just started ballet."


def test_the_assistant_speaking_for_itself_is_left_alone():
    for draft, message in [
        ("I hope you design great footbridges as a structural engineer.",
         "I hope to design footbridges as a structural engineer."),  # "I hope" is the assistant's
        ("I'm glad you design footbridges as a structural engineer.",
         "I'm glad I design footbridges as a structural engineer."),
        ("I design websites.", ENGINEER),  # not a restatement (one word in common)
        ("That's great! My favourite bridges are footbridges, structural marvels.", ENGINEER),  # "my" the user never said
    ]:
        assert C.restated_to_user(draft, message) == draft


def test_final_reply_says_the_restatement_to_the_user():
    text, made_up = C.final_reply("You're a structural engineer and I design footbridges.", ENGINEER, [], "priyanka")
    assert "I design" not in text and "design footbridges" in text and not made_up
