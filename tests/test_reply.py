"""ops.reply: the chat reply's prompt — the user's messages of the newest turns within a token budget, memories
deduplicated and dated in the last user message, a context guard for huge messages, no worked examples."""

import re

import memlora_mlx  # noqa: F401 - BLAS preload before mlx
from memlora_mlx.ops import reply as R
from memlora_mlx.ops import reply_checks as C
from memlora_mlx.ops import reply_grounding as G
from memlora_mlx.ops.reply_person import NO_TRAVELS


def words(text: str) -> int:
    return len(text.split())


def turn(i: int, n_words: int = 10) -> list[dict]:
    return [{"role": "user", "content": f"user{i} " + "w " * (n_words - 1)},
            {"role": "assistant", "content": f"bot{i} " + "w " * (n_words - 1)}]


def history_tokens(messages: list[dict]) -> int:
    return sum(words(m["content"]) + R.MESSAGE_OVERHEAD for m in messages[2:-1])  # after system and opening


def test_budget_keeps_the_newest_turns_user_messages_and_never_exceeds_it():
    history = [m for i in range(20) for m in turn(i)]  # each turn's user message: 10 + overhead "tokens"
    per_turn = 10 + R.MESSAGE_OVERHEAD
    for budget in (0, 10, per_turn - 1, per_turn, 100, 5 * per_turn + 3, 10_000):
        msgs = R.build_messages("hello", [], history, user="alex", count_tokens=words, budget=budget)
        kept = msgs[2:-1]
        assert history_tokens(msgs) <= budget
        assert len(kept) == min(20, budget // per_turn)  # as many as fit
        assert all(m["role"] == "user" for m in kept)  # the assistant's own replies stay out (they get copied)
        if kept:  # the newest ones, in order
            assert kept[-1]["content"].startswith("user19")
            assert [m["content"].split()[0] for m in kept] == [f"user{i}" for i in range(20 - len(kept), 20)]
    # a message too big for the budget is not cut in half; older turns behind it are not used either
    big = turn(0) + [{"role": "user", "content": "x " * 500}, {"role": "assistant", "content": "ok"}] + turn(2)
    msgs = R.build_messages("hi", [], big, user="alex", count_tokens=words, budget=200)
    assert [m["content"].split()[0] for m in msgs[2:-1]] == ["user2"]
    # a long reply costs the budget nothing
    chatty = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "w " * 5000}]
    assert R.turn_tokens(chatty, words) == 1 + R.MESSAGE_OVERHEAD


def test_memories_are_deduplicated_dated_top_k_and_in_the_last_message():
    mems = [{"text": "Alex has a dog named Rex.", "date": "2023-05-08"},
            {"text": "alex has a dog named rex", "date": "2024-01-01"},  # same fact, other case/punctuation
            {"memory": "Alex works as a nurse.", "date": None},
            *({"text": f"fact {i}"} for i in range(10))]
    msgs = R.build_messages("Where do I work?", mems, turn(0), user="alex", count_tokens=words, top_k=4)
    system, final = msgs[0]["content"], msgs[-1]["content"]
    assert msgs[-1]["role"] == "user" and final.startswith("Where do I work?\n\n")  # the user's words, then the note
    # said to the user: the bare 0.5B answered from "You work as a nurse." where it refused "Alex works as a nurse."
    assert "[What you remember about me, use only if relevant:\n- 8 May 2023: You have a dog named Rex.\n- You work as a nurse.\n" in final
    assert final.lower().count("rex") == 1 and "fact 2" not in final and "fact 1" in final  # 4 distinct, in order
    assert "Rex" not in system and "nurse" not in system  # memories stay out of the cached prefix
    assert "alex" in system and re.search(r"Today is \d{1,2} \w+ \d{4}", system)
    assert R.build_messages("hi", [], [], user="alex")[-1]["content"] == "hi"  # no memories: no note


def test_system_and_history_are_a_stable_prefix_across_turns():
    history = turn(0) + turn(1)
    a = R.build_messages("first?", [{"text": "A"}], history, user="u", today="2026-11-25", count_tokens=words)
    b = R.build_messages("second", [{"text": "B"}], history, user="u", today="2026-11-25", count_tokens=words)
    assert a[:-1] == b[:-1] and a[-1] != b[-1]


