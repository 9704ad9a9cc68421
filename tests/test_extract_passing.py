"""A passing mood or a day's wear said in one chat message is not stored (`ops/passing.py`); windows keep theirs."""

import pytest

from memlora_mlx.memory import Memory
from memlora_mlx.ops.passing import is_passing, lasting

from support.scripted_engine import ScriptedEngine


@pytest.mark.parametrize("fact", ["dara had a long day at work.", "sam is exhausted today.", "jo is so tired today.",
                                  "sam feels tired.", "kim was really busy this morning.", "dara had a rough night.",
                                  "bram was exhausting today.", "bram's work was exhausting today.",  # s32's bram
                                  "noor is been raining all week here.", "rui is morning.",  # x13, thirty-fourth
                                  "noor is currently experiencing rain.", "noor is still raining all week.",
                                  "ilse is freezing out there today.",
                                  "marit was delayed again this morning.", "jo was running late today."])  # s34, s35
def test_a_passing_state_is_told_apart(fact):
    assert is_passing(fact)


@pytest.mark.parametrize("fact", ["sam is tired of his job.", "jo is busy planning her wedding.",
                                  "dara is a physiotherapist.", "sam had a long chat with his dad.",
                                  "jo is exhausted after the marathon.",
                                  "ivo had a long day at work with his boss Tim.", "bram's job is tiring for his back.",
                                  "bram's work is exhausting him after the move.", "lin is an evening person.",
                                  "kim is a night owl.", "kim is a night shift nurse.", "sam is moving to sunny Spain.",
                                  "noor is a morning person.", "sam was late for his own wedding.",
                                  "jo's flight was delayed by six hours."])
def test_what_lasts_or_says_more_is_kept(fact):
    assert not is_passing(fact) and lasting([fact]) == [fact]


class _ChatAdapterEngine(ScriptedEngine):
    """The scripted engine with both extract adapters "loaded"; its extraction states what was said."""
    adapter_configs = {"extract": {}, "extract-chat": {}}

    def generate(self, messages, adapter=None, **kw):
        if adapter and adapter.startswith("extract"):
            self.calls.append((adapter, messages[-1]["content"]))
            return '{"facts": ["dara had a long day at work."]}'
        return super().generate(messages, adapter=adapter, **kw)

    def stream(self, messages, adapter=None, **kw):
        yield self.generate(messages, adapter=adapter, **kw)

    def generate_batch(self, batch, adapter=None, **kw):
        return [self.generate(m, adapter=adapter, **kw) for m in batch]


def test_a_chat_message_stores_no_passing_state_and_a_window_keeps_it(tmp_path, embedder):
    eng = _ChatAdapterEngine()
    with Memory(engine=eng, store=tmp_path / "s", embedder=embedder) as m:
        m.add([{"role": "user", "content": "I had a long day at work."}], user_id="dara")  # the chat
        assert m.get_all(user_id="dara")["results"] == []
        window = [{"role": "user", "content": t} for t in ("Hi.", "I had a long day at work.", "Ugh.", "Bye.")]
        m.add(window, user_id="dara")  # a conversation's window: what LoCoMo asks about
        assert [r["memory"] for r in m.get_all(user_id="dara")["results"]] == ["dara had a long day at work."]
    assert [a for a, _ in eng.calls] == ["extract-chat", "extract"]


def test_a_liking_the_message_never_said_is_not_kept():
    # the thirty-first session's gus drive, verbatim: x11 gave both facts
    given = "Session date: 5 December 2026\n\ngus: I'm a bus driver, mostly night shifts."
    assert lasting(["gus is a bus driver.", "gus loves night shifts."], given) == ["gus is a bus driver."]
    for said, fact in (("I really like jazz.", "gus likes jazz."), ("Jazz is my favourite.", "gus loves jazz."),
                       ("I can't stand olives.", "gus hates olives.")):
        assert lasting([fact], f"gus: {said}") == [fact], said
    assert lasting(["gus loves night shifts."]) == ["gus loves night shifts."]  # nothing given: as before


