"""Prompt-lookup decoding: same tokens as one-token-at-a-time greedy decoding, cache left exact."""

import re

import memlora_mlx  # noqa: F401
import mlx.core as mx
import pytest
from mlx_lm.generate import generate_step
from mlx_lm.models.cache import make_prompt_cache

from memlora_mlx.engine import worker
from memlora_mlx.engine.constrained import JsonSchemaProcessor
from memlora_mlx.engine.decode import NgramIndex, lookup_generate
from memlora_mlx.ops import update

COPY_PROMPT = [{"role": "user", "content": "Repeat exactly: Caroline adopted a puppy named Oscar in May 2023 "
                                           "and Melanie painted a sunrise over Lake Tahoe with her kids."}]


def test_ngram_index_drafts_what_followed_the_latest_match():
    idx = NgramIndex([1, 2, 3, 4, 9, 2, 3, 5, 6])
    idx.extend([2, 3])
    assert idx.draft(3) == [5, 6, 2]  # latest "2 3" was followed by 5 6 (then the suffix itself)
    assert idx.draft(3, tail=[4]) == [9, 2, 3]  # suffix "3 4" (4 not yet in the index)
    assert NgramIndex([1, 2]).draft(4) == []  # "1 2" never seen before the end
    assert idx.draft(0) == []


def _plain_greedy(model, ids, n, eos):
    def run():
        out = []
        for _, (tok, _lp) in zip(range(n), generate_step(mx.array(ids), model, stream=worker.stream())):
            tok = int(tok)
            out.append(tok)
            if tok in eos:
                break
        return out

    return worker.run(run)


def _lookup(model, ids, n, eos, processor=None, stop_after=None):
    def run():
        cache = make_prompt_cache(model)
        out = []
        gen = lookup_generate(model, cache, ids, ids, max_tokens=n, eos=eos, processor=processor)
        for step in gen:
            out.append(step.token)
            if stop_after and len(out) == stop_after:
                gen.close()
                break
        return out, cache[0].offset

    return worker.run(run)


@pytest.mark.parametrize("engine_name", ["tiny", "default"])
def test_lookup_decoding_equals_plain_greedy(engine_name, default_engine, tiny_model_dir):
    from memlora_mlx.engine import Engine

    engine = default_engine if engine_name == "default" else Engine(str(tiny_model_dir), adapters="none")
    engine.use(None)
    ids = engine.prompt_tokens(COPY_PROMPT)
    eos = set(engine.tokenizer.eos_token_ids)
    plain = _plain_greedy(engine.model, ids, 40, eos)
    drafted, offset = _lookup(engine.model, ids, 40, eos)
    assert drafted == plain
    # the cache holds the prompt and every token but the last, as after plain decoding
    assert offset == len(ids) + len(drafted) - 1


def test_early_stop_leaves_exact_cache(default_engine):
    ids = default_engine.prompt_tokens(COPY_PROMPT)
    eos = set(default_engine.tokenizer.eos_token_ids)
    out, offset = _lookup(default_engine.model, ids, 40, eos, stop_after=7)
    assert len(out) == 7 and offset == len(ids) + 6


def test_lookup_with_json_schema_equals_constrained_plain(default_engine):
    msgs = update.build_messages("Caroline adopted a puppy named Oscar",
                                 ["Caroline wants to adopt a dog", "Melanie paints sunrises"])
    ids = default_engine.prompt_tokens(msgs)
    eos = set(default_engine.tokenizer.eos_token_ids)
    n_vocab = default_engine.vocab_size

    def plain():
        proc = JsonSchemaProcessor(default_engine.tokenizer, update.json_schema(2), n_vocab)
        out = []
        for _, (tok, _lp) in zip(range(48), generate_step(mx.array(ids), default_engine.model, stream=worker.stream(),
                                                   logits_processors=[proc])):
            out.append(int(tok))
            if int(tok) in eos:
                break
        return out

    expected = worker.run(plain)
    got, _ = _lookup(default_engine.model, ids, 48, eos,
                     processor=JsonSchemaProcessor(default_engine.tokenizer, update.json_schema(2), n_vocab))
    assert got == expected


def test_engine_greedy_output_does_not_depend_on_drafting(default_engine):
    saved = default_engine.draft_tokens
    try:
        outs, drafted = [], []
        for k in (0, 8):
            default_engine.draft_tokens = k
            default_engine.close()
            outs.append(default_engine.generate(COPY_PROMPT, max_tokens=40))
            drafted.append(default_engine.last_stats["draft_tokens"])
    finally:
        default_engine.draft_tokens = saved
    assert outs[0] == outs[1]
    assert drafted[0] == 0 and drafted[1] > 5  # the copy was mostly drafted


