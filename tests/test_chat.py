"""memlora_mlx.chat: a Conversation on a real Engine (tiny random-weight llama with the real tokenizer; its replies
are noise, which is fine for plumbing) and a real Memory on LanceDB; the scripted drive end to end."""

import io
import json

import pytest

import memlora_mlx  # noqa: F401 - BLAS preload before mlx
from memlora_mlx.chat import drive
from memlora_mlx.chat.conversation import Conversation
from memlora_mlx.memory import Memory
from memlora_mlx.ops import reply as reply_op
from memlora_mlx.ops import words

from support.scripted_engine import ChatScriptedEngine, DraftingEngine


class Recording:
    """Wraps an engine; keeps the messages of every `stream` call."""

    def __init__(self, engine):
        self._engine, self.prompts = engine, []

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def stream(self, messages, **kw):
        self.prompts.append((kw.get("adapter"), messages))
        yield from self._engine.stream(messages, **kw)


@pytest.fixture(scope="module")
def tiny_engine(tiny_model_dir):
    from memlora_mlx.engine import Engine

    return Engine(str(tiny_model_dir), adapters="none")


@pytest.fixture
def memory(tmp_path, embedder, tiny_engine):
    m = Memory(engine=Recording(tiny_engine), store=tmp_path / "store", embedder=embedder)
    yield m
    m.close()


@pytest.mark.parametrize("budget", [200, 100_000])
def test_long_chat_stays_within_budget_and_context(memory, budget):
    """40 messages (one of them huge): every prompt fits the model's context minus the reply; the history part fits
    the budget; older turns leave the prompt whole, and only when the history is trimmed does the prefix change."""
    engine, max_tokens = memory.engine, 24
    conv = Conversation(memory, "alex", max_tokens=max_tokens, history_budget=budget)
    messages = [f"message {i}: I like the number {i} and the colour blue very much" for i in range(40)]
    messages[25] = "a long one: " + "lorem ipsum dolor " * 1500
    for text in messages:
        reply = conv.turn(text)
        assert reply_op.drop_repeats("".join(reply)) == reply.text and reply.done  # what streamed, less a looped tail
    prompts = [m for adapter, m in engine.prompts if adapter == "reply"]
    assert len(prompts) == 40 and len(conv.history) == 80
    limit = engine.context_length - max_tokens
    breaks = 0
    for i, msgs in enumerate(prompts):
        n = len(engine.prompt_tokens(msgs))
        assert n <= limit, f"prompt {i}: {n} tokens > {limit}"
        history = n - len(engine.prompt_tokens([*msgs[:2], msgs[-1]]))  # less system, opening, message
        assert history <= budget, f"prompt {i}: history {history} tokens > budget {budget}"
        assert msgs[1] == {"role": "assistant", "content": conv.opening}
        assert all(m["role"] == "user" for m in msgs[2:-1])  # earlier user messages; replies stay out
        if i and msgs[2:-1] and prompts[i - 1][2:-1] != msgs[2:-1][:len(prompts[i - 1]) - 3]:
            breaks += 1
    last = prompts[-1]
    assert last[-1]["content"].endswith(messages[-1])
    assert last[-2]["content"] == messages[-2]  # the newest turn is there, as typed
    assert not any(m["content"] == messages[0] for m in last)  # the oldest is reachable only through memory
    assert "lorem ipsum" in prompts[25][-1]["content"]  # the huge message was cut to fit, not dropped
    if budget == 200:  # trimmed in steps (half the budget), so the cached prefix usually survives a turn
        assert 0 < breaks <= 40 // 2


