"""The project's own tiny vision model: conv encoder -> projector -> N soft tokens in SmolLM2's input embeddings.

LLaVA-style: the image becomes `n_tokens` vectors spliced into the prompt's token embeddings right after the user
turn opens; the LM (with the `vqa` LoRA) reads them like words. A demo model for synthetic scenes, not a general VLM.
All functions here must run on the MLX worker thread (`memlora_mlx.engine.worker.run`).
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten

from . import synth

IMAGE_MARK = "<image>"
SYSTEM = "Look at the image and answer the question in one word."


# Concept heads: each becomes one soft token = (its class probabilities) @ (the LM embeddings of the class words)
# + a learned residual. The LM then reads "red", "3", "left"-like vectors it already knows: cheap to train on a CPU.
HEADS = {
    "kind": ("shapes", "pair", "sign", "chart"),
    "color": tuple(synth.COLORS),
    "shape": synth.SHAPES,
    "count": ("1", "2", "3", "4"),
    "word": synth.WORDS,
    "tall": tuple(synth.COLORS),
    "lc": tuple(synth.COLORS),
    "rc": tuple(synth.COLORS),
    "ls": synth.SHAPES,
    "rs": synth.SHAPES,
}


@dataclass
class VisionConfig:
    image_size: int = 64
    patch: int = 8
    dim: int = 64
    depth: int = 2
    lm_dim: int = 576

    @property
    def n_tokens(self) -> int:
        return len(HEADS)


class MixerBlock(nn.Module):
    def __init__(self, n: int, d: int):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.t1, self.t2 = nn.Linear(n, 2 * n), nn.Linear(2 * n, n)
        self.c1, self.c2 = nn.Linear(d, 2 * d), nn.Linear(2 * d, d)

    def __call__(self, x):
        y = self.n1(x).swapaxes(1, 2)
        x = x + self.t2(nn.gelu(self.t1(y))).swapaxes(1, 2)
        return x + self.c2(nn.gelu(self.c1(self.n2(x))))


class TinyVision(nn.Module):
    """MLP-Mixer over 8x8 patches (+ patch coordinates) -> concept heads -> one soft token per head.

    Matmul-only (MLX's CPU convolutions are slow; its matmuls use the preloaded BLAS)."""

    def __init__(self, cfg: VisionConfig):
        super().__init__()
        self.cfg = cfg
        g = cfg.image_size // cfg.patch
        self.embed = nn.Linear(cfg.patch * cfg.patch * 3 + 2, cfg.dim)
        self.blocks = [MixerBlock(g * g, cfg.dim) for _ in range(cfg.depth)]
        self.norm = nn.LayerNorm(cfg.dim)
        flat = cfg.dim * (g // 2) ** 2
        self.heads = {k: nn.Linear(flat, len(v)) for k, v in HEADS.items()}
        self.residual = {k: nn.Linear(flat, cfg.lm_dim) for k in HEADS}
        for r in self.residual.values():
            r.weight = mx.zeros_like(r.weight)
            r.bias = mx.zeros_like(r.bias)
        # LM embeddings of every head's class words, stacked (one array: frozen cleanly); from `set_vocab`.
        self.vocab = mx.zeros((sum(len(v) for v in HEADS.values()), cfg.lm_dim))
        self._offsets, o = {}, 0
        for k, v in HEADS.items():
            self._offsets[k], o = (o, o + len(v)), o + len(v)

    def set_vocab(self, lm, tokenizer) -> None:
        ids = [tokenizer.encode(w, add_special_tokens=False)[0] for words in HEADS.values() for w in words]
        self.vocab = lm.model.embed_tokens(mx.array(ids)).astype(mx.float32)
        mx.eval(self.vocab)

    def tokens(self, pixels: mx.array) -> mx.array:
        """(B, H, W, 3) in [0, 1] -> (B, g*g, dim) patch tokens."""
        b, h, w, _ = pixels.shape
        p, g = self.cfg.patch, h // self.cfg.patch
        x = (pixels * 2 - 1).reshape(b, g, p, g, p, 3).transpose(0, 1, 3, 2, 4, 5).reshape(b, g * g, p * p * 3)
        ys, xs = mx.meshgrid(mx.linspace(-1, 1, g), mx.linspace(-1, 1, g), indexing="ij")
        coords = mx.broadcast_to(mx.stack([xs, ys], -1).reshape(1, g * g, 2), (b, g * g, 2))
        x = self.embed(mx.concatenate([x, coords], -1))
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)

    def features(self, pixels: mx.array) -> mx.array:
        """(B, flat) 2x2-pooled, flattened patch tokens (keeps coarse layout)."""
        x = self.tokens(pixels)
        b, n, d = x.shape
        g = int(n**0.5)
        return x.reshape(b, g // 2, 2, g // 2, 2, d).mean(axis=(2, 4)).reshape(b, -1)

    def head_logits(self, pixels: mx.array) -> dict:
        f = self.features(pixels)
        return {k: h(f) for k, h in self.heads.items()}

    def __call__(self, pixels: mx.array) -> mx.array:
        """(B, n_tokens, lm_dim) soft tokens."""
        f = self.features(pixels)
        toks = []
        for k in HEADS:
            a, b = self._offsets[k]
            toks.append(mx.softmax(self.heads[k](f), -1) @ self.vocab[a:b] + self.residual[k](f))
        return mx.stack(toks, axis=1)

    def embed_vector(self, pixels: mx.array) -> mx.array:
        """Pooled, L2-normalised image vector (for the store's `images` table)."""
        v = self.tokens(pixels).mean(axis=1)
        return v / mx.maximum(mx.linalg.norm(v, axis=-1, keepdims=True), 1e-6)

    def describe(self, pixels: mx.array) -> list[dict]:
        """Most likely class per head, per image (debugging / captions)."""
        logits = self.head_logits(pixels)
        idx = {k: mx.argmax(v, -1).tolist() for k, v in logits.items()}
        return [{k: HEADS[k][idx[k][i]] for k in HEADS} for i in range(pixels.shape[0])]


def load_pixels(images, size: int) -> mx.array:
    """Paths or PIL images -> (B, size, size, 3) float32 in [0, 1] (RGB, resized with bilinear filtering)."""
    arrs = []
    for im in images:
        if not isinstance(im, Image.Image):
            with Image.open(im) as f:
                im = f.convert("RGB")
        im = im.convert("RGB")
        if im.size != (size, size):
            im = im.resize((size, size), Image.BILINEAR)
        arrs.append(np.asarray(im, dtype=np.float32) / 255.0)
    return mx.array(np.stack(arrs))


def save_vision(model: TinyVision, out_dir, card: dict | None = None, half: bool = False) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # float16 on disk (half the size); loaded back as float32 (fp16 compute is slow on CPU)
    params = {k: v.astype(mx.float16) if half else v for k, v in tree_flatten(model.parameters())}
    mx.save_safetensors(str(out / "vision.safetensors"), params)
    cfg = asdict(model.cfg)
    (out / "vision_config.json").write_text(json.dumps(cfg, indent=2))
    if card is not None:
        (out / "card.json").write_text(json.dumps(card, indent=2))


def load_vision(path) -> TinyVision:
    path = Path(path)
    cfg_file, w_file = path / "vision_config.json", path / "vision.safetensors"
    if not cfg_file.is_file() or not w_file.is_file():
        raise FileNotFoundError(f"{path}: not a vision model dir (needs vision_config.json + vision.safetensors)")
    raw = json.loads(cfg_file.read_text())
    cfg = VisionConfig(**raw)
    model = TinyVision(cfg)
    model.load_weights([(k, v.astype(mx.float32)) for k, v in mx.load(str(w_file)).items()])
    model.eval()
    mx.eval(model.parameters())
    return model


# ---- prompts with soft image tokens --------------------------------------------------------------


def prompt_parts(tokenizer, question: str, answer: str | None = None) -> tuple[list[int], list[int]]:
    """Token ids before and after the image slot. With `answer`, the completion (+ end token) is appended."""
    msgs = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"{IMAGE_MARK}\n{question}"}]
    text = tokenizer.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
    pre, post = text.split(IMAGE_MARK, 1)
    if answer is not None:
        post += answer + "<|im_end|>"
    enc = lambda s: list(tokenizer.encode(s, add_special_tokens=False))  # noqa: E731
    return enc(pre), enc(post)