def test_a_message_that_only_asks_stores_nothing():
    from memlora_mlx.ops import extract
    from memlora_mlx.ops.passing import only_asks
    from memlora_mlx.types import Turn

    def given(text, context=None):
        return extract.build_messages([Turn("yusuf", text)], "2026-12-05", context=context)[-1]["content"]

    # x13 (thirty-fourth session's yusuf drive): "Where are we going in March?" -> "yusuf is going in March."
    assert lasting(["yusuf is going in March."], given("Where are we going in March?")) == []
    assert only_asks(given("Hi! How old is Amira?"))
    assert only_asks(given("What breed should it be?", context=[Turn("yusuf", "I got a dog.")]))
    for told in ("Can you remember that my sister is called Ana?", "Where do I live? I moved to Leeds last year.",
                 "I moved to Leeds. What is it like?", "What a lovely day!"):
        assert not only_asks(given(told)), told
    assert lasting(["yusuf moved to Leeds."], given("I moved to Leeds. What is it like?")) == ["yusuf moved to Leeds."]


def test_a_fact_with_a_word_nobody_said_is_not_kept():
    # x13's `--requests` probe (thirty-fourth session), verbatim
    for said, fact in (("The traffic was awful this morning.", "noor just got a beautiful traffic."),
                       ("Lovely weather for a walk.", "noor is looking for a walk."),
                       ("Lovely weather for a walk.", "dara's weather for a walk is good."),
                       ("Ugh, Mondays.", "dara is not sure about the mondays.")):
        assert lasting([fact], f"Session date: 1 December 2026\n\nnoor: {said}") == [], fact
    # the message's words in the third person, a date the prompt gave, a liking in other words, the chat before it
    given = "Session date: 5 December 2026\n\nsofie: I'm flying to Madrid in January 2027 to see my grandparents."
    kept = ["sofie is flying to Madrid in January 2027 to see sofie's grandparents."]
    assert lasting(kept, given) == kept
    assert lasting(["sofie doesn't eat fish."], "sofie: I don't eat fish.") == ["sofie doesn't eat fish."]
    assert lasting(["gus hates olives."], "gus: I can't stand olives.") == ["gus hates olives."]
    assert lasting(["ivo is 40 years old."], "ivo: I'm 40 and I drive a red Volvo.") == ["ivo is 40 years old."]
    for said, fact in (("I study law.", "noor studies law."), ("I fly to Oslo often.", "noor flies to Oslo often."),
                       ("I studied law.", "noor studied law."), ("I live in Ghent.", "noor lives in Ghent.")):
        assert lasting([fact], f"noor: {said}") == [fact], fact
    assert lasting(["sofie's sister Ronja lived in Tromsø."], "sofie: My sister Ronja lives in Tromsø.") != []
    followup = "Earlier, already remembered:\nalex: I just adopted a puppy.\n\nNew:\nalex: She's called Bean."
    assert lasting(["alex's puppy is called Bean."], followup) == ["alex's puppy is called Bean."]
    assert lasting(["sofie is flying to Madrid to see Sofia's grandparents."], given) == []  # a name nobody said


def test_news_of_a_thing_is_not_made_the_speakers():
    # the thirty-fifth session's lotte drive, verbatim: x13 gave "lotte was packed again this morning."
    given = "Session date: 5 December 2026\n\nlotte: The tram was packed again this morning."
    assert lasting(["lotte was packed again this morning."], given) == []
    assert lasting(["noor is just raining all week here."], "noor: It's been raining all week here.") == []
    # a thing of theirs, a message with "I" or "my", one that starts with them: kept
    assert lasting(["lotte's kids start school on Monday."], "lotte: The kids start school on Monday.") != []
    assert lasting(["lotte has a dog."], "lotte: The thing is, I have a dog.") == ["lotte has a dog."]
    assert lasting(["lotte just got promoted."], "lotte: Just got promoted!") == ["lotte just got promoted."]


