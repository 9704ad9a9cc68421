"""Import a llama-family GGUF (e.g. the embedded SmolLM2 Q4_1) into a normal mlx-lm model directory.

`mx.load(gguf, return_metadata=True)` already gives MLX-quantized arrays (Q4_0/Q4_1/Q8_0) and the
tokenizer in the metadata. We rename tensors to mlx-lm names, undo llama.cpp's q/k row permutation,
keep scales/biases in float32 and write config.json, model.safetensors and a `tokenizers` tokenizer.json.
"""

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import mlx.core as mx
from filelock import FileLock

MARKER = "memlora_import.json"
IMPORT_VERSION = 1

_LAYER_NAMES = {
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
}
_TOP_NAMES = {"token_embd": "model.embed_tokens", "output_norm": "model.norm", "output": "lm_head"}


class ModelImportError(RuntimeError):
    pass


def _scalar(meta, key, default=None):
    v = meta.get(key, default)
    if v is None:
        return default
    if isinstance(v, mx.array):
        return v.item()
    return v


def _rename(name: str) -> str:
    base, _, kind = name.rpartition(".")
    parts = base.split(".")
    if parts[0] == "blk":
        return f"model.layers.{parts[1]}.{_LAYER_NAMES[parts[2]]}.{kind}"
    return f"{_TOP_NAMES[base]}.{kind}"