def splice(lm, pre: list[int], soft: mx.array, post: list[int]) -> mx.array:
    """(1, len(pre) + n_tokens + len(post), D) input embeddings with the soft tokens in the image slot."""
    emb = lm.model.embed_tokens
    return mx.concatenate([emb(mx.array(pre))[None], soft[None].astype(mx.float32), emb(mx.array(post))[None]], axis=1)


def answer_from_pixels(lm, tokenizer, vision: TinyVision, question: str, image, max_tokens: int = 6) -> str:
    """Greedy answer from the LM (whatever adapter is active) reading the image's soft tokens."""
    from mlx_lm.models.cache import make_prompt_cache

    soft = vision(load_pixels([image], vision.cfg.image_size))[0]
    pre, post = prompt_parts(tokenizer, question)
    h = splice(lm, pre, soft, post)
    ids = pre + [0] * soft.shape[0] + post  # ids are ignored where input_embeddings are given
    cache = make_prompt_cache(lm)
    logits = lm(mx.array(ids)[None], cache=cache, input_embeddings=h)
    out, eos = [], set(tokenizer.eos_token_ids) | {tokenizer.convert_tokens_to_ids("<|im_end|>")}
    for _ in range(max_tokens):
        tok = int(mx.argmax(logits[0, -1]).item())
        if tok in eos:
            break
        out.append(tok)
        logits = lm(mx.array([[tok]]), cache=cache)
    return tokenizer.decode(out).strip()
