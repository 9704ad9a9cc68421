"""A question's category word recalls the memories that name a member of it ("pets" -> the tortoise), with the real
embedder and store; scripted engine (recall makes no model call)."""

import pytest

from memlora_mlx.chat.categories import reword, widen
from memlora_mlx.chat.conversation import Conversation
from memlora_mlx.chat.followup import calendar_words
from memlora_mlx.memory import Memory
from memlora_mlx.ops.words import content_words

from support.scripted_engine import ChatScriptedEngine


def test_category_words_widen_to_their_members_and_nothing_else_does():
    assert {"tortoise", "goldfish", "dog"} <= widen(content_words("What pets do we have?"))
    assert {"german", "french"} <= widen(content_words("Which languages do I speak?"))
    assert widen(content_words("What's my dog called?")) == content_words("What's my dog called?")
    assert "work" in widen(content_words("What's my job?")) and "work" not in widen(content_words("Where do I live?"))


def test_a_question_about_work_is_asked_in_the_words_for_a_job():
    assert reword("What do I do for a living?") == "What is my job?"
    assert reword("What does my brother Anand do for work?") == "What is my brother Anand's job?"
    assert reword("what does she do for a living") == "What is her job"
    for same in ("What do you do?", "Where do I live?", "What do I do for fun?"):
        assert reword(same) == same
    # the whole message "What do I do?" asks for the job (thirty-first session: nothing was recalled); inside a longer
    # message it asks for advice, and someone else's "do" is left to recall as it is
    assert reword("What do I do?") == "What is my job?"
    for same in ("I locked myself out. What do I do?", "What does Marco do?", "What do I do on Sundays?"):
        assert reword(same) == same
    # a relative's, as the whole message (thirty-fifth session's lotte)
    assert reword("What does my husband do?") == "What is my husband's job?"
    assert reword("what does my sister Ana do") == "What is my sister Ana's job?"
    assert reword("What does my husband do on weekends?") == "What does my husband do on weekends?"


def test_what_pets_recalls_the_tortoise_and_the_goldfish(tmp_path, embedder):
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as memory:
        for fact in ("vera has a tortoise called Speedy.", "vera has two goldfish.", "vera is a nurse.",
                     "vera's husband Pavel teaches chemistry."):
            memory.add(fact, user_id="vera", infer=False)
        recalled = {h["memory"] for h in Conversation(memory, "vera").recall("What pets do we have?")}
    assert recalled == {"vera has a tortoise called Speedy.", "vera has two goldfish."}


def test_a_household_we_is_searched_as_the_user():
    from memlora_mlx.ops.person import third_person

    assert third_person("What pets do we have?", "vera") == "What pets does vera have?"
    assert third_person("Where did we go, and is our dog ok?", "vera") == "Where did vera go, and is vera's dog ok?"


@pytest.mark.parametrize("user, facts, question", [
    # the twenty-second session's drive: the job memory lies 0.28 from the question, name-free
    ("meera", ["meera works as a midwife at the maternity unit in Halifax.", "meera has a ferret called Pickle.",
               "meera's brother Anand repairs old clocks."], "What's my job?"),
    # the twenty-third's: a home said by a move, 0.32
    ("oksana", ["oksana moved from Leeds to York.", "oksana drives an old green Skoda.",
                "oksana's partner Ilse and oksana keep bees on oksana's allotment."], "Where do I live?"),
    # the thirty-second's: a home said only with the job's town
    ("bram", ["bram is a bus mechanic in Groningen.", "bram is lactose intolerant.", "bram's wife Sanne teaches yoga.",
              "bram went to a concert last week."], "Where do I live?"),
    # the twenty-fourth's: "for a living" is a job, not a home ("living" recalled "lives in Cardiff")
    ("priyanka", ["priyanka is a structural engineer.", "priyanka lives in Cardiff.",
                  "priyanka used to live in Bristol.", "priyanka's daughter Zara is six."], "What do I do for a living?"),
])
def test_a_question_recalls_the_memory_that_says_it_in_other_words(tmp_path, embedder, user, facts, question):
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as memory:
        for fact in facts:
            memory.add(fact, user_id=user, infer=False)
        recalled = {h["memory"] for h in Conversation(memory, user).recall(question)}
    assert recalled == {facts[0]}