def test_stop_keeps_the_partial_reply(memory):
    conv = Conversation(memory, "alex", max_tokens=200, history_budget=200)
    reply = conv.turn("tell me a long story")
    seen = []
    for delta in reply:
        seen.append(delta)
        if len(seen) == 3:
            reply.stop()
    assert reply.stopped and reply.done and len(seen) == 3 and reply.text == reply_op.drop_repeats("".join(seen))
    assert conv.history == [{"role": "user", "content": "tell me a long story"},
                            {"role": "assistant", "content": reply.text.strip()}]
    assert reply.first_token_s is not None and reply.total_s >= reply.first_token_s
    # the engine is free again, and the next reply is written with the stopped turn's message in its history
    nxt = conv.turn("and then?")
    assert reply_op.drop_repeats("".join(nxt)) == nxt.text and not nxt.stopped
    assert memory.engine.prompts[-1][1][-2] == {"role": "user", "content": "tell me a long story"}


def test_recall_gives_related_memories_and_remember_sees_only_the_message(tmp_path, embedder):
    engine = ChatScriptedEngine()
    with Memory(engine=engine, store=tmp_path / "store", embedder=embedder) as m:
        m.add("Alex has a dog named Rex", user_id="alex", infer=False)
        m.add("Alex has a dog named Rex.", user_id="alex", infer=False)  # exact duplicate in another row
        m.add("The stock market closed higher on Tuesday", user_id="alex", infer=False)
        conv = Conversation(m, "alex")
        reply = conv.turn("What is my dog called?")
        text = "".join(reply)
        # deduplicated; the unrelated memory is below min_score
        assert [t.rstrip(".") for t in reply.memory_texts] == ["Alex has a dog named Rex"]
        assert text.startswith("From memory: You have a dog named Rex")  # said to the user
        assert engine.calls[-1][0] == "reply" and "What you remember about me" in engine.calls[-1][1]
        events = conv.remember("My sister Anna is a firefighter in Denver.", "Got it.")
        assert [e["event"] for e in events] == ["ADD"] and "Anna is a firefighter" in events[0]["memory"]
        extract_inputs = [u for a, u in engine.calls if a == "extract"]
        assert extract_inputs and "Got it." not in extract_inputs[-1]  # the reply is not mined for facts
        # a new chat on the same memory: no history, the memory is there
        other = conv.new()
        assert other.history == [] and other.lock is conv.lock
        assert any("Anna" in t for t in other.turn("What does my sister do?").memory_texts)
        # a first-person question finds a third-person memory: the raw words score under min_score
        m.add("alex works as a nurse at St. Mary's Hospital.", user_id="alex", infer=False)
        raw = m.search("Where do I work?", user_id="alex", limit=5)["results"]
        assert not [h for h in raw if "nurse" in h["memory"] and h["score"] >= other.min_score]
        assert any("nurse" in h["memory"] for h in other.recall("Where do I work?"))


def test_recall_keeps_only_memories_close_to_the_best_hit(tmp_path, embedder):
    """Every memory of a user names them, so unrelated ones score ~0.4-0.5 against a third-person query; the margin
    keeps the reply's memories to the ones near the best hit (the 0.5B restates whatever it is shown)."""
    facts = ["alex goes rock climbing every Saturday morning.", "alex has two cats called Pixel and Mochi.",
             "alex works as a nurse at St. Mary's Hospital.", "alex's favourite food is mushroom risotto.",
             "alex's sister Maria works as a pilot in Lisbon."]
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as m:
        for f in facts:
            m.add(f, user_id="alex", infer=False)
        conv, wide = Conversation(m, "alex"), Conversation(m, "alex", min_score=0.3, margin=1.0, min_relevance=None)
        for question, key in [("What are my cats called?", "cats"), ("What is my favourite food?", "risotto")]:
            got = [h["memory"] for h in conv.recall(question)]
            assert key in got[0] and len(got) == 1, got
            assert len(wide.recall(question)) == len(facts)  # without the margin: everything the user said
        assert conv.recall("Anyway, have a nice evening.") == []
        # the user's own name is in every memory: no key to any (thirty-fourth session's yusuf, "Hey, it's Yusuf.",
        # was shown all five memories and said them back as his own, his daughter's "loves dinosaurs" too)
        assert conv.recall("Hey, it's Alex.") == []