def test_context_guard_fits_a_huge_message_and_many_memories():
    huge = "word " * 50_000
    mems = [{"text": "memory " * 200} for _ in range(5)]
    limit = 1000
    msgs = R.build_messages(huge, mems, [m for i in range(50) for m in turn(i)], user="alex", count_tokens=words,
                            budget=10_000, limit=limit)
    total = sum(words(m["content"]) + R.MESSAGE_OVERHEAD for m in msgs) + R.MESSAGE_OVERHEAD
    assert total <= limit
    final = msgs[-1]["content"]
    assert final.startswith("word word") and final.endswith("…")  # cut, not dropped
    assert "memory memory" not in final  # memories went first
    # a normal message keeps its memories and history under the same limit
    msgs = R.build_messages("short", [{"text": "Alex likes tea"}], turn(0), user="alex", count_tokens=words,
                            budget=100, limit=limit)
    assert "You like tea" in msgs[-1]["content"] and len(msgs) == 4  # system, opening, user0, final
    # the default budget holds no earlier turns (the bare 0.5B replied worse with any)
    assert len(R.build_messages("short", [], turn(0), user="alex", count_tokens=words, limit=limit)) == 3


def test_clip_is_the_longest_prefix_within_the_tokens():
    text = " ".join(f"w{i}" for i in range(100))
    out = R.clip(text, 10, words)
    assert words(out) <= 10 and out.endswith("…") and text.startswith(out[:-1])
    assert words(text[:len(out)] + "…") > 10  # one more character would not fit: the longest prefix
    assert R.clip("short text", 10, words) == "short text"


def test_no_worked_examples_in_the_prompt():
    assert R.EXAMPLE == []
    assert not re.search(r"\b(example|e\.g\.|for instance|such as)\b", R.SYSTEM_PROMPT, re.I)
    quoted = [q for q in re.findall(r'"([^"]+)"', R.SYSTEM_PROMPT) if len(q.split()) > 1]
    assert quoted == []  # no sentence to copy: the fixed refusal, quoted, was given to questions it could answer
    msgs = R.build_messages("hi", [], [], user="alex")
    assert [m["role"] for m in msgs] == ["system", "assistant", "user"]


def test_the_opening_line_follows_the_system_text_and_is_what_the_chat_shows():
    msgs = R.build_messages("Hello again!", [{"text": "alex has a cat."}], [], user="alex")
    assert msgs[1] == {"role": "assistant", "content": R.opening("alex")} and "alex" in R.opening("alex")
    assert "cat" not in msgs[1]["content"]  # fixed: part of the cached prefix, no memory in it


def test_stream_reply_uses_the_reply_adapter_within_the_context():
    class Engine:
        context_length = 300

        def __init__(self):
            self.calls = []

        def count_tokens(self, text):
            return words(text)

        def stream(self, messages, **kw):
            self.calls.append((messages, kw))
            yield from ["Got ", "it."]

    e = Engine()
    out = "".join(R.stream_reply(e, "x " * 5000, [{"text": "Alex likes tea"}], turn(0), user="alex", max_tokens=100))
    assert out == "Got it."
    messages, kw = e.calls[0]
    assert kw["adapter"] == "reply" and kw["max_tokens"] == 100 and kw["temperature"] == 0
    assert kw["stop"] == [R.MEMORY_HEAD]  # the memories' header is never said on (drive 13)
    assert sum(words(m["content"]) + R.MESSAGE_OVERHEAD for m in messages) + R.MESSAGE_OVERHEAD <= 300 - 100


def test_a_reply_that_loops_back_to_a_sentence_is_stopped_and_trimmed():
    class Looping:
        context_length = 2048
        closed = False
        produced = 0

        def count_tokens(self, text):
            return words(text)

        def stream(self, messages, **kw):
            try:
                for _ in range(50):
                    for d in ["I'm glad ", "you're here. ", "I'm Alex, ", "a scientist.\n\n"]:
                        self.produced += 1
                        yield d
            finally:
                self.closed = True

    e = Looping()
    out = "".join(R.stream_reply(e, "hi", [], [], user="alex"))
    assert e.closed and e.produced < 10  # stopped at the first repeated sentence, not after 200 deltas
    assert R.drop_repeats(out) == "I'm glad you're here. I'm Alex, a scientist."
    assert R.drop_repeats("Got it — Tom is a firefighter in Denver.") == "Got it — Tom is a firefighter in Denver."