def test_cache_after_a_stop_string_gives_the_same_continuation(default_engine):
    first = default_engine.generate(COPY_PROMPT, max_tokens=40, stop=["Oscar"])
    pc = default_engine._caches[None]
    assert len(pc.tokens) == pc.cache[0].offset  # the token record matches what the cache holds
    follow = COPY_PROMPT + [{"role": "assistant", "content": first}, {"role": "user", "content": "And again?"}]
    reused = default_engine.generate(follow, max_tokens=20)
    assert default_engine.last_stats["cached_tokens"] > len(default_engine.prompt_tokens(COPY_PROMPT)) // 2
    default_engine.close()
    assert default_engine.generate(follow, max_tokens=20) == reused  # same as from an empty cache


def test_update_schema_admits_only_decisions_valid_for_the_memories_shown(default_engine):
    def accepted(text: str) -> bool:  # the runtime's processor, fed the text's tokens
        proc = JsonSchemaProcessor(default_engine.tokenizer, update.json_schema(3), default_engine.vocab_size)
        for t in default_engine.tokenizer.encode(text):
            proc.consume(t)
        return not proc.matcher.is_error() and proc.matcher.is_accepting()

    for ok in ('{"event": "ADD", "id": null, "text": null}', '{"event": "UPDATE", "id": 2, "text": "x"}',
               '{"event": "DELETE", "id": 0, "text": null}', '{"event": "NONE", "id": 1, "text": null}'):
        assert accepted(ok), ok
        assert update.parse_decision(ok, 3) is not None
    for bad in ('{"event": "UPDATE", "id": null, "text": null}', '{"event": "DELETE", "id": 3, "text": null}',
                '{"event": "UPDATE", "id": 1, "text": null}', '{"event": "ADD", "id": 0, "text": null}'):
        assert not accepted(bad), bad
    assert update.json_schema(0)["properties"]["event"] == {"const": "ADD"}  # nothing shown: only ADD


def _with_and_without_drafting(engine, run) -> list:
    """run()'s result with each decoder: one token at a time (mlx-lm) and prompt lookup."""
    saved, outs = engine.draft_tokens, []
    try:
        for k in (0, 8):
            engine.draft_tokens = k
            outs.append(run())
    finally:
        engine.draft_tokens = saved
    return outs


def test_logit_bias_bars_a_token_the_same_with_and_without_drafting(default_engine):
    msgs = [{"role": "user", "content": "What is the capital of France?"}]

    def run():
        plain = default_engine.generate(msgs, max_tokens=12)
        first = default_engine.tokenizer.encode(plain)[0]
        barred = default_engine.generate(msgs, max_tokens=12, logit_bias={first: -100.0})
        assert barred != plain and default_engine.tokenizer.encode(barred)[0] != first
        assert default_engine.generate(msgs, max_tokens=12, logit_bias={first: 0.0}) == plain
        return barred

    outs = _with_and_without_drafting(default_engine, run)
    assert outs[0] == outs[1]


def test_barred_words_stay_out_the_same_with_and_without_drafting(default_engine):
    msgs = [{"role": "user", "content": "What is the capital of France?"}]

    def run():
        plain = "".join(default_engine.stream(msgs, max_tokens=16))
        word = re.findall(r"[A-Za-z]{4,}", plain)[0]  # a word the model chose ("Paris")
        barred = "".join(default_engine.stream(msgs, max_tokens=16, barred=[word.lower()]))
        assert barred != plain and word.lower() not in barred.lower()
        return barred

    outs = _with_and_without_drafting(default_engine, run)
    assert outs[0] == outs[1]


def test_word_ban_bars_whole_words_never_a_piece_other_words_share(default_engine):
    from memlora_mlx.engine.word_ban import WordBan

    tok = default_engine.tokenizer
    foods = ["butters", "candys", "americano", "pepperoni", "shellfish", "kale", "ale", "rice", "pizza", "mushroom"]
    ban = WordBan(tok, foods, default_engine.vocab_size)
    for i in ban.always | ban.word_start:  # barred alone: whole words only (" but" of " butters" is not)
        assert tok.decode([i]).strip().lower() in foods
    first, *rest = tok.encode("Mushroom", add_special_tokens=False)
    assert rest, "a word of several tokens"
    assert rest[0] not in ban.barred_now() or rest[0] in ban.always  # free at the start ...
    ban.consume(first)
    assert rest[0] in ban.barred_now()  # ... barred right after its first piece
    assert not ban.allowed()[rest[0]]
