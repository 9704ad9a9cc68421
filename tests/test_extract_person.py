"""A fact that copied its speaker's own words is stored in the third person (the twenty-third session's chat drive:
"oksana's partner Ilse and I keep bees on our allotment.")."""

import pytest

from memlora_mlx.ops import extract
from memlora_mlx.ops.person import about
from memlora_mlx.types import Turn


class OneReply:
    """Stands in for the model only: the op's parsing and rewriting are under test."""

    def __init__(self, text):
        self.text = text

    def stream(self, messages, **kw):
        yield self.text


@pytest.mark.parametrize("fact, stored", [
    ("oksana's partner Ilse and I keep bees on our allotment.",
     "oksana's partner Ilse and oksana keep bees on oksana's allotment."),
    ("oksana is flying to Lisbon on the 14th of March for my birthday.",
     "oksana is flying to Lisbon on the 14th of March for oksana's birthday."),
    ("Nate says my turtles always cheer me up and I'm grateful.",
     "Nate says Nate's turtles always cheer Nate up and Nate is grateful."),
    ("nate thinks I've earned it.", "nate thinks nate has earned it."),  # the name as the fact writes it
    ("Joanna wants you to watch other videos first.", "Joanna wants you to watch other videos first."),
    ("Anna loves my cat.", "Anna loves my cat."),  # not a speaker: whose "my" is unknown
    ("Joanna drove across the US.", "Joanna drove across the US."),
    ("Nate says we all need friends for our pets.", "Nate says we all need friends for Nate's pets."),  # "we" stays
    ("Nate said: I water the plants.", "Nate said: I water the plants."),  # a quote marked as his
    ("Joanna: my characters came alive.", "Joanna: my characters came alive."),
    ("ines' son Felix and my cat swim.", "ines's son Felix and ines's cat swim."),  # "ines'" stored as "ines's"
])
def test_a_speakers_own_words_are_said_about_them(fact, stored):
    assert extract.in_third_person(fact, ["Joanna", "Nate", "oksana", "ines"]) == stored


def test_extracted_facts_come_back_in_the_third_person():
    out = '{"facts": ["oksana\'s partner Ilse and I keep bees on our allotment."]}'
    turns = [Turn("oksana", "My partner Ilse and I keep bees on our allotment.")]
    assert extract.extract_facts(OneReply(out), turns, "2026-12-01") == [
        "oksana's partner Ilse and oksana keep bees on oksana's allotment."]


def test_about_leaves_text_without_first_person_alone():
    assert about("Ilse keeps bees.", "oksana") == "Ilse keeps bees."


def test_a_fact_said_of_someone_by_she_or_he_is_theirs():
    # the twenty-fourth session's chat drive: "she just started ballet" was stored as the user's
    out = '{"facts": ["priyanka\'s daughter Zara is six.", "priyanka just started ballet."]}'
    turns = [Turn("priyanka", "My daughter Zara is six and she just started ballet.")]
    assert extract.extract_facts(OneReply(out), turns, "2026-12-01") == [
        "priyanka's daughter Zara is six.", "priyanka's daughter Zara just started ballet."]
    # "he's" too (thirty-second session's compound probe: "ivan is moving to Dubai in March." was stored)
    out = '{"facts": ["ivan\'s best friend Ravi is a pilot.", "ivan is moving to Dubai in March."]}'
    turns = [Turn("ivan", "My best friend Ravi is a pilot and he's moving to Dubai in March.")]
    assert extract.extract_facts(OneReply(out), turns, "2026-12-01") == [
        "ivan's best friend Ravi is a pilot.", "ivan's best friend Ravi is moving to Dubai in March."]


@pytest.mark.parametrize("facts, said", [
    # the speaker's own clauses ("I design"), and a clause of theirs after one about someone else
    (["tom's sister Ana is a nurse.", "tom designs footbridges."], "My sister Ana is a nurse and I design footbridges."),
    (["tom's sister Ana is a nurse.", "tom just started running."], "My sister Ana is a nurse. I just started running."),
    # two people the "she" could mean: nobody is guessed
    (["tom's sister Ana is a nurse.", "tom's aunt Rosa is a pilot.", "tom works nights."],
     "My sister Ana is a nurse, my aunt Rosa is a pilot, and she works nights."),
    # nobody named: whose "she" is unknown
    (["tom works nights."], "She works nights."),
])
def test_facts_of_the_speakers_own_clauses_or_unclear_pronouns_stay(facts, said):
    assert extract.pronoun_subjects(facts, f"tom: {said}", ["tom"]) == facts


def test_used_to_goes_only_where_it_was_said():
    # the twenty-fourth session's chat drive stored "priyanka used to live in Cardiff."
    out = '{"facts": ["priyanka used to live in Bristol.", "priyanka used to live in Cardiff."]}'
    turns = [Turn("priyanka", "I used to live in Bristol, but we moved to Cardiff two years ago.")]
    assert extract.extract_facts(OneReply(out), turns, "2026-12-01") == [
        "priyanka used to live in Bristol.", "priyanka lives in Cardiff."]


