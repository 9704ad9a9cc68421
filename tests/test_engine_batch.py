"""Batched decoding: several prompts decoded together give what one-at-a-time greedy decoding gives, and the
memory's add_many extracts several calls' turns in one batch with the results of successive adds."""

import json

import pytest

from memlora_mlx.engine import Engine
from memlora_mlx.engine.batch import copy_cache, shared_prefix
from memlora_mlx.memory import Memory
from memlora_mlx.ops import extract
from memlora_mlx.types import Turn

from support.scripted_engine import ScriptedEngine

SYSTEM = {"role": "system", "content": "You are a helpful assistant. Answer in one short sentence."}
QUESTIONS = ["What is the capital of France?", "Name a colour.", "What do cats like to eat? Tell me more.",
             "Say hello."]


def _chats(questions=QUESTIONS):
    return [[SYSTEM, {"role": "user", "content": q}] for q in questions]


def test_shared_prefix_leaves_every_prompt_a_token_of_its_own():
    assert shared_prefix([[1, 2, 3, 4], [1, 2, 5]]) == 2
    assert shared_prefix([[1, 2, 3], [1, 2, 3]]) == 2
    assert shared_prefix([[7], [7, 8]]) == 0


def test_copied_caches_do_not_share_their_buffers():
    """Each row's prompt is fed into its own copy of the prefix cache: a write to one copy (KVCache writes its buffer
    in place) must not reach the prefix or the other rows."""
    import mlx.core as mx
    from mlx_lm.models.cache import KVCache

    prefix = KVCache()
    prefix.update_and_fetch(mx.ones((1, 2, 3, 4)), mx.ones((1, 2, 3, 4)))  # 3 tokens in a 256-slot buffer
    a, b = copy_cache([prefix])[0], copy_cache([prefix])[0]
    a.update_and_fetch(mx.full((1, 2, 2, 4), 7.0), mx.full((1, 2, 2, 4), 7.0))
    b.update_and_fetch(mx.full((1, 2, 1, 4), 5.0), mx.full((1, 2, 1, 4), 5.0))
    ka, kb = a.keys_and_values()[0], b.keys_and_values()[0]
    assert a.offset == 5 and b.offset == 4 and prefix.offset == 3
    assert ka[0, 0, 3:, 0].tolist() == [7.0, 7.0] and kb[0, 0, 3:, 0].tolist() == [5.0]
    assert prefix.keys[0, 0, 3:6, 0].tolist() == [0.0, 0.0, 0.0]  # the prefix's spare slots untouched


def test_batched_greedy_matches_one_at_a_time(default_engine):
    single = [default_engine.generate(c, max_tokens=16) for c in _chats()]
    batched = default_engine.generate_batch(_chats(), max_tokens=16)
    assert batched == single
    stats = default_engine.last_stats
    assert stats["batch"] == len(QUESTIONS) and stats["cached_tokens"] > 0  # the system prefix came from the cache
    # the adapter's prompt cache now holds the shared prefix, so a later single call reuses it
    default_engine.generate(_chats()[0], max_tokens=4)
    assert default_engine.last_stats["cached_tokens"] >= stats["cached_tokens"]


def test_batched_rows_stop_at_their_stop_string_or_when_told(default_engine):
    cut = default_engine.generate_batch(_chats(), max_tokens=24, stop=[" "])
    assert all(" " not in t for t in cut) and any(cut)
    short = default_engine.generate_batch(_chats(), max_tokens=24, until=lambda t: len(t) >= 6)
    full = default_engine.generate_batch(_chats(), max_tokens=24)
    assert any(len(f) > 12 for f in full)
    for s, f in zip(short, full):  # each row ends once its text reaches 6 characters (a token may overshoot)
        assert f.startswith(s) and (6 <= len(s) < len(f) if len(f) > 12 else s == f[:len(s)])


@pytest.fixture(scope="module")
def tiny_engine(tiny_model_dir):
    return Engine(str(tiny_model_dir), adapters="none")


def test_each_batched_row_follows_the_json_schema(tiny_engine):
    schema = {"type": "object", "properties": {"event": {"enum": ["ADD", "UPDATE", "DELETE", "NONE"]}},
              "required": ["event"], "additionalProperties": False}
    free = tiny_engine.generate_batch(_chats(), max_tokens=16)
    outs = tiny_engine.generate_batch(_chats(), max_tokens=16, json_schema=schema)
    assert not all(_is_json(t) for t in free)  # random weights babble...
    for out in outs:  # ...but every constrained row is in the schema's language
        assert json.loads(out)["event"] in schema["properties"]["event"]["enum"]


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except json.JSONDecodeError:
        return False


def test_extract_many_gives_the_facts_of_one_call_per_chunk(default_engine):
    jobs = [([Turn("alex", "My sister Maria works as a pilot in Lisbon."), Turn("alex", "I love jazz.")],
             "2026-12-01", None),
            ([Turn("sam", "I moved to Leeds last year."), Turn("sam", "I have a dog called Rex.")], "8 May 2023", None),
            ([], "2026-12-01", None)]
    one_by_one = [extract.extract_facts(default_engine, t, d, max_tokens=48) for t, d, _ in jobs]
    assert extract.extract_many(default_engine, jobs, max_tokens=48) == one_by_one


class BatchCounting(ScriptedEngine):
    def __init__(self):
        super().__init__()
        self.batches = []

    def generate_batch(self, conversations, **kw):
        self.batches.append(len(conversations))
        return super().generate_batch(conversations, **kw)


def test_add_many_extracts_together_and_applies_like_successive_adds(tmp_path, embedder):
    long_a = [f"I visited city number {i} and loved the food there, especially the soup." for i in range(12)]
    long_b = ["I started a pottery class.", "Actually, I quit the pottery class."]
    calls = [{"messages": long_a, "user_id": "alex", "session_date": "2026-12-01"},
             {"messages": long_b, "user_id": "sam", "session_date": "2026-12-01"},
             {"messages": ["Verbatim note."], "user_id": "sam", "infer": False}]
    engine = BatchCounting()
    with Memory(engine=engine, store=tmp_path / "a", embedder=embedder) as together:
        res = together.add_many(calls)
        assert engine.batches == [4]  # alex's turns in three chunks and sam's in one: one batch
        got = {u: sorted(m["memory"] for m in together.get_all(user_id=u)["results"]) for u in ("alex", "sam")}
    with Memory(engine=ScriptedEngine(), store=tmp_path / "b", embedder=embedder) as apart:
        res_apart = [apart.add(**c) for c in calls]
        want = {u: sorted(m["memory"] for m in apart.get_all(user_id=u)["results"]) for u in ("alex", "sam")}
    assert got == want and "Verbatim note." in got["sam"]
    with Memory(engine=ScriptedEngine(), store=tmp_path / "c", embedder=embedder) as typo:
        with pytest.raises(TypeError, match="sesion_date"):
            typo.add_many([{"messages": long_b, "user_id": "sam", "sesion_date": "2026-12-01"}])
        assert typo.get_all(user_id="sam")["results"] == []  # nothing stored
    assert [[r["event"] for r in x["results"]] for x in res] == [[r["event"] for r in x["results"]] for x in res_apart]