def test_recall_puts_the_memory_about_the_question_first(tmp_path, embedder):
    """The reply's 0.5B answers from the first memory it is shown: the twenty-fourth session's drive got "Your
    daughter Zara is six years old." for "What is Zara learning?", the search ranking the age first."""
    facts = ["priyanka's daughter Zara is six.", "priyanka's daughter Zara just started ballet."]
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as m:
        for f in facts:
            m.add(f, user_id="priyanka", infer=False)
        question = "What is my daughter Zara learning?"
        searched = [h["memory"] for h in m.search("What is priyanka's daughter Zara learning?", user_id="priyanka")[
            "results"]]
        assert searched == facts  # the search's own order, which the reply used to get
        assert [h["memory"] for h in Conversation(m, "priyanka").recall(question)] == facts[::-1]


def test_recall_drops_memories_that_do_not_answer_the_message(tmp_path, embedder):
    """The user's name lifts every memory of theirs against the query; name-free, a memory about something else
    falls under min_relevance, and the reply is shown nothing to answer from ("What's my brother's name?" got
    "Your brother's name is Tessa." from the partner's memory)."""
    facts = ["rui is training for the Berlin marathon in September.", "rui's partner Tessa is a vet.",
             "rui can't eat gluten."]
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as m:
        for f in facts:
            m.add(f, user_id="rui", infer=False)
        conv, ungated = Conversation(m, "rui"), Conversation(m, "rui", min_relevance=None)
        assert ungated.recall("What's my brother's name?")  # the name alone carries them over min_score
        assert conv.recall("What's my brother's name?") == []
        assert conv.recall("What's my cat called?") == []
        # cosine 0.31, under min_relevance, kept by the word it shares ("partner")
        assert conv.relevance("What does my partner do?", [{"memory": facts[1]}])[0] < conv.min_relevance
        assert words.content_words("What does my partner do?") == {"partner"}
        for question, key in [("What does Tessa do?", "Tessa"), ("What race am I training for?", "marathon"),
                              ("What can't I eat?", "gluten"), ("What does my partner do?", "Tessa")]:
            assert [key in h["memory"] for h in conv.recall(question)] == [True], question
        rel = conv.relevance("What does Tessa do?", [{"memory": facts[1]}, {"memory": facts[2]}])
        assert rel[0] >= conv.min_relevance > rel[1]
        assert conv.new().min_relevance == conv.min_relevance


SCRIPT = """# chat one
My sister Anna is a firefighter in Denver.
hello there!

/new
# chat two
What does my sister do?
"""


INVENTED = {"brother": "Your brother's name is Rui.", "my partner do": "Your partner Tessa is a vet in Paris.",
            "instrument": "I am learning the piano."}


def test_a_fact_claimed_with_no_memory_shown_is_replaced(tmp_path, embedder):
    with Memory(engine=DraftingEngine({"job": "You work as a teacher."}), store=tmp_path / "s", embedder=embedder) as m:
        reply = Conversation(m, "rui").turn("What is my job?")
        assert "".join(reply) == "You work as a teacher." and reply.memories == []
        assert reply.text == reply_op.UNGROUNDED_REPLY and "teacher" in reply.ungrounded
    # the model taking "my job" for its own (lee's chat, fourteenth session)
    ai = "I am an AI language model created by OpenAI."
    with Memory(engine=DraftingEngine({"job": ai}), store=tmp_path / "s2", embedder=embedder) as m:
        reply = Conversation(m, "lee").turn("What is my job?")
        assert "".join(reply) == ai and reply.text == reply_op.UNGROUNDED_REPLY and "OpenAI" in reply.ungrounded


