"""Greedy decoding of several prompts at once (mlx-lm's BatchGenerator), for work that is known up front: the
extract calls of one `Memory.add`, the questions of an eval.

On a CPU one decoding step reads every weight whatever the batch, so rows share that cost: the 0.5B in float32 made
3.6 tok/s for one prompt, 11.2 for four and 18.8 for eight (tok/s summed over rows; eighteenth session). The prompts'
shared prefix (system text and examples) is computed once, in the adapter's prompt cache, and copied to every row;
the rest of each prompt is fed one row at a time (no padding), and only the decoding is batched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import mlx.core as mx

MAX_ROWS = 8  # rows decoded together: of 1, 4 and 8 (the only sizes measured), 8 was fastest


@dataclass
class Row:
    prompt: list[int]
    processor: object | None = None  # a logits processor (constrained JSON) of this row only
    text: str = ""
    tokens: list[int] | None = None
    finish: str | None = None


def shared_prefix(prompts: list[list[int]]) -> int:
    """Length of the prefix all prompts share, leaving each at least one token of its own to feed."""
    n = min(len(p) for p in prompts) - 1
    first = prompts[0]
    for p in prompts[1:]:
        i = 0
        while i < n and p[i] == first[i]:
            i += 1
        n = i
    return max(n, 0)


def copy_cache(cache: list) -> list:
    """A new KV cache per layer holding the same keys and values (rows must not share one)."""
    from mlx_lm.models.cache import KVCache

    out = []
    for c in cache:
        if not isinstance(c, KVCache):
            raise TypeError(f"batched decoding needs plain KV caches, not {type(c).__name__}")
        n = KVCache()
        if c.keys is not None:  # sliced: a new array per row (KVCache writes its buffer in place)
            n.keys, n.values, n.offset = c.keys[..., :c.offset, :], c.values[..., :c.offset, :], c.offset
        out.append(n)
    return out


def decode_rows(model, tokenizer, rows: list[Row], prefix_cache: list, n_prefix: int, *, max_tokens: int,
                stop: list[str] | None = None, until: Callable[[str], bool] | None = None,
                stream=None) -> dict:
    """Greedy completions of `rows` (their prompts share the `n_prefix` tokens held in `prefix_cache`), in place:
    `row.text` is cut before the first `stop` string; a row also ends when `until(text)` says so. Returns speeds."""
    from mlx_lm.generate import BatchGenerator

    from .decode import _prefill

    eos = set(tokenizer.eos_token_ids)
    # Each row's own prompt is fed on its own copy of the prefix cache, one row at a time: mlx-lm's batched prefill
    # pads every row to the longest and ran at ~56 tok/s here, one row at a time at the engine's prefill speed. The
    # generator then starts each row from its last prompt token, with that cache.
    t0, caches = time.perf_counter(), []
    for r in rows:
        cache = copy_cache(prefix_cache)
        if feed := r.prompt[n_prefix:-1]:
            _prefill(model, cache, feed)
            mx.eval([c.state for c in cache])
        caches.append(cache)
    fed = sum(len(r.prompt) - n_prefix - 1 for r in rows)
    prefill_s = time.perf_counter() - t0
    gen = BatchGenerator(model, stop_tokens=[[t] for t in eos], completion_batch_size=MAX_ROWS,
                         prefill_batch_size=MAX_ROWS, stream=stream)
    try:
        uids = gen.insert([r.prompt[-1:] for r in rows], [max_tokens] * len(rows), caches=caches,
                          logits_processors=[[r.processor] if r.processor else [] for r in rows])
        del caches
        by_uid = dict(zip(uids, rows))
        for r in rows:
            r.tokens, r.finish = [], None
        with gen.stats() as stats:
            while by_uid and (responses := gen.next_generated()):
                ours = []  # rows ended here (stop string, `until`) that the generator would go on with
                for resp in responses:
                    row = by_uid.get(resp.uid)
                    if row is None:
                        continue
                    if resp.token not in eos:
                        row.tokens.append(resp.token)
                    row.text = tokenizer.decode(row.tokens)
                    cut = find_stop(row.text, stop) if stop else None
                    if cut is not None:
                        row.text, row.finish = row.text[:cut], "stop"
                    elif until is not None and until(row.text):
                        row.finish = "until"
                    if resp.finish_reason is not None:
                        row.finish = row.finish or resp.finish_reason
                    elif row.finish:
                        ours.append(resp.uid)
                    if row.finish:
                        del by_uid[resp.uid]
                if ours:
                    gen.remove(ours)
        mx.clear_cache()
    finally:
        gen.close()
    return {"rows": len(rows), "prompt_tokens": fed, "prompt_tps": fed / max(prefill_s, 1e-9),
            "generation_tokens": stats.generation_tokens, "generation_tps": stats.generation_tps,
            "seconds": time.perf_counter() - t0}


def find_stop(text: str, stops: list[str]) -> int | None:
    """Where the first of `stops` begins in `text`, else None (single and batched decoding)."""
    hits = [text.find(s) for s in stops if s and s in text]
    return min(hits) if hits else None
