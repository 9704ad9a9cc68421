"""A "Tell me more." goes on with the chat's last exchange (chat/conversation.py: previous_exchange): real embedder
and store, a drafting engine that writes what the bare 0.5B wrote."""

import memlora_mlx  # noqa: F401 - BLAS preload before mlx
from memlora_mlx.chat.conversation import Conversation
from memlora_mlx.memory import Memory
from memlora_mlx.ops import reply_checks

from support.scripted_engine import DraftingEngine



GO_ON = {"sky": "The sky is blue because air scatters blue light.", "more": "The sky is blue because air scatters "
         "blue light.", "sister": "Your sister Maria is a pilot.", "Why": "Because flying is her passion."}


def test_tell_me_more_goes_on_with_the_last_exchange(tmp_path, embedder):
    with Memory(engine=DraftingEngine(GO_ON), store=tmp_path / "store", embedder=embedder) as m:
        m.add("kai's sister Maria works as a pilot in Lisbon.", user_id="kai", infer=False)
        conv = Conversation(m, "kai")
        first = conv.turn("Why is the sky blue?")
        "".join(first)
        prompt = conv.messages("Tell me more.", [])
        assert prompt[-2] == {"role": "user", "content": "Why is the sky blue?"}  # the topic, not the reply
        assert all(first.text not in p["content"] for p in prompt)
        again = conv.turn("Tell me more.")
        assert "".join(again) == first.text and again.text == reply_checks.NOTHING_MORE  # the same reply, replaced
        assert conv.messages("Where is Lisbon?", [])[-2]["role"] == "assistant"  # not a go-on: nothing before it
        asked = conv.turn("What does my sister do?")
        "".join(asked)
        why = conv.turn("Why?")  # recalls for the question it goes on with
        assert why.memory_texts == ["kai's sister Maria works as a pilot in Lisbon."]
        assert "".join(why) == "Because flying is her passion." and why.text == "Because flying is her passion."