def test_a_reply_naming_what_nobody_said_is_replaced(tmp_path, embedder):
    with Memory(engine=DraftingEngine(INVENTED), store=tmp_path / "store", embedder=embedder) as m:
        m.add("rui's partner Tessa is a vet.", user_id="rui", infer=False)
        conv = Conversation(m, "rui")
        reply = conv.turn("What's my brother's name?")
        assert "".join(reply) == "Your brother's name is Rui."  # streamed as the model wrote it
        assert reply.text == reply_op.UNGROUNDED_REPLY and reply.ungrounded == ["Rui"]
        assert conv.history[-1] == {"role": "assistant", "content": reply_op.UNGROUNDED_REPLY}
        # a memory was shown: the made-up reply gives way to it
        fixed = conv.turn("What does my partner do?")
        assert "".join(fixed) == "Your partner Tessa is a vet in Paris." and fixed.ungrounded == ["Paris"]
        assert fixed.text == "What I remember: Your partner Tessa is a vet."
        ok = conv.turn("What does Tessa do?")
        assert ok.understood == "What does my partner Tessa do?"  # who Tessa is, from memory
        assert "Tessa is a vet" in "".join(ok) and ok.text == "From memory: Your partner Tessa is a vet." \
            and ok.ungrounded == []
        m.add("rui has been learning the cello since September.", user_id="rui", infer=False)
        noun = conv.turn("Which instrument am I learning?")
        assert "".join(noun) == "I am learning the piano." and noun.ungrounded == ["piano"]  # said to rui, then caught
        assert noun.text == "What I remember: You have been learning the cello since September."
        script = tmp_path / "chat.txt"
        script.write_text("What's my brother's name?\n")
        out = io.StringIO()
        assert drive.main(script, user="rui", memory=m, out=out, max_tokens=12) == 0
        assert "replaced by: I don't know that yet: you haven't told me. (the draft named Rui" in out.getvalue()


AS_THE_USER = {  # drafts seen with the opening line
    "car": "I drive a blue Honda Civic. I hope that helps!",  # restates the memory as the user
    "dog": "I drive a blue Honda Civic.",  # nothing about a car was recalled for this one
    "Priya": "Hi Priya, nice to see you. How are you?",  # the opening, copied to a person the message names
    "Honda": "I'm sorry, but I don't have any information about your Honda.",  # refuses what it was shown
    "girlfriend": "Hi Sam, nice to see you. How are you? Tell me about your girlfriend.",  # the opening, to a question
    "nurse": "I remember Maria working as a pilot in Lisbon.",  # another memory, for a statement
}


def test_a_memory_said_back_as_the_user_is_turned_to_them(tmp_path, embedder):
    with Memory(engine=DraftingEngine(AS_THE_USER), store=tmp_path / "store", embedder=embedder) as m:
        m.add("sam drives a blue Honda Civic.", user_id="sam", infer=False)
        conv = Conversation(m, "sam")
        reply = conv.turn("What car do I drive?")
        assert "".join(reply) == "I drive a blue Honda Civic. I hope that helps!"  # streamed as written
        assert reply.text == "You drive a blue Honda Civic. I hope that helps!"  # the other sentence left alone
        assert conv.history[-1]["content"] == reply.text
        other = conv.turn("What's my dog called?")
        "".join(other)
        # no memory shown: not turned to "you"; as a first-person claim to a question for a fact, it is replaced
        assert other.memories == [] and other.text == reply_op.UNGROUNDED_REPLY
        refused = conv.turn("Is my Honda blue?")
        "".join(refused)
        assert refused.memory_texts == ["sam drives a blue Honda Civic."]
        assert refused.text == "What I remember: You drive a blue Honda Civic."  # the memory it was shown, not "I don't"
        greeted = conv.turn("My girlfriend Priya is a dentist.")
        assert "".join(greeted) == "Hi Priya, nice to see you. How are you?"
        assert greeted.text == "Got it: your girlfriend Priya is a dentist."
        m.add("sam's girlfriend Priya is a dentist.", user_id="sam", infer=False)
        asked = conv.turn("What's my girlfriend's name?")
        assert "".join(asked).startswith("Hi Sam, nice to see you.")
        assert asked.text == "What I remember: Your girlfriend Priya is a dentist."
        m.add("sam's sister Maria works as a pilot in Lisbon.", user_id="sam", infer=False)
        told = conv.turn("I work as a nurse at St. Mary's Hospital.")
        assert "".join(told) == "I remember Maria working as a pilot in Lisbon."
        assert "sam's sister Maria works as a pilot in Lisbon." in told.memory_texts  # shown for it (cosine 0.34)
        assert told.text == "Got it: you work as a nurse at St. Mary's Hospital."
        script = tmp_path / "chat.txt"
        script.write_text("What car do I drive?\n")
        out = io.StringIO()
        assert drive.main(script, user="sam", memory=m, out=out, max_tokens=12) == 0
        assert "  final text: You drive a blue Honda Civic. I hope that helps!" in out.getvalue()


