"""Constrained decoding from a JSON schema (llguidance), device-neutral (no Metal kernels)."""

import json
from functools import lru_cache

import memlora_mlx  # noqa: F401  (BLAS preload)
import mlx.core as mx
import numpy as np


@lru_cache(maxsize=4)
def _llg_tokenizer(hf_tokenizer, n_vocab: int):
    import llguidance.hf

    return llguidance.hf.from_tokenizer(hf_tokenizer, n_vocab=n_vocab)


class JsonSchemaProcessor:
    """mlx-lm logits processor: masks every token that would leave the schema's language."""

    def __init__(self, tokenizer, schema: dict, n_vocab: int):
        from llguidance import LLMatcher
        from llguidance.numpy import allocate_token_bitmask

        hf = getattr(tokenizer, "_tokenizer", tokenizer)
        self.llg = _llg_tokenizer(hf, n_vocab)
        grammar = LLMatcher.grammar_from_json_schema(json.dumps(schema), defaults={"whitespace_flexible": False})
        self.matcher = LLMatcher(self.llg, grammar)
        self.bitmask = allocate_token_bitmask(1, self.llg.vocab_size)
        self.n_vocab = n_vocab
        self.started = False

    def __call__(self, tokens: mx.array, logits: mx.array) -> mx.array:
        from llguidance.numpy import fill_next_token_bitmask

        if self.started:
            self.matcher.consume_token(int(tokens[-1].item()))
        self.started = True
        if self.matcher.is_error():
            return logits  # fall back to free decoding; the lenient parser handles the rest
        fill_next_token_bitmask(self.matcher, self.bitmask, 0)
        bits = np.unpackbits(self.bitmask.view(np.uint8), bitorder="little")[: logits.shape[-1]]
        if bits.shape[0] < logits.shape[-1]:
            bits = np.pad(bits, (0, logits.shape[-1] - bits.shape[0]))
        return mx.where(mx.array(bits.astype(np.bool_)), logits, -mx.inf)
