"""scripts/torch_lora: pack a GGUF base + tokenized data, train in PyTorch, unpack into memlora adapter dirs.

The pack and unpack steps run everywhere; the trainer's parity with MLX needs PyTorch (the GPU machine's) and
skips with a reason where it is absent."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.support.tiny_gguf import write_tiny_qwen2

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts" / "torch_lora"


def _module(name):
    spec = importlib.util.spec_from_file_location(f"torch_lora_{name}", SCRIPTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ROWS = [
    ("My sister Alice moved to Lyon.", '{"facts": ["sam\'s sister Alice moved to Lyon."]}'),
    ("I have two cats, Milo and Luna.", '{"facts": ["sam has two cats, Milo and Luna."]}'),
    ("How are you?", '{"facts": []}'),
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny K-quant qwen2 GGUF, its fp32 import (tokenizer) and a small data dir."""
    from mlx_lm.utils import load_tokenizer

    from memlora_mlx.engine import worker
    from memlora_mlx.engine.gguf_import import import_gguf

    root = tmp_path_factory.mktemp("torch_lora")
    gguf = write_tiny_qwen2(root / "tiny.gguf")
    model_dir = worker.run(import_gguf, gguf, root / "models", "tiny-fp32", compute="fp32")
    data = root / "data"
    data.mkdir()
    for split, rows in (("train", ROWS), ("valid", ROWS[:2])):
        with open(data / f"{split}.jsonl", "w") as f:
            for user, reply in rows:
                msgs = [{"role": "system", "content": "Extract facts."}, {"role": "user", "content": user},
                        {"role": "assistant", "content": reply}]
                f.write(json.dumps({"messages": msgs}) + "\n")
    return {"gguf": gguf, "model_dir": model_dir, "tok": load_tokenizer(model_dir), "data": data, "root": root}


@pytest.fixture(scope="module")
def packed(tiny):
    out = tiny["root"] / "pack"
    info = _module("pack").pack(tiny["gguf"], tiny["tok"], {"x": [str(tiny["data"])]}, out, chunk_bytes=100_000)
    return out, info


def test_pack_masks_the_prompt_and_cuts_the_embedding(tiny, packed):
    out, info = packed
    tok = tiny["tok"]
    idx = json.loads((out / "code" / "index.json").read_text())
    arrays = np.load(out / "code" / "tokens.npz")
    assert info["jobs"]["x"]["train"] == 3 and info["jobs"]["x"]["valid"] == 2
    starts = np.concatenate([[0], np.cumsum(arrays["x/train/lens"])[:-1]])
    for (user, reply), s, n, off in zip(ROWS, starts, arrays["x/train/lens"], arrays["x/train/offsets"]):
        ids = arrays["x/train/ids"][s:s + n].tolist()
        assert tok.decode(ids[off:]).strip() == reply + "<|im_end|>"  # only the reply (and its end) is learned
        assert tok.decode(ids[:off]).endswith("<|im_start|>assistant\n")
    used = set(arrays["x/train/ids"].tolist()) | set(arrays["x/valid/ids"].tolist()) | {idx["config"]["pad"]}
    embd = next(t for t in idx["tensors"] if t["name"] == "token_embd.weight")
    assert embd["rows"] == sorted(used) and embd["raw_shape"][0] == len(used) < idx["config"]["vocab"]
    parts = sorted(out.glob("part*"))
    assert len(parts) == info["parts"] > 1 and all(p.stat().st_size <= 100_000 for p in parts)
    assert sum(p.stat().st_size for p in parts) == sum(t["nbytes"] for t in idx["tensors"]) == info["bytes"]
    assert (out / "code" / "train_torch.py").is_file() and (out / "code" / "gguf" / "quants.py").is_file()


