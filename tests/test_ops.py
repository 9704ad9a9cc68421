"""The three operations end to end on the embedded model (bare base, session-scoped engine), small max_tokens."""

from memlora_mlx.memory import Memory
from memlora_mlx.ops import answer, extract, update
from memlora_mlx.types import Turn

TURNS = [Turn("Caroline", "Hi Mel! Big news: I moved to Boston last week for my new job as a nurse."),
         Turn("Melanie", "Congrats! I just adopted a dog named Luna.")]


def test_extract_on_the_embedded_model(default_engine):
    msgs = extract.build_messages(TURNS, "3 June 2023")
    raw = default_engine.generate(msgs, adapter="extract", max_tokens=64, stop=extract.STOP)
    stats = default_engine.last_stats
    assert stats["prompt_tokens"] < 300  # the prompt stays short on a 135M CPU model
    facts, rejects = extract.parse_facts(raw)
    # The worked example makes even the bare base emit the JSON format.
    assert facts and all(isinstance(f, str) and f for f in facts), (raw, rejects)
    assert any("Boston" in f for f in facts), facts
    # The static prefix is cached: a second call with other turns reuses it.
    extract.extract_facts(default_engine, [Turn("Caroline", "I love jazz.")], "3 June 2023", max_tokens=8)
    assert default_engine.last_stats["cached_tokens"] >= default_engine.count_tokens(extract.SYSTEM_PROMPT)


def test_update_decide_on_the_embedded_model(default_engine, caplog):
    mems = ["Caroline works as a nurse.", "Caroline lives in Boston."]
    with caplog.at_level("INFO", logger="memlora_mlx.ops.update"):
        d = update.decide(default_engine, "Caroline moved to Seattle.", mems, max_tokens=40)
    prompt = default_engine.prompt_tokens(update.build_messages("Caroline moved to Seattle.", mems))
    assert default_engine.last_stats["prompt_tokens"] == len(prompt)  # a real model call (no fast path)
    assert "rejected" not in caplog.text  # the worked example makes the bare base emit a valid decision
    assert d.event in update.EVENTS
    assert d.event not in ("ADD", "UPDATE") or d.text
    assert d.event not in ("UPDATE", "DELETE") or 0 <= d.index < len(mems)


def test_answer_on_the_embedded_model(default_engine):
    mems = [{"text": "Melanie adopted a dog named Luna.", "date": "2023-06-03", "speaker": "Melanie"}]
    a = answer.answer_question(default_engine, "What is the name of Melanie's dog?", mems, max_tokens=12)
    assert a and "\n" not in a and len(a.split()) <= 12
    streamed = "".join(answer.stream_answer(default_engine, "What is the name of Melanie's dog?", mems, max_tokens=12))
    assert answer.clean_answer(streamed) == a  # streaming and generate agree at temperature 0


def test_memory_add_and_answer_end_to_end(default_engine, embedder, tmp_path):
    events = []
    with Memory(engine=default_engine, store=tmp_path / "s", embedder=embedder, on_event=events.append,
                max_tokens={"extract": 64, "update": 40, "answer": 12}) as mem:
        res = mem.add(TURNS, user_id="caroline", session_date="1:56 pm on 3 June, 2023")["results"]
        assert res and all(r["event"] == "ADD" for r in res)  # empty store: every fact is new
        stored = {m["id"]: m for m in mem.get_all("caroline")["results"]}
        assert {r["id"] for r in res} == set(stored) and [e["id"] for e in events] == [r["id"] for r in res]
        for r in res:
            assert stored[r["id"]]["source"]["session_date"] == "3 June 2023"
            assert mem.history(r["id"])[0]["event"] == "ADD"
        out = mem.answer("Where did Caroline move?", user_id=["caroline", "melanie"], limit=3)
        assert isinstance(out["answer"], str) and out["answer"]
        assert out["memories"] and out["memories"][0]["user_id"] == "caroline"


def test_extract_stops_a_repeating_list():
    """Greedy small models can list one fact forever; extraction stops at the first repeat."""
    from memlora_mlx.ops.extract import extract_facts
    from memlora_mlx.types import Turn

    class Looping:  # stands in for the LLM only: emits a list that repeats itself
        def __init__(self):
            self.pulled = 0

        def stream(self, messages, **kw):
            for piece in ['{"facts": [', '"Ann likes tea."', ', ', '"Bob runs."'] + [', ', '"Ann likes tea."'] * 50:
                self.pulled += 1
                yield piece

    eng = Looping()
    facts = extract_facts(eng, [Turn("Ann", "I like tea"), Turn("Bob", "I run")], "8 May 2023")
    assert facts == ["Ann likes tea.", "Bob runs."]
    assert eng.pulled < 10


def test_extract_context_is_shown_before_the_new_turns_and_absent_by_default():
    new = [Turn("mia", "She's called Bean.")]
    plain = extract.build_messages(new, "2026-12-02")
    assert extract.CONTEXT_HEAD not in plain[-1]["content"] and plain[-1]["content"].endswith("mia: She's called Bean.")
    shown = extract.build_messages(new, "2026-12-02", context=[Turn("mia", "I just adopted a puppy.")])
    assert shown[:-1] == plain[:-1]  # system and example unchanged: the cached prefix holds
    assert shown[-1]["content"] == ("Session date: 2 December 2026\n\nEarlier, already remembered:\n"
                                    "mia: I just adopted a puppy.\n\nNew:\nmia: She's called Bean.")


def test_an_extract_adapter_trained_on_single_messages_leaves_windows_to_the_base(tmp_path, embedder):
    from support.scripted_engine import ScriptedEngine

    class MessageTrained(ScriptedEngine):
        adapter_configs = {"extract": {"inputs": "message"}}

    one, two = [TURNS[0]], TURNS
    assert extract.adapter_for(MessageTrained(), one) == "extract"
    assert extract.adapter_for(MessageTrained(), two) is None  # a window: the bare base
    assert extract.adapter_for(ScriptedEngine(), two) == "extract"  # no such mark: the adapter as before
    eng = MessageTrained()
    with Memory(engine=eng, store=tmp_path / "s", embedder=embedder) as m:
        m.add([{"role": "user", "content": "I moved to Boston last week."}], user_id="caroline")
        m.add([{"role": "user", "content": "I moved to Boston."}, {"role": "user", "content": "I got a dog."}],
              user_id="mel")
    extracts = [a for a, _ in eng.calls if a != "update"]
    assert extracts == ["extract", None]


def test_one_message_said_on_its_own_goes_to_extract_chat_the_turns_of_a_window_to_extract(tmp_path, embedder):
    from support.scripted_engine import ScriptedEngine

    class WithChatAdapter(ScriptedEngine):
        adapter_configs = {"extract": {}, "extract-chat": {}}

    eng = WithChatAdapter()
    five = [{"role": "user", "content": f"I have {n} cats."} for n in ("two", "three", "four", "five", "six")]
    with Memory(engine=eng, store=tmp_path / "s", embedder=embedder) as m:
        m.add([{"role": "user", "content": "I'm allergic to peanuts."}], user_id="noor")  # the chat, memlora add
        m.add(five, user_id="noor")  # a window of four, then its last turn alone: both part of one conversation
    extracts = [(a, u.count("noor:")) for a, u in eng.calls if a != "update"]
    assert extracts == [("extract-chat", 1), ("extract", 4), ("extract", 1)]
    assert extract.adapter_for(eng, [TURNS[0]], whole=False) == "extract"
    assert extract.adapter_for(ScriptedEngine(), [TURNS[0]]) == "extract"  # none loaded: as before