def test_memories_about_the_user_are_said_to_them():
    assert R.to_you("alex's sister Maria works as a pilot in Lisbon.", "alex") == \
        "Your sister Maria works as a pilot in Lisbon."
    assert R.to_you("Alex goes rock climbing every Saturday.", "alex") == "You go rock climbing every Saturday."
    assert R.to_you("sam just moved to Osaka.", "sam") == "You just moved to Osaka."
    assert R.to_you("jo is allergic to peanuts.", "jo") == "You are allergic to peanuts."
    assert R.to_you("Maria called alex.", "alex") == "Maria called you."
    assert R.to_you("alexandra likes tea.", "alex") == "alexandra likes tea."  # another name: unchanged
    assert R.to_you("Kenji moved to Osaka.", "sam") == "Kenji moved to Osaka."


def test_as_said_to_user_turns_only_restated_memories():
    mems = [{"text": "jo works as a baker at Crumb & Co."}, {"text": "alex has two cats called Pixel and Mochi."}]
    assert C.as_said_to_user("I work as a baker at Crumb & Co.", mems, "jo") == "You work as a baker at Crumb & Co."
    assert C.as_said_to_user("I am a baker at Crumb.", mems, "jo") == "You are a baker at Crumb."
    assert C.as_said_to_user("Pixel and Mochi are my cats.", mems, "alex") == "Pixel and Mochi are your cats."
    mems += [{"text": "jo's favourite food is mushroom risotto."}, {"text": "jo's sister Maria is a pilot in Lisbon."}]
    for kept in ("I'm sorry, but I can't help with that.",
                 "I'm sorry, but I don't have any information about your favourite food.",  # seen in the replay
                 "I remember Maria working as a pilot in Lisbon.",  # seen in the drive "I don't know that yet: you haven't told me.",
                 "I am learning the piano.", "My favourite is the baker's dozen."):  # no memory restated
        assert C.as_said_to_user(kept, mems, "jo") == kept
    assert C.as_said_to_user("I work as a baker at Crumb & Co.", [], "jo") == "I work as a baker at Crumb & Co."


def test_a_refusal_counts_only_when_memories_were_shown():
    mem = [{"text": "alex's favourite food is mushroom risotto."}]
    said = "I'm sorry, but I don't have any information about your favourite food."
    assert C.refuses_what_it_was_shown(said, mem) and not C.refuses_what_it_was_shown(said, [])
    assert C.refuses_what_it_was_shown("I'm sorry, but I'm unable to provide you with the information you need.", mem)
    assert not C.refuses_what_it_was_shown("Your favourite food is mushroom risotto.", mem)
    assert not C.refuses_what_it_was_shown(C.grounded_reply(mem, "alex"), mem)  # the replacement is not one


def test_a_greeting_to_someone_the_message_names_is_caught_and_the_message_said_back():
    assert C.greets_someone_else("Hi Priya, nice to see you. How are you?", "My girlfriend Priya is a dentist.", "lee")
    assert not C.greets_someone_else("Hello lee, nice to see you again.", "Hello again!", "lee")  # the user
    assert not C.greets_someone_else("Hello! How are you?", "Hey there!", "lee")
    assert not C.greets_someone_else("Hi Priya!", "Hey there!", "lee")  # a name the message does not hold
    assert C.said_back("My girlfriend Priya is a dentist.", "lee") == "Got it: your girlfriend Priya is a dentist."
    assert C.said_back("I'm allergic to peanuts.", "jo") == "Got it: you are allergic to peanuts."


def test_the_opening_copied_to_a_message_about_a_memory_is_caught():
    mem = [{"text": "lee's girlfriend Priya is a dentist."}]
    seen = "Hi Lee, nice to see you. How are you? Tell me about your girlfriend, or ask me what you told me before."
    assert C.copies_opening(seen, mem, "lee")
    assert C.copies_opening("Hello lee, nice to see you. How are you? Tell me about your girlfriend Priya, or ask me "
                            "what you told me before.", mem, "lee")  # names the memory's words, inside the opening
    assert not C.copies_opening(seen, [], "lee")  # no memory shown: a greeting, left alone
    assert not C.copies_opening("Hello lee, nice to see you again. Your girlfriend Priya is a dentist.", mem, "lee")
    assert not C.copies_opening("Your girlfriend is called Priya.", mem, "lee")