def test_pack_refuses_a_directory_that_is_not_a_pack(tiny, tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(SystemExit, match="not empty"):
        _module("pack").pack(tiny["gguf"], tiny["tok"], {"x": [str(tiny["data"])]}, tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def _results(tmp_path, state: dict, name="x1", layers=2) -> Path:
    from safetensors.numpy import save_file

    res = tmp_path / "results"
    res.mkdir()
    save_file({f"{name}::{k}": v for k, v in state.items()}, str(res / f"adapters_{name}.safetensors"))
    log = {"device": "test", "dtype": "float32", name: {
        "name": name, "data": "x", "batch_size": 2, "learning_rate": 1e-4, "steps": 2, "epochs": 1,
        "history": [{"step": 0, "val": 2.0}, {"step": 2, "val": 1.5}], "best_val": 1.5, "best_step": 2,
        "seconds": 1.0, "lora_layers": layers}}
    (res / "log.json").write_text(json.dumps(log))
    return res


def _unpack(res, pack_code, out, op="extract=x1"):
    return subprocess.run([sys.executable, str(SCRIPTS / "unpack.py"), "--results", str(res), "--pack",
                           str(pack_code), "--op", op, "--base-model-id", "tiny-fp32", "--out", str(out)],
                          check=False, capture_output=True, text=True, cwd=ROOT)


def _mlx_logits(model_dir, ids, adapter_dir=None):
    import mlx.core as mx
    from mlx_lm import load

    from memlora_mlx.engine import worker
    from memlora_mlx.engine.adapters import AdapterBank

    def run():
        model, _ = load(str(model_dir))
        if adapter_dir is not None:
            bank = AdapterBank(model, "tiny-fp32")
            bank.load("x", adapter_dir)
            bank.use("x")
        return np.array(model(mx.array([ids]))[0])

    return worker.run(run)


def test_unpack_writes_an_adapter_the_bank_loads(tiny, packed, tmp_path):
    from tests.support.tiny_gguf import HEADS, HIDDEN, KV_HEADS

    kv = HIDDEN // HEADS * KV_HEADS
    rng = np.random.default_rng(0)
    state = {}
    for k, out_f in (("q_proj", HIDDEN), ("k_proj", kv), ("v_proj", kv), ("o_proj", HIDDEN)):
        state[f"model.layers.1.self_attn.{k}.lora_a"] = rng.normal(0, 0.05, (HIDDEN, 8)).astype(np.float32)
        state[f"model.layers.1.self_attn.{k}.lora_b"] = rng.normal(0, 0.05, (8, out_f)).astype(np.float32)
    r = _unpack(_results(tmp_path, state, layers=1), packed[0] / "code", tmp_path / "ad")
    assert r.returncode == 0, r.stderr
    cfg = json.loads((tmp_path / "ad" / "x1" / "adapter_config.json").read_text())
    assert cfg["op"] == "extract" and cfg["num_layers"] == 1 and cfg["base_model_id"] == "tiny-fp32"
    card = json.loads((tmp_path / "ad" / "x1" / "card.json").read_text())
    assert card["best_step"] == 2 and card["data"]["train"] == 3
    ids = tiny["tok"].encode("My sister Alice moved to Lyon.")
    base, adapted = _mlx_logits(tiny["model_dir"], ids), _mlx_logits(tiny["model_dir"], ids, tmp_path / "ad" / "x1")
    assert np.abs(base - adapted).max() > 1e-3  # the weights reached the model

    (tmp_path / "b").mkdir()
    bad = _unpack(_results(tmp_path / "b", state, layers=1), packed[0] / "code", tmp_path / "ad2", op="extract=nope")
    assert bad.returncode != 0 and "nope" in bad.stderr


def test_torch_trainer_matches_mlx(tiny, packed, tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch is the GPU machine's trainer; not a dependency here")
    tt = _module("train_torch")
    out = packed[0]
    (tmp_path / "jobs.json").write_text(json.dumps([{"name": "x1", "data": "x", "epochs": 2, "batch_size": 2,
                                                     "learning_rate": 1e-2, "lora_layers": 2, "evals_per_epoch": 1}]))
    r = subprocess.run([sys.executable, str(out / "code" / "train_torch.py"), "--pack", str(out / "code"), "--parts",
                        str(out), "--jobs", str(tmp_path / "jobs.json"), "--out", str(tmp_path / "results"),
                        "--dtype", "float32"], check=False, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    log = json.loads((tmp_path / "results" / "log.json").read_text())
    assert log["x1"]["best_val"] < log["x1"]["history"][0]["val"]  # it learned
    assert _unpack(tmp_path / "results", out / "code", tmp_path / "ad").returncode == 0

    from safetensors.numpy import load_file

    model, _ = tt.load_pack(out / "code", out, "cpu", torch.float32)
    state = load_file(str(tmp_path / "results" / "adapters_x1.safetensors"))
    gen = torch.Generator().manual_seed(0)
    for key, lin in model.lora_layers(2):
        lin.add_lora(gen)
        lin.lora_a.data = torch.from_numpy(state[f"x1::{key}.lora_a"])
        lin.lora_b.data = torch.from_numpy(state[f"x1::{key}.lora_b"])
    arrays = np.load(out / "code" / "tokens.npz")  # a packed sequence: its embedding rows travelled
    ids = arrays["x/train/ids"][: arrays["x/train/lens"][0]].tolist()
    with torch.no_grad():
        theirs = model.logits(torch.tensor([ids]))[0].numpy()
    ours = _mlx_logits(tiny["model_dir"], ids, tmp_path / "ad" / "x1")
    assert np.abs(ours - theirs).max() < 1e-3 * max(1.0, np.abs(ours).max())
    assert np.abs(ours - _mlx_logits(tiny["model_dir"], ids)).max() > 1e-3