@pytest.mark.parametrize("facts, said", [
    (["tom used to teach in Leeds."], "I used to teach in Leeds."),  # said so
    (["tom used to play tennis."], "I play tennis and golf."),  # no "used to" said: the model's, left alone
    (["tom used to live in Leeds and York."], "I used to live in Leeds, but now I live in York."),  # both clauses
])
def test_used_to_said_or_unclear_stays(facts, said):
    assert extract.used_to_where_said(facts, f"{extract.NEW_HEAD}\ntom: {said}", ["tom"]) == facts


@pytest.mark.parametrize("verb, present", [("live", "lives"), ("teach", "teaches"), ("study", "studies"),
                                           ("play", "plays"), ("be", "is"), ("go", "goes")])
def test_present_tense(verb, present):
    assert extract._present(verb) == present


def test_the_speakers_im_written_it_is_is_theirs():
    # the twenty-fifth session's chat drive stored "tariq can't drink milk because it is lactose intolerant."
    out = '{"facts": ["tariq can\'t drink milk because it is lactose intolerant."]}'
    turns = [Turn("tariq", "I can't drink milk because I'm lactose intolerant.")]
    assert extract.extract_facts(OneReply(out), turns, "2026-12-01") == [
        "tariq can't drink milk because tariq is lactose intolerant."]


@pytest.mark.parametrize("facts, said", [
    (["tom loves the bakery because it is cosy."], "I love the bakery because it is cosy."),  # their own "it is"
    (["tom's flat is small but it is cosy."], "My flat is small but I'm cosy in it."),  # not the speaker's fact
    (["tom sold the car because it is old."], "I'm old and I sold the car because it is old."),  # both said
])
def test_an_it_is_they_said_or_about_another_thing_stays(facts, said):
    assert extract.own_it_is(facts, f"{extract.NEW_HEAD}\ntom: {said}", ["tom"]) == facts


def test_the_speakers_own_verb_agrees_with_their_name():
    # the twenty-sixth session's chat drive (12) stored "bea hate coriander."
    out = '{"facts": ["bea does pottery on Thursday nights.", "bea hate coriander."]}'
    turns = [Turn("bea", "I do pottery on Thursday nights and I hate coriander.")]
    assert extract.extract_facts(OneReply(out), turns, "2026-12-01") == [
        "bea does pottery on Thursday nights.", "bea hates coriander."]


def test_an_adverb_before_the_speakers_verb_is_not_taken_for_it():
    # the thirty-seventh session's ines drive stored "ines onlies drinks tea." of "I only drink tea."
    given = f"{extract.NEW_HEAD}\nines: I can't stand coffee, I only drink tea."
    assert extract.own_verb_agreed(["ines only drinks tea.", "ines only drink tea."], given, ["ines"]) == [
        "ines only drinks tea.", "ines only drinks tea."]


@pytest.mark.parametrize("fact, said", [
    ("bea stopped doing pottery.", "I stopped doing pottery."),  # past
    ("bea went to Rome.", "I went to Rome."),
    ("bea can swim.", "I can swim."),  # a modal
    ("bea love jazz.", "Marco loves jazz."),  # not said after "I": the model's, left alone
])
def test_a_verb_not_said_in_the_present_after_i_stays(fact, said):
    assert extract.own_verb_agreed([fact], f"{extract.NEW_HEAD}\nbea: {said}", ["bea"]) == [fact]


def test_the_speakers_age_is_kept_and_a_your_meant_as_my_is_theirs():
    # the twenty-sixth session's drive 13 kept neither age and stored "ivo had your birthday on Monday."
    turns = [Turn("ivo", "I'm 40 and I drive an old red Volvo.")]
    assert extract.extract_facts(OneReply('{"facts": ["ivo drives an old red Volvo."]}'), turns, "2026-12-01") == [
        "ivo drives an old red Volvo.", "ivo is 40 years old."]
    turns = [Turn("ivo", "I'm 41 now, had my birthday on Monday.")]
    assert extract.extract_facts(OneReply('{"facts": ["ivo had your birthday on Monday."]}'), turns, "2026-12-01") == [
        "ivo had ivo's birthday on Monday.", "ivo is 41 years old."]
    kept = ["ivo is 40 years old."]
    assert extract.own_age_and_your(kept, f"{extract.NEW_HEAD}\nivo: I'm 40!", ["ivo"]) == kept  # has the number
    for said in ("I'm 30 minutes late.", "Is your dog 3?"):
        assert extract.own_age_and_your(["ivo loves your dog."], f"{extract.NEW_HEAD}\nivo: {said}", ["ivo"])[1:] == []
    assert extract.own_age_and_your(["ivo loves your dog."], f"{extract.NEW_HEAD}\nivo: I love your dog!", ["ivo"]) == \
        ["ivo loves your dog."]  # said "your" himself