def test_a_memory_that_names_a_job_by_its_form_is_marked_as_one():
    from memlora_mlx.chat.categories import says_job

    for job in ("dara is a physiotherapist at a sports clinic in Bristol.", "Laila is a teacher.", "jo teaches maths.",
                "lu runs a small flower shop in Leeds.",
                "omar is a software developer in Cairo.", "vera is now a nurse.", "sam was an electrician."):
        assert says_job(job), job
    for other in ("dara's girlfriend Marguerite is a graphic designer.", "kim is vegan.", "kim is a vegetarian.",
                  "kim is a keen runner.", "dara had a long day at work.", "jo is a big fan of jazz.",
                  "lee is a morning person.", "ana is a sister of three."):
        assert not says_job(other), other


DARA = ["dara is a physiotherapist at a sports clinic in Bristol.", "dara is lactose intolerant.",
        "dara's girlfriend Marguerite is a graphic designer.", "dara had a long day at work.", "dara doesn't eat lamb."]


def test_where_do_i_work_shows_the_job_first_and_a_favourite_needs_a_liking(tmp_path, embedder):
    # the thirtieth session's drive: the "long day at work" memory was the only one recalled, and the sports clinic
    # was said back to "What's my favourite sport?"
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as memory:
        for fact in DARA + ["dara's favourite food is ramen."]:
            memory.add(fact, user_id="dara", infer=False)
        conv = Conversation(memory, "dara")
        for question in ("Where do I work?", "What's my job?"):
            recalled = [h["memory"] for h in conv.recall(question)]
            assert recalled[0] == DARA[0] and DARA[2] not in recalled, (question, recalled)
        assert conv.recall("What's my favourite sport?") == []
        assert [h["memory"] for h in conv.recall("What's my favourite food?")] == ["dara's favourite food is ramen."]


def test_may_i_eat_it_recalls_what_the_user_does_not_eat(tmp_path, embedder):
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as memory:
        for fact in ("kim is vegan.", "kim works as an accountant.", "kim's sister Mai lives in Hanoi."):
            memory.add(fact, user_id="kim", infer=False)
        conv = Conversation(memory, "kim")
        assert [h["memory"] for h in conv.recall("Should I try the cheese pizza?")] == ["kim is vegan."]
        assert [h["memory"] for h in conv.recall("what should I cook tonight?")] == ["kim is vegan."]
        # the thirty-ninth session's kwame got Parmesan: the diet was not recalled for a food asked for by name
        assert "kim is vegan." in {h["memory"] for h in conv.recall("Can you recommend a cheese to try?")}
        assert "kim is vegan." not in {h["memory"] for h in conv.recall("Where does my sister live?")}
        memory.add("kim is trying to cut down on sugar.", user_id="kim", infer=False)
        assert "kim is trying to cut down on sugar." in {
            h["memory"] for h in conv.recall("Should I have a slice of chocolate cake?")}


def test_a_job_said_by_what_one_does_is_recalled_for_a_job_question(tmp_path, embedder):
    # "lu runs a small flower shop in Leeds." lies 0.49 from "What's lu's job?", under the recall's min_score
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as memory:
        for fact in ("lu runs a small flower shop in Leeds.", "lu has a cat called Miso.", "Mai is a teacher."):
            memory.add(fact, user_id="lu", infer=False)
        conv = Conversation(memory, "lu")
        for question in ("What's my job?", "What do I do for a living?"):
            assert [h["memory"] for h in conv.recall(question)] == ["lu runs a small flower shop in Leeds."], question