def test_drive_plays_a_script_end_to_end(tmp_path, memory):
    script = tmp_path / "chat.txt"
    script.write_text(SCRIPT)
    assert drive.read_script(script) == ["My sister Anna is a firefighter in Denver.", "hello there!", "/new",
                                         "What does my sister do?"]
    out = io.StringIO()
    assert drive.main(script, user="alex", memory=memory, out=out, max_tokens=12) == 0
    text = out.getvalue()
    assert text.count(f"memlora: {reply_op.opening('alex')}") == 2  # each chat opens with it
    for line in ("== chat 1 ==", "you: My sister Anna is a firefighter in Denver.", "== chat 2 (new chat",
                 "you: What does my sister do?", "first token", "recalled:", "pipeline", "== summary",
                 "first token p50", "memories created (ADD events)"):
        assert line in text, line
    adapters = [a for a, _ in memory.engine.prompts]
    assert adapters[0] == "reply" and "extract" in adapters  # each reply, then its memory pipeline
    assert adapters.index("extract") < [i for i, a in enumerate(adapters) if a == "reply"][1]
    # JSON report, on a second run over the same memory
    out = io.StringIO()
    assert drive.main(script, user="alex", memory=memory, out=out, json_out=True, max_tokens=12) == 0
    report = json.loads(out.getvalue())
    assert [t["chat"] for t in report["turns"]] == [1, 1, 2]
    for t in report["turns"]:
        assert t["reply_s"] >= t["first_token_s"] > 0 and t["tokens"] > 0 and "events" in t
    s = report["summary"]
    assert s["messages"] == 3 and s["failed"] == 0 and s["first_token_p50_s"] <= s["first_token_p95_s"]
    assert s["memories"] == sorted(r["memory"] for r in memory.get_all(user_id="alex")["results"])


@pytest.mark.parametrize("history", [None, 200])
def test_history_is_off_by_default_and_on_with_history_tokens(tmp_path, memory, history):
    from memlora_mlx.cli import build_parser

    argv = ["chat", "--script", "x.txt"] + ([] if history is None else ["--history-tokens", str(history)])
    assert build_parser(argv).parse_args(argv).history_tokens == history
    bad = ["chat", "--history-tokens", "-5"]
    with pytest.raises(SystemExit, match="must be 0 or more"):
        build_parser(bad).parse_args(bad).func(build_parser(bad).parse_args(bad))
    script = tmp_path / "chat.txt"
    script.write_text(SCRIPT)
    kw = {} if history is None else {"history_budget": history}
    drive.main(script, user="alex", memory=memory, out=io.StringIO(), max_tokens=8, **kw)
    second = [msgs for a, msgs in memory.engine.prompts if a == "reply"][1]  # the second message's reply
    earlier = {"role": "user", "content": "My sister Anna is a firefighter in Denver."}
    assert (earlier in second) == (history is not None) and second[-1]["content"].startswith("hello there!")


