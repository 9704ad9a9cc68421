"""Constrained decoding from a JSON schema (llguidance), device-neutral (no Metal kernels)."""

import json
from functools import lru_cache

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
        # The separators of json.dumps, which wrote every training target (`{"facts": ["…", "…"]}`): a compact
        # grammar (`{"facts":[`) made the 0.5B extract adapter pick `[]` for every chat statement.
        grammar = LLMatcher.grammar_from_json_schema(json.dumps(schema), defaults={
            "whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "})
        self.matcher = LLMatcher(self.llg, grammar)
        self.bitmask = allocate_token_bitmask(1, self.llg.vocab_size)
        self.n_vocab = n_vocab
        self.started = False

    # --- token-by-token interface (memlora_mlx.engine.decode) ---
    def consume(self, token: int) -> None:
        if not self.matcher.is_error():
            self.matcher.consume_token(int(token))

    def forced(self) -> list[int]:
        """Tokens the grammar allows as the only continuation (e.g. `","text":`)."""
        if self.matcher.is_error():
            return []
        return list(self.matcher.compute_ff_tokens())

    def allowed(self) -> np.ndarray | None:
        """Boolean mask over the vocabulary, or None once the matcher failed (free decoding;
        the lenient parser handles the rest)."""
        from llguidance.numpy import fill_next_token_bitmask

        if self.matcher.is_error():
            return None
        fill_next_token_bitmask(self.matcher, self.bitmask, 0)
        bits = np.unpackbits(self.bitmask.view(np.uint8), bitorder="little")[: self.n_vocab]
        if bits.shape[0] < self.n_vocab:
            bits = np.pad(bits, (0, self.n_vocab - bits.shape[0]))
        return bits.astype(np.bool_)

    # --- mlx-lm logits-processor interface (sampling with temperature) ---
    def __call__(self, tokens: mx.array, logits: mx.array) -> mx.array:
        if self.started:
            self.consume(int(tokens[-1].item()))
        self.started = True
        mask = self.allowed()
        if mask is None:
            return logits
        if mask.shape[0] < logits.shape[-1]:
            mask = np.pad(mask, (0, logits.shape[-1] - mask.shape[0]))
        return mx.where(mx.array(mask[: logits.shape[-1]]), logits, -mx.inf)
