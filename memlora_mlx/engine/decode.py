"""Greedy decoding with prompt-lookup drafts.

Memory operations copy a lot from their prompt: facts quote the turns, update decisions quote
memories and ids, answers quote memories. So the next few tokens are often a continuation of an
n-gram already seen. Each step feeds the last token plus up to `k` drafted tokens in one forward
pass and keeps the drafts the model itself would have chosen (greedy: the output is the same as
one-token-at-a-time decoding). On a CPU a forward over 1-9 tokens costs about the same as over one
(matrix-vector products are bound by reading the weights), so every accepted draft is nearly free.
"""

import time
from dataclasses import dataclass
from typing import Iterator

import mlx.core as mx
import numpy as np
from mlx_lm.models.cache import trim_prompt_cache

PREFILL_STEP = 512


class NgramIndex:
    """Most recent position following each 2- and 3-gram of a growing token list."""

    def __init__(self, tokens: list[int], sizes: tuple[int, ...] = (3, 2)):
        self.tokens: list[int] = []
        self.sizes = sizes
        self.last: dict[tuple, int] = {}
        self.extend(tokens)

    def extend(self, tokens: list[int]) -> None:
        for t in tokens:
            self.tokens.append(t)
            n = len(self.tokens)
            for s in self.sizes:
                if n > s:  # the s-gram ending just before the new token is followed by it
                    self.last[tuple(self.tokens[n - 1 - s:n - 1])] = n - 1

    def draft(self, k: int, tail: list[int] = ()) -> list[int]:
        """Up to k tokens that followed the latest earlier occurrence of the current suffix
        (the suffix of tokens + `tail`, tokens not yet in the index)."""
        seq = self.tokens[-max(self.sizes):] + list(tail)
        for s in self.sizes:
            if len(seq) < s or k <= 0:
                continue
            pos = self.last.get(tuple(seq[-s:]))
            if pos is not None:
                return self.tokens[pos:pos + k]
        return []


@dataclass
class Step:
    token: int
    drafted: int  # drafts fed in the forward pass that produced this token
    accepted: int  # of which the model kept


def _prefill(model, cache, tokens: list[int]) -> mx.array:
    """Feed all of `tokens` (≥ 1); return the logits of the last one."""
    ids = mx.array(tokens)
    while ids.size > PREFILL_STEP:
        model(ids[:PREFILL_STEP][None], cache=cache)
        mx.eval([c.state for c in cache])
        ids = ids[PREFILL_STEP:]
    return model(ids[None], cache=cache)[0, -1]


def lookup_generate(model, cache, history: list[int], rest: list[int], *, max_tokens: int,
                    eos: set[int], processor=None, k: int = 8,
                    logit_bias: dict[int, float] | None = None) -> Iterator[Step]:
    """Greedy tokens for a prompt whose first len(history)-len(rest) tokens are already in `cache`.

    `processor` (optional) constrains tokens: `.allowed() -> bool mask`, `.consume(token)` and
    `.forced() -> tokens` the grammar forces next (drafted first: they are almost always kept).
    `logit_bias` (token id -> value) is added to those logits before each choice.
    The lookup draft length adapts: doubled after a fully kept draft, halved after a rejected one.
    On exit (also when the consumer stops early) the cache holds exactly the prompt and every
    yielded token but the last, like one-token-at-a-time decoding.
    """
    emitted = fed_prompt = 0

    bias_ids = np.array(list(logit_bias or {}), dtype=np.int64)
    bias_values = np.array(list((logit_bias or {}).values()), dtype=np.float32)

    def choose(row: np.ndarray) -> int:
        if bias_ids.size:
            row = row.copy()
            row[bias_ids] += bias_values
        if processor is not None:
            mask = processor.allowed()
            if mask is not None:
                keep = np.zeros(row.shape[0], dtype=np.bool_)
                keep[: min(mask.shape[0], row.shape[0])] = mask[: row.shape[0]]
                row = np.where(keep, row, -np.inf)
        return int(np.argmax(row))

    index = NgramIndex(history)
    k_cur = min(k, 4)
    try:
        logits = _prefill(model, cache, rest)
        token = choose(np.array(logits.astype(mx.float32)))
        fed_prompt = cache[0].offset
        while True:
            emitted += 1
            yield Step(token, 0, 0)
            if token in eos or emitted >= max_tokens:
                return
            if processor is not None:
                processor.consume(token)
            index.extend([token])
            forced = processor.forced() if processor is not None else []
            room = min(k, max_tokens - emitted)
            drafts = (forced + index.draft(k_cur, tail=forced))[:room]
            logits = model(mx.array([token] + drafts)[None], cache=cache)[0]
            rows = np.array(logits.astype(mx.float32))
            for i in range(len(drafts) + 1):
                token = choose(rows[i])
                if i == len(drafts) or token != drafts[i]:
                    if len(drafts) > len(forced):
                        k_cur = min(k, k_cur * 2) if i == len(drafts) else max(1, k_cur // 2)
                    # inputs after position i were wrong guesses: drop them from the cache
                    if len(drafts) > i:
                        trim_prompt_cache(cache, len(drafts) - i)
                    break
                emitted += 1
                yield Step(token, len(drafts), i + 1)
                if token in eos or emitted >= max_tokens:
                    return
                if processor is not None:
                    processor.consume(token)
                index.extend([token])
    finally:
        if emitted:
            extra = cache[0].offset - (fed_prompt + emitted - 1)
            if extra > 0:
                trim_prompt_cache(cache, extra)


def stream_lookup(model, tokenizer, cache, history: list[int], rest: list[int], *, max_tokens: int,
                  processor=None, k: int = 8, logit_bias: dict[int, float] | None = None):
    """mlx-lm `GenerationResponse`s (text deltas, speeds) from `lookup_generate`."""
    detok = tokenizer.detokenizer
    detok.reset()
    eos = set(tokenizer.eos_token_ids)
    tic = time.perf_counter()
    steps = lookup_generate(model, cache, history, rest, max_tokens=max_tokens, eos=eos, processor=processor, k=k,
                            logit_bias=logit_bias)
    try:
        yield from _responses(steps, detok, eos, len(rest), max_tokens, tic)
    finally:
        steps.close()  # trims unused drafts from the cache right away


def _responses(steps, detok, eos, n_rest, max_tokens, tic):
    from mlx_lm.generate import GenerationResponse

    prompt_tps = 0.0
    for n, step in enumerate(steps, start=1):
        if n == 1:
            prompt_tps = n_rest / (time.perf_counter() - tic)
            tic = time.perf_counter()
        finish = "stop" if step.token in eos else ("length" if n >= max_tokens else None)
        if step.token not in eos:
            detok.add_token(step.token)
        if finish:
            detok.finalize()
        yield GenerationResponse(
            text=detok.last_segment, token=step.token, logprobs=None, from_draft=step.accepted > 0,
            prompt_tokens=n_rest, prompt_tps=prompt_tps, generation_tokens=n,
            generation_tps=(n - 1) / max(time.perf_counter() - tic, 1e-9) if n > 1 else 0.0,
            peak_memory=mx.get_peak_memory() / 1e9, finish_reason=finish,
        )
