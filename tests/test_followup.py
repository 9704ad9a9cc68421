"""The chat's follow-up resolver: pronouns that lean on the previous message, resolved from what it introduced."""
import pytest

from memlora_mlx.chat.followup import asks_more, bare_names, introduced, referents, resolve, with_who


@pytest.mark.parametrize("previous, message, expected", [
    ("I just adopted a puppy.", "She's called Bean and she's a beagle.", "My puppy is called Bean and she's a beagle."),
    ("My brother Sam lives in Oslo.", "He works as a chef there.", "My brother Sam works as a chef there."),
    ("I started a new job last week.", "It's at a bakery called Crumb & Co.",
     "My new job is at a bakery called Crumb & Co."),
    ("We bought a house last month.", "It's in Porto, near the river.", "Our house is in Porto, near the river."),
    ("I have a cat called Miso.", "He's five years old.", "My cat Miso is five years old."),
    ("My girlfriend Priya is a dentist.", "She works at a clinic in Leeds.",
     "My girlfriend Priya works at a clinic in Leeds."),  # "a dentist" is said of Priya, not introduced
    ("My dad retired in March.", "He was a train driver.", "My dad was a train driver."),  # March is no name
    ("I have two cats called Pixel and Mochi.", "They're both tabbies.", "My cats Pixel and Mochi are both tabbies."),
    ("My sister Maria is a pilot.", "She's been flying for ten years.",
     "My sister Maria has been flying for ten years."),
    ("We got a kitten last week.", "Her name is Pepper.", "Our kitten's name is Pepper."),
    # questions: every third-person pronoun but "it"
    ("I just adopted a puppy.", "What's her name again?", "What's my puppy's name again?"),
    ("My brother Sam lives in Oslo.", "Which city did I say he lives in?",
     "Which city did I say my brother Sam lives in?"),
    ("I just adopted a puppy.", "Her name?", "My puppy's name?"),
    ("I bought a house.", "What time is it?", "What time is it?"),
    # left as said
    ("My brother Sam lives in Oslo.", "What a rainy day it is here.", "What a rainy day it is here."),
    ("My sister Maria is a pilot.", "My mum says she is brave.", "My mum says she is brave."),  # names its own
    ("Hi!", "She's lovely.", "She's lovely."),  # nothing introduced
    ("I just bought a used car.", "It's so cold outside today.", "It's so cold outside today."),  # the weather's "it"
    ("I just bought a used car.", "It's getting late.", "It's getting late."),
    # the thirty-third session's yusuf: "My week has been pouring all day." was stored and said back
    ("I've been running three times a week.", "It's been pouring all day.", "It's been pouring all day."),
    ("My favourite food is mushroom risotto.", "It's creamy.", "It's creamy."),  # "my favourite": no relation
])
def test_resolve(previous, message, expected):
    assert resolve(message, previous) == expected


def test_nothing_before_leaves_the_message_alone():
    assert resolve("She's called Bean.", None) == "She's called Bean."
    assert referents("Thanks!") == {}
    assert referents("My best friend Kenji moved to Osaka.") == {"person": "my best friend Kenji"}


@pytest.mark.parametrize("message", ["Tell me more.", "tell me more!", "Go on", "Can you explain that?", "Why?",
                                     "Oh, why?", "What do you mean?", "Interesting, tell me more about it.", "How so?",
                                     "Could you elaborate on that please?", "Say more."])
def test_a_request_to_go_on(message):
    assert asks_more(message)


@pytest.mark.parametrize("message", ["Why is the sky blue?", "Tell me more about Rome.", "Explain quantum physics.",
                                     "I want more cake.", "Why not?", "She's called Bean."])
def test_not_a_request_to_go_on(message):
    assert not asks_more(message)


def test_a_bare_name_the_memories_introduce_is_said_with_who_it_is():
    known = introduced(["nora's brother Jonas lives in Berlin.", "Nora's best friend Kenji moved to Osaka.",
                        "nora's trip Tokyo is in May.",  # no relation: not a person
                        "sam's brother Tom is a chef.",  # another user's
                        "nora's brother Jonas moved to Hamburg."], "nora")
    assert known == {"Jonas": "my brother Jonas", "Kenji": "my best friend Kenji"}
    assert with_who("Actually, Jonas moved to Hamburg last month.", known) == \
        "Actually, my brother Jonas moved to Hamburg last month."
    assert with_who("Jonas moved to Hamburg.", known) == "My brother Jonas moved to Hamburg."
    assert with_who("What does Jonas do?", known) == "What does my brother Jonas do?"
    assert with_who("Jonas and Kenji met.", known) == "My brother Jonas and my best friend Kenji met."
    for said in ("My brother Jonas is great.", "I saw my best friend Kenji.", "Jonasz is here.", "Tom is a chef."):
        assert with_who(said, known) == said
    assert bare_names("Actually, Jonas moved to Hamburg in May.") == ["Jonas", "Hamburg"]
    assert bare_names("My brother Jonas lives in Berlin.") == ["Berlin"]
    assert bare_names("What a rainy day it is here.") == []