def test_with_no_memory_a_claimed_fact_about_the_user_is_unsupported():
    assert G.unsupported("You work as a teacher.", "What do I do for work?", [], "sam") == ["teacher"]
    assert {"small", "town"} <= set(G.unsupported("Your sister lives in a small town.", "Where does my sister live?",
                                                  [], "sam"))
    assert G.unsupported("You haven't told me what you do for work.", "What do I do for work?", [], "sam") == []
    assert G.unsupported("I don't know that yet.", "What do I do for work?", [], "sam") == []
    assert G.unsupported("Your name is sam.", "What's my name?", [], "sam") == []  # the user's own name is known
    assert G.unsupported("Theo plays the piano.", "What instrument does my son Theo play?", [], "kim") == ["piano"]
    assert G.unsupported("Theo plays the piano.", "What do I play?", [], "kim") == []  # not about anyone asked
    # the model speaking as the user, or taking "my job" for its own (lee, fourteenth session)
    assert G.unsupported("I am learning the piano.", "Which instrument am I learning?", [], "sam") == ["piano"]
    assert {"language", "model", "OpenAI"} <= set(G.unsupported(
        "I am an AI language model created by OpenAI. I help people.", "What is my job?", [], "lee"))
    assert G.unsupported("My job is to answer questions.", "What is my job?", [], "lee") == ["answer", "questions"]
    assert G.unsupported("I'm sorry, I don't have that information.", "What is my job?", [], "lee") == []
    assert G.unsupported("I haven't heard about your job yet.", "What is my job?", [], "lee") == []
    assert G.unsupported("I suggest a mushroom risotto.", "What should I cook tonight?", [], "sam") == []
    assert G.unsupported("My favourite is pasta with garlic.", "What should I cook tonight?", [], "sam") == []
    assert G.unsupported("I recommend a scarf.", "What is a good gift for my mom?", [], "sam") == []
    # advice, opinions and general requests are not claims of fact
    assert G.unsupported("You could try a mushroom risotto.", "What should I cook tonight?", [], "sam") == []
    assert G.unsupported("Your trip sounds exciting!", "Can you help me plan my trip?", [], "sam") == []
    assert G.unsupported("Your idea is great.", "What do you think of my idea?", [], "sam") == []
    assert G.unsupported("You start with the basics.", "How do I learn Spanish?", [], "sam") == []
    assert G.unsupported("Your best bet is the library.", "What's a good book?", [], "sam") == []
    assert G.unsupported("You work as a teacher.", "I work as a teacher.", [], "sam") == []  # a statement


def test_a_made_up_common_noun_in_an_answer_is_unsupported():
    cello = [{"text": "sam has been learning the cello since September."}]
    assert G.unsupported("I am learning the piano.", "Which instrument am I learning?", cello, "sam") == ["piano"]
    assert G.unsupported("You are learning the cello.", "Which instrument am I learning?", cello, "sam") == []
    assert G.unsupported("I am learning the piano.", "I play the piano.", cello, "sam") == []  # not a question
    theo = [{"text": "kim's son Theo is 12."}]
    assert G.unsupported("Theo plays the piano.", "What instrument does Theo play?", theo, "kim") == ["piano"]
    leo = [{"text": "pat's son Leo just turned 8."}]
    assert G.unsupported("Leo is 8 years old.", "How old is Leo?", leo, "pat") == []  # the 8 is remembered
    assert G.unsupported("Leo is a teenager.", "How old is Leo?", leo, "pat") == ["teenager"]
    saffron = [{"text": "tariq has a cat called Saffron who is fourteen."}]  # twenty-fifth session's drive
    assert G.unsupported("Saffron is 14 years old.", "How old is Saffron?", saffron, "tariq") == []
    sister = [{"text": "alex's sister Maria works as a pilot in Lisbon."}]
    assert G.unsupported("Your sister might like a travel book.", "What should I get my sister?", sister, "alex") == []
    kenji = [{"text": "sam's best friend Kenji just moved to Osaka for work."}]
    assert G.unsupported("Kenji lives in Osaka. It's a great city!", "Where does Kenji live now?", kenji, "sam") == []