def test_a_date_the_message_said_is_put_back_on_its_one_fact():
    from memlora_mlx.ops.dates import with_said_date
    from memlora_mlx.ops.extract import build_messages
    from memlora_mlx.types import Turn

    def given(text):
        return build_messages([Turn("hana", text)], "2026-12-05")[-1]["content"]

    # the thirty-sixth session's hana drive, verbatim: the month the prompt showed was left out
    trip = given("Next month I'm going to Lisbon with my friend Mei.")
    fact = "hana is going to Lisbon with hana's friend Mei."
    assert with_said_date([fact], trip) == ["hana is going to Lisbon with hana's friend Mei in January 2027."]
    cat = given("Yesterday I adopted a cat named Miso.")
    assert with_said_date(["hana adopted a cat named Miso."], cat) == \
        ["hana adopted a cat named Miso on 4 December 2026."]
    # unchanged: a fact with its date, two facts, a message with no date
    dated = "hana is going to Lisbon in January 2027."
    assert with_said_date([dated], trip) == [dated]
    two = [fact, "hana's friend Mei lives in Porto."]
    assert with_said_date(two, trip) == two
    berlin = given("I've lived in Berlin since 2019 and I love it.")  # the date is of the other clause
    assert with_said_date(["hana loves Berlin."], berlin) == ["hana loves Berlin."]
    assert with_said_date(["hana has lived in Berlin."], berlin) == ["hana has lived in Berlin since 2019."]
    violin = "hana has played the violin since hana was seven."
    assert with_said_date([violin], given("I've played the violin since I was seven.")) == [violin]
    # a weekday habit (the thirty-seventh session's ines drive, verbatim)
    climbing = given("Every Saturday I go climbing with my friend Tom.")
    assert with_said_date(["hana goes climbing with hana's friend Tom."], climbing) == [
        "hana goes climbing with hana's friend Tom every Saturday."]
    assert with_said_date(["hana swims at the lido."], given("I swim at the lido on Sundays.")) == [
        "hana swims at the lido on Sundays."]
    run = "hana runs five kilometres every Sunday morning."
    assert with_said_date([run], given("I run five kilometres every Sunday morning.")) == [run]


class _LeavesOutTheMonth(_ChatAdapterEngine):
    def generate(self, messages, adapter=None, **kw):
        if adapter and adapter.startswith("extract"):
            return '{"facts": ["hana is going to Lisbon with hana\'s friend Mei."]}'
        return super().generate(messages, adapter=adapter, **kw)


def test_a_chat_message_keeps_its_date_and_a_window_is_left_as_it_is(tmp_path, embedder):
    with Memory(engine=_LeavesOutTheMonth(), store=tmp_path / "s", embedder=embedder) as m:
        said = [{"role": "user", "content": "Next month I'm going to Lisbon with my friend Mei."}]
        m.add(said, user_id="hana", session_date="2026-12-05")  # the chat
        assert [r["memory"] for r in m.get_all(user_id="hana")["results"]] == \
            ["hana is going to Lisbon with hana's friend Mei in January 2027."]
    with Memory(engine=_LeavesOutTheMonth(), store=tmp_path / "w", embedder=embedder) as m:
        m.add([{"role": "user", "content": "Hi."}, *said], user_id="hana", session_date="2026-12-05")  # a window
        assert [r["memory"] for r in m.get_all(user_id="hana")["results"]] == \
            ["hana is going to Lisbon with hana's friend Mei."]


def test_today_in_a_chat_fact_is_stored_as_the_day_it_was_said():
    import json

    from memlora_mlx.ops.dates import said_day_dated
    from memlora_mlx.ops.extract import CHAT_ADAPTER, _facts_of, build_messages
    from memlora_mlx.ops.reply_dates import as_of_today
    from memlora_mlx.types import Turn

    # the fortieth session's kwame, verbatim: "this morning" was stored as said, and stayed so on every later day
    turns = [Turn("kwame", "My flight to Accra got cancelled this morning, so annoying.")]
    messages = build_messages(turns, "2026-12-05")
    out = json.dumps({"facts": ["kwame's flight to Accra got cancelled this morning."]})
    dated = "kwame's flight to Accra got cancelled on 5 December 2026."
    assert _facts_of(out, messages, turns, CHAT_ADAPTER) == [dated]
    assert as_of_today("Your flight to Accra got cancelled on 5 December 2026.", "2026-12-06") == \
        "Your flight to Accra got cancelled yesterday."
    assert said_day_dated(["lotte is going to a concert tonight.", "lotte is tired."], messages[-1]["content"]) == \
        ["lotte is going to a concert on 5 December 2026.", "lotte is tired."]
    assert said_day_dated(["lotte missed today's match."], messages[-1]["content"]) == ["lotte missed today's match."]
    # a window of several turns (LoCoMo's, `memlora ingest`): unchanged, as the answer op shows their dates
    assert _facts_of(out, messages, turns, "extract") == ["kwame's flight to Accra got cancelled this morning."]
    assert said_day_dated(["Nate won today."], "Nate: I won today.") == ["Nate won today."]  # no session date