def test_drive_events_are_attributed_to_their_message(tmp_path, embedder):
    script = tmp_path / "chat.txt"
    script.write_text(SCRIPT)
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as m:
        out = io.StringIO()
        drive.main(script, user="alex", memory=m, out=out, json_out=True)
    turns = json.loads(out.getvalue())["turns"]
    assert [e["event"] for e in turns[0]["events"]] == ["ADD"] and "Anna" in turns[0]["events"][0]["memory"]
    assert turns[2]["events"] == []  # a question: no memory
    assert turns[2]["reply"].startswith("From memory:") and any("Anna" in r for r in turns[2]["recalled"])


def test_percentile():
    assert drive.percentile([], 50) is None
    assert drive.percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert drive.percentile([float(i) for i in range(1, 101)], 95) == 95.0
    assert reply_op.MAX_TOKENS > 0


def test_warm_computes_the_reply_prefix_before_the_first_message(memory):
    conv = Conversation(memory, "warm-test-user")  # a system text no other test put in the shared engine's cache
    assert conv.warm() > 0
    system = conv.messages("Hello!", [])[0]
    "".join(conv.turn("Hello!"))
    # the system text came from the warm-up's cache; only the message's own tokens were computed
    assert memory.engine.last_stats["cached_tokens"] >= memory.engine.count_tokens(system["content"])


def test_extract_context_sends_the_previous_message_along(memory):
    conv = Conversation(memory, "mia", extract_context=1)
    for text in ("I just adopted a puppy.", "She's called Bean."):
        "".join(conv.turn(text))
        conv.remember(text)
    extracts = [m for adapter, m in memory.engine.prompts if adapter == "extract"]
    assert "Earlier, already remembered" not in extracts[0][-1]["content"]  # the first message has no earlier one
    assert extracts[-1][-1]["content"].endswith(  # the follow-up resolved as well (chat/followup.py)
        "Earlier, already remembered:\nmia: I just adopted a puppy.\n\nNew:\nmia: My puppy is called Bean.")
    assert conv.new().extract_context == 1 and conv.new().earlier_messages("x") == []  # a new chat starts afresh
    memory.engine.adapter_configs = {"extract": {"context_turns": 1}}  # an extract adapter trained with context
    assert Conversation(memory, "mia").extract_context == 1
    # one message goes to extract-chat when it is loaded (ops/extract.py: adapter_for): its training decides
    memory.engine.adapter_configs = {"extract": {"context_turns": 1}, "extract-chat": {"op": "extract"}}
    assert Conversation(memory, "mia").extract_context == 0
    memory.engine.adapter_configs = {"extract": {}}
    plain = Conversation(memory, "mia")  # an adapter trained without: the message alone
    "".join(plain.turn("He is five."))
    plain.remember("He is five.")
    assert [m for a, m in memory.engine.prompts if a == "extract"][-1][-1]["content"].endswith("\n\nmia: He is five.")


def test_a_follow_up_is_resolved_for_memory_recall_and_the_reply(tmp_path, memory):
    conv = Conversation(memory, "mia")
    for text in ("I just adopted a puppy.", "She's called Bean and she's a beagle."):
        reply = conv.turn(text)
        "".join(reply)
        conv.remember(text)
    assert reply.understood == "My puppy is called Bean and she's a beagle."
    prompts = memory.engine.prompts
    assert [m for a, m in prompts if a == "extract"][-1][-1]["content"].endswith(
        "mia: My puppy is called Bean and she's a beagle.")
    assert [m for a, m in prompts if a == "reply"][-1][-1]["content"].startswith("My puppy is called Bean")
    assert conv.history[-2]["content"] == "She's called Bean and she's a beagle."  # the chat keeps the words said
    assert conv.understood("What's her name again?") == "What's my puppy's name again?"
    assert conv.new().understood("What's her name again?") == "What's her name again?"  # a new chat: nothing before
    script = tmp_path / "chat.txt"
    script.write_text("My brother Sam lives in Oslo.\nHe works as a chef there.\n")
    out = io.StringIO()
    assert drive.main(script, user="mia", memory=memory, out=out, max_tokens=8) == 0
    assert "  understood as: My brother Sam works as a chef there." in out.getvalue()