def test_a_statement_answered_with_another_memory_is_off_topic():
    sister = [{"text": "alex's sister Maria works as a pilot in Lisbon."}]
    nurse = "I work as a nurse at St. Mary's Hospital."
    assert C.off_topic("I remember Maria working as a pilot in Lisbon.", nurse, sister, "alex")
    assert not C.off_topic("You work as a nurse at St. Mary's Hospital.", nurse, sister, "alex")
    assert not C.off_topic("I remember Maria working as a pilot in Lisbon.", nurse, [], "alex")  # none shown
    assert not C.off_topic("Your sister Maria works as a pilot in Lisbon.", "What does my sister do?", sister, "alex")
    assert not C.off_topic("Congratulations to Maria, a captain now!", "Maria just got promoted to captain.", sister,
                           "alex")


def test_agreement_or_thanks_nobody_asked_for_is_dropped():
    climb = "I go rock climbing every Saturday morning."
    assert C.drop_unasked("You're right, rock climbing is a great way to get exercise.", climb) == \
        "Rock climbing is a great way to get exercise."
    assert C.drop_unasked("You're correct! Ana is turning seven in June.", "My daughter Ana turns seven in June.") == \
        "Ana is turning seven in June."
    assert C.drop_unasked("You're welcome! I'm glad you adopted a puppy.", "I just adopted a puppy.") == \
        "I'm glad you adopted a puppy."
    assert C.drop_unasked("You're welcome! Have a great day!", "Thanks, bye!") == "You're welcome! Have a great day!"
    assert C.drop_unasked("You're right, it is.", "I think pineapple belongs on pizza.") == "You're right, it is."
    assert C.drop_unasked("You're right.", climb) == "You're right."  # nothing after it: kept
    assert C.drop_unasked("You're right, it is.", "Is it raining?") == "You're right, it is."  # a question
    assert C.drop_unasked("You're right, your best friend Ruth lives in Stavanger.", "Where does Ruth live?") == \
        "Your best friend Ruth lives in Stavanger."  # drive 11: a wh-question asked for no "You're right"
    assert C.final_reply("You're right, rock climbing is fun.", climb, [], "alex")[0] == "Rock climbing is fun."


def test_a_go_on_gets_the_last_users_message_not_the_reply():
    prev = [{"role": "user", "content": "What's a good way to learn Spanish?"},
            {"role": "assistant", "content": "Watch Spanish films."}]
    msgs = R.build_messages("Why?", [], [], user="kai", previous=prev)
    assert msgs[-2] == prev[0] and msgs[-1]["content"].endswith("Why?")
    assert all("Spanish films" not in m["content"] for m in msgs)
    # no room for it: left out, the message still fits
    tight = R.build_messages("Why?", [], [], user="kai", previous=prev, count_tokens=lambda t: len(t.split()),
                             limit=len(" ".join(m["content"] for m in msgs[:2]).split()) + 40)
    assert tight[-2]["role"] == "assistant" and tight[-1]["content"].endswith("Why?")
    # with history on, the same message is not given twice
    both = R.build_messages("Why?", [], prev, user="kai", previous=prev, budget=500)
    assert [m["content"] for m in both].count(prev[0]["content"]) == 1


def test_a_phrase_said_again_ends_the_reply():
    looped = ("Because Spanish is widely spoken, and it is also a language that is used in many other languages, "
              "and it is also a language that is used in many other languages, and it is also")
    assert R.drop_repeats(looped) == "Because Spanish is widely spoken, and it is also a language that is used in " \
                                     "many other languages."
    fine = "Paris has the Louvre. Rome has the Colosseum and the Pantheon, and a lot of good food."
    assert R.drop_repeats(fine) == fine


def test_a_go_on_answered_with_the_last_reply_again():
    last = "The sky is blue because it is the color of the sun."
    text, made_up = C.final_reply(last, "Tell me more.", [], "kai", previous=["Why is the sky blue?", last])
    assert text == C.NOTHING_MORE and made_up == []
    new = "Air scatters blue light more than red."
    assert C.final_reply(new, "Tell me more.", [], "kai", previous=["Why is the sky blue?", last]) == (new, [])
    assert C.final_reply(last, "Why is the sky blue?", [], "kai") == (last, [])  # no go-on: no such check


