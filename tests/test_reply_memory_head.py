"""The reply never says the memories' header back (drive 13: "I'm 41 now, had my birthday on Monday. [What you
remember about me, use only if relevant:")."""

import memlora_mlx  # noqa: F401 - BLAS preload before mlx
from memlora_mlx.ops import reply as R


def test_the_header_is_held_back_while_it_streams_and_dropped():
    said_on = ["I'm 41 now, had my birthday on Monday.", " [", "What", " you", " remember", " about"]
    assert "".join(R.held_at_memory_head(iter(said_on))).strip() == "I'm 41 now, had my birthday on Monday."
    whole = ["Noted.", " [What you remember about me, use only if relevant:", "\n- Your son"]
    assert "".join(R.held_at_memory_head(iter(whole))).strip() == "Noted."
    for other in (["See note [", "1] below."], ["A [W", "arning] sign."]):  # not the header: passed on, whole
        assert "".join(R.held_at_memory_head(iter(other))) == "".join(other)
    assert "".join(R.held_at_memory_head(iter(["Done [", "What"]))) == "Done "  # ended inside it: dropped


def test_the_final_text_is_cut_at_the_header():
    said_on = "I'm 41 now, had my birthday on Monday. [What you remember about"  # streamed before the stop
    assert R.without_memory_head(said_on) == "I'm 41 now, had my birthday on Monday."
    assert R.without_memory_head("Got it.") == "Got it."


def test_stream_reply_never_streams_the_header():
    class SaysItOn:  # stands in for the model only: the stream's filtering is under test
        context_length = 2048

        def count_tokens(self, text):
            return len(text.split())

        def stream(self, messages, **kw):
            yield from ["You're 41 now.", " [", "What", " you", " remember", " about"]

    out = "".join(R.stream_reply(SaysItOn(), "I'm 41 now.", [{"text": "ivo is 41 years old."}], [], user="ivo"))
    assert out.strip() == "You're 41 now."
