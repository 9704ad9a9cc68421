"""Words kept out of a generation (`Engine.stream(..., barred=[...])`): one token processor for both decoders."""

import mlx.core as mx
import numpy as np


class WordBan:
    """Bars words (and their capitalised forms) without barring a piece other words share.

    A form that is one token after a space (" mushroom", " Mushroom", " mushrooms") is barred everywhere; one token
    without the space ("pizza") only at the start of a word (after a token that ends in no letter, "**" or a new line);
    a form of several tokens by its second token right after its first ("M" then "ush" of "**Mushroom"). So " but" of
    " butters" or "and" of "candys" stay free: those pieces start many other words."""

    def __init__(self, tokenizer, words, n_vocab: int):
        self.tokenizer, self.n_vocab = tokenizer, n_vocab
        self.always: set[int] = set()
        self.word_start: set[int] = set()
        self.after: dict[int, set[int]] = {}
        for word in words:
            for form in {" " + word, " " + word.capitalize(), word, word.capitalize()}:
                ids = tokenizer.encode(form, add_special_tokens=False)
                if len(ids) == 1:
                    (self.always if form.startswith(" ") else self.word_start).add(ids[0])
                elif len(ids) > 1:
                    self.after.setdefault(ids[0], set()).add(ids[1])
        self.last: int | None = None

    def barred_now(self) -> set[int]:
        """Tokens barred as the next one, after the tokens consumed so far."""
        out = self.always | self.after.get(self.last, set())
        if self.last is None or not self.tokenizer.decode([self.last])[-1:].isalnum():
            out = out | self.word_start
        return out

    # --- token-by-token interface (memlora_mlx.engine.decode) ---
    def consume(self, token: int) -> None:
        self.last = int(token)

    def forced(self) -> list[int]:
        return []

    def allowed(self) -> np.ndarray:
        mask = np.ones(self.n_vocab, dtype=np.bool_)
        mask[[t for t in self.barred_now() if t < self.n_vocab]] = False
        return mask

    # --- mlx-lm logits-processor interface (sampling with temperature) ---
    def __call__(self, tokens: mx.array, logits: mx.array) -> mx.array:
        if tokens is not None and tokens.size:
            self.consume(int(tokens[-1].item()))
        mask = self.allowed()
        if mask.shape[0] < logits.shape[-1]:
            mask = np.pad(mask, (0, logits.shape[-1] - mask.shape[0]), constant_values=True)
        return mx.where(mx.array(mask[: logits.shape[-1]]), logits, -mx.inf)
