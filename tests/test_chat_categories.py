"""A question's category word recalls the memories that name a member of it ("pets" -> the tortoise), with the real
embedder and store; scripted engine (recall makes no model call)."""

from memlora_mlx.chat.categories import widen
from memlora_mlx.chat.conversation import Conversation
from memlora_mlx.memory import Memory
from memlora_mlx.ops.words import content_words

from support.scripted_engine import ChatScriptedEngine


def test_category_words_widen_to_their_members_and_nothing_else_does():
    assert {"tortoise", "goldfish", "dog"} <= widen(content_words("What pets do we have?"))
    assert {"german", "french"} <= widen(content_words("Which languages do I speak?"))
    assert widen(content_words("What's my dog called?")) == content_words("What's my dog called?")
    assert "work" in widen(content_words("What's my job?")) and "work" not in widen(content_words("Where do I live?"))


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


def test_what_is_my_job_recalls_the_work_memory(tmp_path, embedder):
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as memory:
        for fact in ("meera works as a midwife at the maternity unit in Halifax.", "meera has a ferret called Pickle.",
                     "meera's brother Anand repairs old clocks."):
            memory.add(fact, user_id="meera", infer=False)
        recalled = {h["memory"] for h in Conversation(memory, "meera").recall("What's my job?")}
    assert recalled == {"meera works as a midwife at the maternity unit in Halifax."}


def test_where_do_i_live_recalls_the_move(tmp_path, embedder):
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as memory:
        for fact in ("oksana moved from Leeds to York.", "oksana drives an old green Skoda.",
                     "oksana's partner Ilse and oksana keep bees on oksana's allotment."):
            memory.add(fact, user_id="oksana", infer=False)
        recalled = {h["memory"] for h in Conversation(memory, "oksana").recall("Where do I live?")}
    assert recalled == {"oksana moved from Leeds to York."}