def test_streaming_stops_at_a_looping_phrase():
    class Looping:  # streams the same clause forever, as the bare 0.5B did to "Why?"
        context_length = 4096

        def count_tokens(self, text):
            return len(text.split())

        def stream(self, messages, **kw):
            while True:
                for w in "and it is also a language that is used in many other languages,".split():
                    yield w + " "

    out = "".join(R.stream_reply(Looping(), "Why?", [], [], user="kai"))
    assert len(out.split()) < 2 * 13 + R.LOOP_WORDS  # stopped within the second time round
    assert R.drop_repeats(out) == "and it is also a language that is used in many other languages."


def test_a_clause_that_adds_to_a_memory_is_cut():
    porto = [{"text": "nora just got back from a week in Porto."}]
    q = "Where was I last week?"
    draft = "You were last week in Porto, where you were born and grew up."
    assert G.unsupported(draft, q, porto, "nora") == []  # part of it is remembered: the sentence gets through
    assert G.cut_additions(draft, q, porto, "nora") == ("You were last week in Porto.", ["born", "grew"])
    assert C.final_reply(draft, q, porto, "nora") == ("You were last week in Porto.", ["born", "grew"])
    # kept: a clause the memory holds, a statement, nothing shown, a clause in an answer that says nothing remembered
    climb = [{"text": "alex goes rock climbing every Saturday morning, and sometimes on Sundays."}]
    ok = "You go rock climbing every Saturday morning, and sometimes on Sundays."
    assert G.cut_additions(ok, "What do I do on weekends?", climb, "alex") == (ok, [])
    assert G.cut_additions(draft, "I was in Porto last week.", porto, "nora") == (draft, [])
    assert G.cut_additions(draft, q, [], "nora") == (draft, [])
    odd = "You like jazz, which is great."
    assert G.cut_additions(odd, q, porto, "nora") == (odd, [])


def test_a_number_said_inside_a_hyphenated_word_is_known():
    # the thirty-sixth session's drive (hana), verbatim: the draft was replaced as naming "four"
    said = "My dog Pepper is a four-year-old beagle."
    draft = "You're right, Pepper is a four-year-old beagle."
    assert C.final_reply(draft, said, [], "hana", "2026-12-05") == ("Pepper is a four-year-old beagle.", [])
    assert G.ungrounded("Pepper is a five-year-old beagle.", [said]) == ["five"]


def test_a_trailing_for_a_long_time_that_nobody_said_is_cut():
    runs = [{"text": "sam runs three times a week."}]
    q = "How often do I run?"
    draft = "You've been running three times a week for a long time."
    assert G.cut_additions(draft, q, runs, "sam") == ("You've been running three times a week.", ["long"])
    assert C.final_reply(draft, q, runs, "sam")[0] == "You've been running three times a week."
    # kept: a memory that says how long, a question that asks it, a reply to a statement
    years = [{"text": "sam has been running for years."}]
    assert G.cut_additions("You've been running for years.", "Do I run?", years, "sam")[1] == []
    assert G.cut_additions(draft, "Have I been running for a long time?", runs, "sam")[1] == []
    assert G.cut_additions(draft, "I ran today.", runs, "sam")[1] == []


def test_the_assistant_has_not_been_anywhere():
    m = "I just got back from a week in Porto, have you ever been?"
    assert C.final_reply("Yes, I have been to Porto. It's lovely!", m, [], "nora") == (NO_TRAVELS + " It's lovely!", [])
    assert C.own_travels("I visited Porto once. I went to Lisbon too.", m) == NO_TRAVELS  # said once
    for kept in ("Welcome back! How was it?", "I've never been, but I hear it's lovely."):
        assert C.own_travels(kept, m) == kept
    assert C.own_travels("I was in Porto.", "Where was I last week?") == "I was in Porto."  # the user's week


def test_a_question_about_us_with_nothing_shown_gets_no_made_up_answer():
    # vera's drive, sixteenth session: the tortoise and goldfish were not recalled, and the draft invented pets
    text, made_up = C.final_reply("I have a cat and a dog.", "What pets do we have?", [], "vera")
    assert text == R.UNGROUNDED_REPLY and {"cat", "dog"} <= set(made_up)