def test_a_name_asked_about_recalls_the_memory_that_names_it(tmp_path, embedder):
    # thirtieth session's amara: 0.47 from "Who is Ada?", under the recall's min_score, and nothing recalled
    ada = "amara's sister Ngozi just had a baby girl called Ada."
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as memory:
        for fact in (ada, "amara works as a pharmacist in Cardiff.", "amara is pescatarian."):
            memory.add(fact, user_id="amara", infer=False)
        conv = Conversation(memory, "amara")
        assert [h["memory"] for h in conv.recall("Who is Ada?")] == [ada]
        assert conv.recall("Who is Bob?") == []


def test_a_day_asked_about_recalls_the_memory_that_names_it(tmp_path, embedder):
    # the thirty-seventh session's farid: 0.06 from "What's happening on Friday?", and nothing recalled
    test = "farid is a bit nervous about farid's driving test on Friday."
    run = "farid runs five kilometres every Sunday morning."
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as memory:
        wedding = "farid's sister Lea gets married in May."
        for fact in (test, run, wedding, "farid has a cat called Biscuit.", "farid starts a new job as a librarian."):
            memory.add(fact, user_id="farid", infer=False)
        conv = Conversation(memory, "farid")
        assert [h["memory"] for h in conv.recall("What's happening on Friday?")] == [test]
        assert test in [h["memory"] for h in conv.recall("what am I doing on Friday")]
        assert [h["memory"] for h in conv.recall("What do I do on Sundays?")] == [run]
        assert [h["memory"] for h in conv.recall("What's happening in May?")] == [wedding]
        assert conv.recall("What's happening on Tuesday?") == []
        assert conv.on_days("May I ask you something?") == []  # the verb, not the month


def test_calendar_words_are_named_days_and_months():
    assert calendar_words("My test is on Friday, and I run on Sundays in May.") == {"friday", "sunday", "may"}
    assert calendar_words("May I ask? It may rain. I'm friday-tired.") == set()


LOTTE = ["lotte's husband Pieter builds boats in his spare time.", "lotte's husband Pieter is a carpenter.",
         "lotte is a librarian at the city library in Ghent."]
TOBIAS = ["tobias swims twice a week before work.", "tobias fixes bikes at a little repair shop in Malmö.",
          "tobias doesn't eat meat."]


@pytest.mark.parametrize("user, facts, question, first", [
    # the thirty-fifth session's lotte: both memories of Pieter recalled, the hobby first, and the reply said only it
    ("lotte", LOTTE, "What does my husband do?", LOTTE[1]),
    ("lotte", LOTTE, "What do I do for a living?", LOTTE[2]),
    # and its tobias: "What do I do for work?" got "You swim twice a week before work."
    ("tobias", TOBIAS, "What do I do for work?", TOBIAS[1]),
])
def test_the_job_asked_about_is_shown_first(tmp_path, embedder, user, facts, question, first):
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as memory:
        for fact in facts:
            memory.add(fact, user_id=user, infer=False)
        assert [h["memory"] for h in Conversation(memory, user).recall(question)][0] == first


def test_a_memory_another_goes_on_from_is_shown_once():
    """The fortieth session's kwame: "What I remember: Your flight to Accra got cancelled. Your flight to Accra got
    cancelled this morning." — both stored from one message."""
    from memlora_mlx.ops import reply_checks
    from memlora_mlx.ops.reply import dedupe

    short, long = "kwame's flight to Accra got cancelled.", "kwame's flight to Accra got cancelled this morning."
    assert dedupe([{"memory": short}, {"memory": long}]) == [{"memory": long}]
    assert dedupe([{"memory": "kwame has a cat."}, {"memory": "kwame's sister has a cat."}]) == \
        [{"memory": "kwame has a cat."}, {"memory": "kwame's sister has a cat."}]
    assert reply_checks.grounded_reply(dedupe([{"memory": short}, {"memory": long}]), "kwame") == \
        "What I remember: Your flight to Accra got cancelled this morning."
