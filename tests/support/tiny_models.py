"""Tiny real-architecture models for fast tests (random weights, the real SmolLM2 tokenizer)."""

import json
import shutil
from pathlib import Path

import memlora_mlx  # noqa: F401
import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten

TINY_LLAMA = {
    "model_type": "llama",
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
    "max_position_embeddings": 1024,
    "tie_word_embeddings": True,
}


def build_tiny_llama(out: Path, tokenizer_dir: Path, seed: int = 0, quantize: bool = True) -> Path:
    """Write an mlx-lm llama dir with random weights (4-bit like the real checkpoint)."""
    from mlx_lm.models import llama

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (tokenizer_dir / f).is_file():
            shutil.copy(tokenizer_dir / f, out / f)
    vocab = json.loads((tokenizer_dir / "config.json").read_text())["vocab_size"]
    cfg = dict(TINY_LLAMA, vocab_size=vocab)
    mx.random.seed(seed)
    model = llama.Model(llama.ModelArgs.from_dict(cfg))
    if quantize:
        nn.quantize(model, group_size=32, bits=4)
        cfg["quantization"] = {"group_size": 32, "bits": 4}
    mx.eval(model.parameters())
    mx.save_safetensors(str(out / "model.safetensors"), dict(tree_flatten(model.parameters())))
    (out / "config.json").write_text(json.dumps(cfg, indent=2))
    return out