def _unpermute(x: mx.array, n_head: int) -> mx.array:
    """Invert llama.cpp's `permute` (interleaved -> half-split RoPE) on the output rows."""
    rows = x.shape[0]
    return x.reshape(n_head, rows // n_head // 2, 2, *x.shape[1:]).swapaxes(1, 2).reshape(x.shape)


def _quant_params(weights: dict, prefix: str, in_features: int) -> dict | None:
    w = weights.get(prefix + ".weight")
    s = weights.get(prefix + ".scales")
    if s is None or w is None or w.dtype != mx.uint32:
        return None
    bits = w.shape[-1] * 32 // in_features
    if bits * in_features != w.shape[-1] * 32 or in_features % s.shape[-1]:
        raise ModelImportError(f"cannot infer quantization of {prefix}: weight {w.shape}, scales {s.shape}")
    return {"bits": bits, "group_size": in_features // s.shape[-1]}


def _tokenizer_json(meta: dict) -> dict:
    tokens = meta["tokenizer.ggml.tokens"]
    merges = meta["tokenizer.ggml.merges"]
    types = meta.get("tokenizer.ggml.token_type")
    types = types.tolist() if isinstance(types, mx.array) else list(types or [1] * len(tokens))
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors

    vocab = {t: i for i, t in enumerate(tokens)}
    merges = [tuple(m.split(" ", 1)) for m in merges]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False, byte_fallback=False))
    pre = [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]
    if meta.get("tokenizer.ggml.pre") in ("smollm", "starcoder", "refact"):
        pre.insert(0, pre_tokenizers.Digits(individual_digits=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence(pre)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    from tokenizers import AddedToken

    special = [AddedToken(tokens[i], special=True, normalized=False) for i, t in enumerate(types) if t == 3]
    tok.add_special_tokens(special)
    return json.loads(tok.to_str())


def _source_digest(path: Path) -> str:
    st = path.stat()
    return hashlib.sha256(f"{path.resolve()}:{st.st_size}:{int(st.st_mtime)}:{IMPORT_VERSION}".encode()).hexdigest()[:16]


def convert(gguf: Path, out: Path) -> None:
    """Write an mlx-lm model directory for `gguf` into `out` (which must not exist)."""
    try:
        weights, meta = mx.load(str(gguf), return_metadata=True)
    except Exception as e:  # noqa: BLE001
        raise ModelImportError(f"{gguf}: not a readable GGUF file ({e})") from e
    arch = meta.get("general.architecture")
    if arch != "llama":
        raise ModelImportError(f"{gguf}: architecture {arch!r} is not supported (only llama-family GGUF)")
    g = lambda k, d=None: _scalar(meta, f"llama.{k}", d)  # noqa: E731
    n_head, n_kv = int(g("attention.head_count")), int(g("attention.head_count_kv", g("attention.head_count")))
    try:
        named = {_rename(k): v for k, v in weights.items()}
    except KeyError as e:
        raise ModelImportError(f"{gguf}: unexpected tensor {e}") from e
    out_w = {}
    for name, arr in named.items():
        if name.endswith((".scales", ".biases")):
            arr = arr.astype(mx.float32)  # float16 scales make CPU inference ~35x slower
        if ".self_attn.q_proj." in name:
            arr = _unpermute(arr, n_head)
        elif ".self_attn.k_proj." in name:
            arr = _unpermute(arr, n_kv)
        out_w[name] = arr
    quant = {}
    default_q = None
    for name in out_w:
        if name.endswith(".weight"):
            prefix = name[: -len(".weight")]
            fan_in = int(g("feed_forward_length")) if prefix.endswith("down_proj") else int(g("embedding_length"))
            q = _quant_params(out_w, prefix, fan_in)
            if q is None:
                continue
            if prefix.endswith("self_attn.q_proj") and default_q is None:
                default_q = q
            quant[prefix] = q
    if default_q is None:
        raise ModelImportError(f"{gguf}: no quantized attention weights found (only Q4_0/Q4_1/Q8_0 GGUFs import)")
    config = {
        "model_type": "llama",
        "architectures": ["LlamaForCausalLM"],
        "hidden_size": int(g("embedding_length")),
        "intermediate_size": int(g("feed_forward_length")),
        "num_hidden_layers": int(g("block_count")),
        "num_attention_heads": n_head,
        "num_key_value_heads": n_kv,
        "rms_norm_eps": float(g("attention.layer_norm_rms_epsilon", 1e-5)),
        "rope_theta": float(g("rope.freq_base", 10000.0)),
        "max_position_embeddings": int(g("context_length", 2048)),
        "vocab_size": len(meta["tokenizer.ggml.tokens"]),
        "tie_word_embeddings": "lm_head.weight" not in out_w,
        "head_dim": int(g("rope.dimension_count", int(g("embedding_length")) // n_head)),
        "bos_token_id": int(_scalar(meta, "tokenizer.ggml.bos_token_id", 1)),
        "eos_token_id": int(_scalar(meta, "tokenizer.ggml.eos_token_id", 2)),
        "quantization": {**default_q, **{k: v for k, v in quant.items() if v != default_q}},
    }
    tokens = meta["tokenizer.ggml.tokens"]
    tok_cfg = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": tokens[config["bos_token_id"]],
        "eos_token": tokens[config["eos_token_id"]],
        "pad_token": tokens[int(_scalar(meta, "tokenizer.ggml.padding_token_id", config["eos_token_id"]))],
        "unk_token": tokens[int(_scalar(meta, "tokenizer.ggml.unknown_token_id", 0))],
        "add_bos_token": bool(_scalar(meta, "tokenizer.ggml.add_bos_token", False)),
        "model_max_length": config["max_position_embeddings"],
        "clean_up_tokenization_spaces": False,
    }
    if meta.get("tokenizer.chat_template"):
        tok_cfg["chat_template"] = meta["tokenizer.chat_template"]
    out.mkdir(parents=True)
    mx.save_safetensors(str(out / "model.safetensors"), out_w, metadata={"format": "mlx"})
    (out / "config.json").write_text(json.dumps(config, indent=2))
    (out / "tokenizer.json").write_text(json.dumps(_tokenizer_json(meta), ensure_ascii=False))
    (out / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=2))
    (out / "special_tokens_map.json").write_text(
        json.dumps({k: tok_cfg[k] for k in ("bos_token", "eos_token", "pad_token", "unk_token")}, indent=2)
    )


def import_gguf(gguf: str | Path, dest_root: str | Path, name: str | None = None) -> Path:
    """Import `gguf` once into `dest_root/name`; atomic (temp dir + rename) and safe across processes."""
    gguf = Path(gguf)
    if not gguf.is_file():
        raise ModelImportError(f"GGUF file not found: {gguf}")
    dest_root = Path(dest_root)
    dest_root.mkdir(parents=True, exist_ok=True)
    name = name or gguf.stem
    final = dest_root / name
    digest = _source_digest(gguf)
    with FileLock(str(dest_root / f".{name}.lock")):
        marker = final / MARKER
        if marker.is_file():
            try:
                if json.loads(marker.read_text()).get("digest") == digest:
                    return final
            except (OSError, json.JSONDecodeError):
                pass
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=dest_root))
        try:
            shutil.rmtree(tmp)
            convert(gguf, tmp)
            (tmp / MARKER).write_text(json.dumps({"source": str(gguf), "digest": digest, "version": IMPORT_VERSION}))
            if final.exists():
                old = final.with_name(f".{name}.old.{os.getpid()}")
                final.rename(old)
                shutil.rmtree(old, ignore_errors=True)
            tmp.rename(final)  # atomic: a crash before this leaves only a hidden temp dir
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return final
