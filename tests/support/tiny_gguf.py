"""A tiny qwen2 GGUF with K-quant tensors, written with the `gguf` library's writer (for import tests)."""

from pathlib import Path

import numpy as np

HIDDEN, FFN, LAYERS, HEADS, KV_HEADS = 256, 512, 2, 4, 2  # K-quant blocks need inputs in multiples of 256
CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def byte_alphabet() -> list[str]:
    """GPT-2's bytes -> printable characters (the byte-level BPE alphabet)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


def vocab() -> tuple[list[str], list[str], list[int]]:
    merges = ["Ġ t", "h e", "Ġt he", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld", "e l", "el l", "H ell"]
    tokens = byte_alphabet() + [m.replace(" ", "") for m in merges]
    types = [1] * len(tokens)
    for t, ty in (("<|endoftext|>", 3), ("<|im_start|>", 3), ("<|im_end|>", 3), ("<tool_call>", 4),
                  ("[PAD0]", 5), ("[PAD1]", 5)):
        tokens.append(t)
        types.append(ty)
    return tokens, merges, types


def _kquant(rows: int, cols: int, qtype, rng) -> np.ndarray:
    """Random but well-scaled raw K-quant blocks (the writer cannot quantize K-types itself)."""
    from gguf import GGMLQuantizationType as T
    from gguf.constants import GGML_QUANT_SIZES

    block, nbytes = GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(rows, cols // block, nbytes), dtype=np.uint8)
    if qtype == T.Q4_K:  # d, dmin (f16) then 12 bytes of 6-bit scales/mins, then 4-bit quants
        raw[..., 0:2] = np.frombuffer(np.float16(2e-4).tobytes(), np.uint8)
        raw[..., 2:4] = np.frombuffer(np.float16(1e-4).tobytes(), np.uint8)
    elif qtype == T.Q6_K:  # ql, qh, int8 scales, then d (f16)
        raw[..., 192:208] = rng.integers(-8, 9, size=(rows, cols // block, 16)).astype(np.int8).view(np.uint8)
        raw[..., 208:210] = np.frombuffer(np.float16(1e-3).tobytes(), np.uint8)
    return raw.reshape(rows, -1)


def write_tiny_qwen2(path: Path, seed: int = 0) -> Path:
    import gguf
    from gguf import GGMLQuantizationType as T

    rng = np.random.default_rng(seed)
    tokens, merges, types = vocab()
    n_vocab = len(tokens)
    w = gguf.GGUFWriter(str(path), "qwen2")
    w.add_block_count(LAYERS)
    w.add_context_length(1024)
    w.add_embedding_length(HIDDEN)
    w.add_feed_forward_length(FFN)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_rope_freq_base(1e6)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_eos_token_id(tokens.index("<|im_end|>"))
    w.add_bos_token_id(tokens.index("<|endoftext|>"))
    w.add_pad_token_id(tokens.index("<|endoftext|>"))
    w.add_add_bos_token(False)
    w.add_chat_template(CHATML)

    def quant(name, rows, cols, qtype):
        if qtype in (T.Q4_K, T.Q6_K):
            w.add_tensor(name, _kquant(rows, cols, qtype, rng), raw_dtype=qtype)
        else:
            x = (rng.standard_normal((rows, cols)) * 0.05).astype(np.float32)
            w.add_tensor(name, gguf.quants.quantize(x, qtype), raw_dtype=qtype)

    def f32(name, n, scale=0.02, base=0.0):
        w.add_tensor(name, (base + rng.standard_normal(n) * scale).astype(np.float32))

    quant("token_embd.weight", n_vocab, HIDDEN, T.Q5_0)
    quant("output.weight", n_vocab, HIDDEN, T.Q6_K)  # a separate LM head, as in the 0.5B
    f32("output_norm.weight", HIDDEN, base=1.0)
    head_dim = HIDDEN // HEADS
    for i in range(LAYERS):
        b = f"blk.{i}"
        quant(f"{b}.attn_q.weight", HIDDEN, HIDDEN, T.Q4_K)
        quant(f"{b}.attn_k.weight", KV_HEADS * head_dim, HIDDEN, T.Q4_K)
        quant(f"{b}.attn_v.weight", KV_HEADS * head_dim, HIDDEN, T.Q8_0)
        quant(f"{b}.attn_output.weight", HIDDEN, HIDDEN, T.Q4_K)
        f32(f"{b}.attn_q.bias", HIDDEN, 0.5)
        f32(f"{b}.attn_k.bias", KV_HEADS * head_dim, 0.5)
        f32(f"{b}.attn_v.bias", KV_HEADS * head_dim, 0.5)
        quant(f"{b}.ffn_gate.weight", FFN, HIDDEN, T.Q4_K)
        quant(f"{b}.ffn_up.weight", FFN, HIDDEN, T.Q4_K)
        quant(f"{b}.ffn_down.weight", HIDDEN, FFN, T.Q6_K)
        f32(f"{b}.attn_norm.weight", HIDDEN, base=1.0)
        f32(f"{b}.ffn_norm.weight", HIDDEN, base=1.0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
