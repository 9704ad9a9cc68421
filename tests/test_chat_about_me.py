""""What do you know about me?" names no fact: the chat shows the user's newest memories, and all of them when the
reply gives way to the memories (twenty-seventh session's drive 15, "lena"). Real embedder and store; scripted
engine (recall makes no model call)."""

import pytest

from memlora_mlx.chat.conversation import Conversation
from memlora_mlx.memory import Memory
from memlora_mlx.ops import reply_checks as C
from memlora_mlx.ops.reply import ABOUT_ME, to_you

from support.scripted_engine import ChatScriptedEngine

FACTS = ("lena is a sound engineer at a theatre.", "lena's brother Jonas is getting married in January 2027 in Bergen.",
         "lena is going kayaking with her cousin Ines the weekend of 4 December 2026.")


@pytest.mark.parametrize("message, broad", [
    ("What do you know about me?", True), ("What do you remember about me?", True), ("Who am I?", True),
    ("Tell me what you know about me.", True), ("What have I told you?", True),
    ("What do you know about Jonas?", False), ("What's my job?", False), ("Who am I going kayaking with?", False),
])
def test_a_question_about_everything_is_told_apart(message, broad):
    assert bool(ABOUT_ME.search(message)) is broad


def test_what_do_you_know_about_me_recalls_the_user_s_memories(tmp_path, embedder):
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as memory:
        for fact in FACTS:
            memory.add(fact, user_id="lena", infer=False)
        memory.add("ivo plays the cello.", user_id="ivo", infer=False)
        chat = Conversation(memory, "lena")
        recalled = {h["memory"] for h in chat.recall("What do you know about me?")}
        job = [h["memory"] for h in chat.recall("What's my job?")]
    assert recalled == set(FACTS)
    assert job == ["lena is a sound engineer at a theatre."]


def test_a_refused_about_me_question_is_answered_with_every_memory_shown():
    shown = [{"text": f} for f in FACTS]
    text, _ = C.final_reply("I'm sorry, but I can't assist with that.", "What do you know about me?", shown, "lena",
                            today="2026-12-11")
    assert text == "What I remember: " + " ".join(to_you(f, "lena") for f in FACTS)
    text, _ = C.final_reply("I'm sorry, but I can't assist with that.", "Where does Jonas get married?", shown, "lena",
                            today="2026-12-11")
    assert text == "What I remember: " + to_you(FACTS[1], "lena")  # asked of Jonas: his memory alone


@pytest.mark.parametrize("memory, said", [
    ("lena is going kayaking with her cousin Ines.", "You are going kayaking with your cousin Ines."),
    ("lena met Ana and her dog.", "You met Ana and her dog."),  # someone else's
    ("Maria called lena about her job.", "Maria called you about her job."),
])
def test_the_user_s_own_her_or_his_is_said_as_your(memory, said):
    assert to_you(memory, "lena") == said


def test_an_about_me_reply_that_tells_one_memory_of_three_gives_way_to_all():
    shown = [{"text": f} for f in FACTS]
    everything = "What I remember: " + " ".join(to_you(f, "lena") for f in FACTS)
    assert C.final_reply("You are a sound engineer at a theatre.", "What do you know about me?", shown, "lena",
                         today="2026-12-11")[0] == everything
    told = ("You are a sound engineer at a theatre, your brother Jonas is getting married in January 2027 in Bergen, "
            "and you are going kayaking with your cousin Ines the weekend of 4 December 2026.")
    assert C.final_reply(told, "What do you know about me?", shown, "lena", today="2026-12-11")[0] == told
    assert C.final_reply("You are a sound engineer at a theatre.", "What's my job?", shown[:1], "lena",
                         today="2026-12-11")[0] == "You are a sound engineer at a theatre."
