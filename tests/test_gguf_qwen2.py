"""Import of qwen2 / K-quant GGUFs with the `gguf` library: weights, tokenizer, compute forms."""

import json

import numpy as np
import pytest

import memlora_mlx  # noqa: F401
from tests.support.tiny_gguf import write_tiny_qwen2


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory):
    return write_tiny_qwen2(tmp_path_factory.mktemp("gguf") / "tiny-qwen2.gguf")


def _direct_model(gguf_path):
    """The same weights loaded straight into mlx-lm's qwen2 (dequantized by the gguf library, renamed by hand)."""
    import mlx.core as mx
    from gguf import GGUFReader
    from gguf.quants import dequantize
    from mlx_lm.models import qwen2

    from tests.support import tiny_gguf as T

    names = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
             "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
             "ffn_down": "mlp.down_proj", "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm"}
    weights = {}
    for t in GGUFReader(str(gguf_path)).tensors:
        parts = t.name.split(".")
        if parts[0] == "blk":
            key = f"model.layers.{parts[1]}.{names[parts[2]]}.{parts[3]}"
        else:
            key = {"token_embd": "model.embed_tokens", "output": "lm_head", "output_norm": "model.norm"}[parts[0]] \
                + "." + parts[1]
        weights[key] = mx.array(dequantize(t.data, t.tensor_type).astype(np.float32))
    n_vocab = weights["model.embed_tokens.weight"].shape[0]
    args = qwen2.ModelArgs(model_type="qwen2", hidden_size=T.HIDDEN, num_hidden_layers=T.LAYERS,
                           intermediate_size=T.FFN, num_attention_heads=T.HEADS, rms_norm_eps=1e-6,
                           vocab_size=n_vocab, num_key_value_heads=T.KV_HEADS, rope_theta=1e6,
                           tie_word_embeddings=False)
    model = qwen2.Model(args)
    model.load_weights(list(weights.items()), strict=True)
    return model


def test_kquant_qwen2_import_matches_direct_weights(tiny_gguf, tmp_path):
    import mlx.core as mx
    from mlx_lm import load

    from memlora_mlx.engine import worker
    from memlora_mlx.engine.gguf_import import import_gguf

    def run():
        out = import_gguf(tiny_gguf, tmp_path, "tiny-fp32", compute="fp32")
        cfg = json.loads((out / "config.json").read_text())
        assert cfg["model_type"] == "qwen2" and cfg["tie_word_embeddings"] is False
        assert "quantization" not in cfg
        model, tok = load(str(out))
        ids = tok.encode("Hello the world<|im_end|>")
        assert ids[-1] == tok.convert_tokens_to_ids("<|im_end|>") and len(ids) < 15
        x = mx.array([ids])
        got, want = model(x), _direct_model(tiny_gguf)(x)
        assert got.shape == want.shape == (1, len(ids), cfg["vocab_size"])
        assert np.allclose(np.array(got), np.array(want), atol=1e-4), float(mx.abs(got - want).max())
        # q/k biases kept (not permuted, not dropped): zeroing one changes the logits
        assert float(mx.abs(model.model.layers[0].self_attn.q_proj.bias).sum()) > 0
        # 4-bit for Metal/CUDA: MLX-quantized linears, close to the float32 logits
        out4 = import_gguf(tiny_gguf, tmp_path, "tiny-4bit", compute="4bit")
        assert json.loads((out4 / "config.json").read_text())["quantization"] == {"group_size": 64, "bits": 4}
        m4, _ = load(str(out4))
        l4 = np.array(m4(x).astype(mx.float32))
        assert np.corrcoef(l4.ravel(), np.array(got).ravel())[0, 1] > 0.98
        return out

    out = worker.run(run)
    # idempotent: same source -> same dir, untouched
    before = (out / "model.safetensors").stat().st_mtime_ns
    assert worker.run(import_gguf, tiny_gguf, tmp_path, "tiny-fp32", compute="fp32") == out
    assert (out / "model.safetensors").stat().st_mtime_ns == before


def test_import_joins_a_gguf_split_over_parts(tiny_gguf, tmp_path):
    from memlora_mlx.engine import worker
    from memlora_mlx.engine.gguf_import import import_gguf

    data = tiny_gguf.read_bytes()
    parts = []
    for i, chunk in enumerate((data[:1000], data[1000:50_000], data[50_000:])):
        parts.append(tmp_path / f"part{i:02d}.bin")
        parts[-1].write_bytes(chunk)
    out = worker.run(import_gguf, parts, tmp_path / "models", "split-fp32", compute="fp32")
    whole = worker.run(import_gguf, tiny_gguf, tmp_path / "models", "whole-fp32", compute="fp32")
    assert (out / "model.safetensors").read_bytes() == (whole / "model.safetensors").read_bytes()
    assert not list((tmp_path / "models").glob(".*.gguf")), "the joined temporary GGUF is removed"


def test_tokenizer_matches_transformers_converter(tiny_gguf, tmp_path):
    """Our tokenizer.json vs transformers' own GGUF converter (an independent implementation)."""
    conv = pytest.importorskip("transformers.integrations.gguf.gguf_tokenizer_mapping",
                               reason="transformers' GGUF tokenizer converter is not installed")
    from gguf import GGUFReader
    from tokenizers import Tokenizer

    from memlora_mlx.engine.gguf_tokenizer import tokenizer_json
    from memlora_mlx.engine.models import PRESETS

    preset = PRESETS["qwen2.5-coder-0.5b"]
    if not preset.installed():
        pytest.skip("the qwen2.5-coder-0.5b model packages are not installed")
    src = tmp_path / "q.gguf"  # the real vocabulary: 151,936 tokens, 151,387 merges
    with open(src, "wb") as f:
        for p in preset.parts():
            f.write(p.read_bytes())
    r = GGUFReader(str(src))
    get = lambda k: r.fields[k].contents()  # noqa: E731
    d = {"tokens": get("tokenizer.ggml.tokens"), "merges": get("tokenizer.ggml.merges"),
         "token_type": get("tokenizer.ggml.token_type"), "tokenizer_type": get("tokenizer.ggml.model"),
         "pre_tokenizer_type": get("tokenizer.ggml.pre")}
    theirs, _ = conv.convert_gguf_tokenizer("qwen2", d)
    ours = Tokenizer.from_str(json.dumps(tokenizer_json(d["tokens"], d["merges"], d["token_type"], d["pre_tokenizer_type"])))
    text = (open(__file__).read() * 4 + " Café naïve 12345 1,000,000 l'été 的 🙂 <|im_start|>user\nHi<|im_end|>"
            " <tool_call>{}</tool_call> \r\n\n   x\t\ty I'M DON'T ﬁ")
    a, b = ours.encode(text).ids, theirs.encode(text, add_special_tokens=False).ids
    assert len(text) > 20_000 and a == b


def test_unsupported_architecture_is_refused(tmp_path):
    import gguf

    from memlora_mlx.engine.gguf_import import ModelImportError, import_gguf

    p = tmp_path / "x.gguf"
    w = gguf.GGUFWriter(str(p), "mamba")
    w.add_tensor("token_embd.weight", np.zeros((4, 32), np.float32))
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()  # noqa: E702
    with pytest.raises(ModelImportError, match="architecture 'mamba' is not supported"):
        import_gguf(p, tmp_path / "m", "x", compute="fp32")
    assert not (tmp_path / "m" / "x").exists()
