"""LoRA training through mlx-lm's trainer on a tiny real-architecture llama: loss falls, the adapter loads back."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

import memlora_mlx  # noqa: F401
from memlora_mlx.engine import worker
from memlora_mlx.train import CONFIG_DEFAULTS, TrainConfig, TrainError, config_from_args, train_adapter


def _data(d, n_train=16, n_valid=4):
    d.mkdir(parents=True, exist_ok=True)
    words = ["apple", "river", "stone", "cloud", "maple", "tiger", "piano", "lemon"]

    def row(i):
        w = words[i % len(words)]
        return {"messages": [{"role": "system", "content": "Repeat the word as JSON."},
                             {"role": "user", "content": f"word: {w}"},
                             {"role": "assistant", "content": json.dumps({"facts": [w, w]})}]}

    for name, n in (("train", n_train), ("valid", n_valid)):
        (d / f"{name}.jsonl").write_text("".join(json.dumps(row(i)) + "\n" for i in range(n)))
    return d


def _cfg(tmp_path, tiny_model_dir, iters, resume=False):
    hp = dict(CONFIG_DEFAULTS, iters=iters, batch_size=2, learning_rate=1e-2, steps_per_eval=5, steps_per_report=2,
              val_batches=-1, compute="fp32")
    return TrainConfig(op="extract", data=str(_data(tmp_path / "data")), out=str(tmp_path / "adapter"),
                       base=str(tiny_model_dir), resume=resume, hp=hp)


def _loss(model_dir, adapter_dir, data_dir):
    """Validation loss of the base with (or without) the saved adapter, loaded like mlx-lm does."""

    def run():
        import mlx.core as mx
        from mlx_lm.tuner.datasets import CacheDataset, ChatDataset
        from mlx_lm.tuner.trainer import evaluate
        from mlx_lm.tuner.utils import load_adapters

        from memlora_mlx.engine.models import load_model
        from memlora_mlx.train import load_split

        model, tok, _, _ = load_model(str(model_dir), "fp32")
        if adapter_dir is not None:
            load_adapters(model, str(adapter_dir))
        ds = CacheDataset(ChatDataset(load_split(data_dir, "valid"), tok, mask_prompt=True))
        mx.random.seed(0)
        return evaluate(model, ds, batch_size=2, num_batches=-1)

    return worker.run(run)


def test_tiny_run_lowers_loss_and_adapter_loads_back(tmp_path, tiny_model_dir):
    card = train_adapter(_cfg(tmp_path, tiny_model_dir, iters=40))
    out = tmp_path / "adapter"
    cfg = json.loads((out / "adapter_config.json").read_text())
    from memlora_mlx.engine.adapters import DEFAULT_LORA

    assert cfg["fine_tune_type"] == "lora" and cfg["lora_parameters"] == DEFAULT_LORA and cfg["num_layers"] == 2
    hist = card["val_history"]
    assert hist[0][0] == 0 and card["best_val_loss"] < hist[0][1] * 0.9  # learned something real
    assert json.loads((out / "card.json").read_text())["best_iter"] == card["best_iter"]
    base = _loss(tiny_model_dir, None, tmp_path / "data")
    tuned = _loss(tiny_model_dir, out, tmp_path / "data")
    assert tuned == pytest.approx(card["best_val_loss"], rel=1e-3)  # best checkpoint is what was saved
    assert tuned < base * 0.9
    # the same adapter on the 4-bit base (what runs on Metal): still far better than the bare base
    def q4():
        from mlx_lm.tuner.utils import load_adapters

        from memlora_mlx.engine.models import load_model

        m, _, _, compute = load_model(str(tiny_model_dir), "4bit")
        load_adapters(m, str(out))
        return compute

    assert worker.run(q4) == "4bit"


def test_same_seed_same_adapter(tmp_path, tiny_model_dir):
    """Batch order, validation batches and LoRA init all follow --seed: a rerun gives the same numbers."""
    a = train_adapter(_cfg(tmp_path / "a", tiny_model_dir, iters=6))
    np.random.seed(123)  # whatever the process did before must not matter
    b = train_adapter(_cfg(tmp_path / "b", tiny_model_dir, iters=6))
    assert a["val_history"] == b["val_history"] and a["final_train_loss"] == b["final_train_loss"]


def test_resume_continues_from_checkpoint(tmp_path, tiny_model_dir):
    train_adapter(_cfg(tmp_path, tiny_model_dir, iters=8))
    state = json.loads((tmp_path / "adapter" / "train_state.json").read_text())
    assert state["iteration"] == 8
    card = train_adapter(_cfg(tmp_path, tiny_model_dir, iters=12, resume=True))
    state = json.loads((tmp_path / "adapter" / "train_state.json").read_text())
    assert state["iteration"] == 12 and card["steps"] == 12
    its = [it for it, _ in card["val_history"]]
    assert its[0] == 0 and 8 in its and its[-1] == 12 and its == sorted(its)


def test_bad_data_and_config_are_named(tmp_path, tiny_model_dir):
    d = tmp_path / "bad"
    d.mkdir()
    (d / "train.jsonl").write_text('{"messages": [{"role": "user", "content": "hi"}]}\n')
    cfg = _cfg(tmp_path, tiny_model_dir, iters=2)
    cfg.data = str(d)
    with pytest.raises(TrainError, match=r"train.jsonl:1: expected"):
        train_adapter(cfg)
    (tmp_path / "c.yaml").write_text("iters: 3\nlearning_rat: 0.1\n")
    args = SimpleNamespace(config=str(tmp_path / "c.yaml"), op="x", data="d", out="o", base=None, resume=False)
    with pytest.raises(TrainError, match="learning_rat"):
        config_from_args(args)
    (tmp_path / "c.yaml").write_text("iters: 3\nlearning_rate: 1e-4\nbatch_size: 8\n")
    args = SimpleNamespace(config=str(tmp_path / "c.yaml"), op="x", data="d", out="o", base=None, resume=False,
                           batch_size=2)
    hp = config_from_args(args).hp
    assert (hp["iters"], hp["learning_rate"], hp["batch_size"]) == (3, 1e-4, 2)  # CLI beats YAML beats defaults


def test_val_batches_score_the_same_examples_every_time(tmp_path, tiny_model_dir):
    # learning rate 0: the weights never change, so every evaluation of a fixed subset gives the same loss
    # (mlx-lm itself draws other random batches at each evaluation; different rows here have different lengths)
    d = _data(tmp_path / "data", n_valid=8)
    rows = [json.loads(x) for x in (d / "valid.jsonl").read_text().splitlines()]
    for i, r in enumerate(rows):
        r["messages"][1]["content"] += " please" * i
    (d / "valid.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    hp = dict(CONFIG_DEFAULTS, iters=6, batch_size=1, learning_rate=0.0, steps_per_eval=2, steps_per_report=2,
              val_batches=3, compute="fp32")
    card = train_adapter(TrainConfig(op="extract", data=str(d), out=str(tmp_path / "adapter"),
                                     base=str(tiny_model_dir), hp=hp))
    losses = [v for _, v in card["val_history"]]
    assert len(losses) >= 3 and max(losses) - min(losses) < 1e-4, losses
    assert card["data"]["valid"] == 3


def test_init_adapter_starts_from_its_weights_and_refuses_a_mismatch(tmp_path, tiny_model_dir):
    first = train_adapter(_cfg(tmp_path / "a", tiny_model_dir, iters=6))
    cfg = _cfg(tmp_path / "b", tiny_model_dir, iters=2)
    cfg.init_adapter = str(tmp_path / "a" / "adapter")
    (tmp_path / "b" / "data" / "stats.json").write_text(json.dumps({"op": "extract", "context_turns": 1}))
    card = train_adapter(cfg)
    # what the runtime must send it comes with the adapter (distill --extract-followups -> context_turns)
    assert json.loads((tmp_path / "b" / "adapter" / "adapter_config.json").read_text())["context_turns"] == 1
    assert "context_turns" not in json.loads((tmp_path / "a" / "adapter" / "adapter_config.json").read_text())
    assert card["init_adapter"] == cfg.init_adapter and first["init_adapter"] is None  # the card says where it began
    fresh = train_adapter(_cfg(tmp_path / "c", tiny_model_dir, iters=2))
    best_a = min(v for _, v in first["val_history"])
    assert card["val_history"][0][1] == pytest.approx(best_a, rel=1e-4)  # step 0 scores the given weights
    assert fresh["val_history"][0][1] > best_a  # a fresh start does not
    import mlx.core as mx

    mx.save_safetensors(str(tmp_path / "bad.safetensors"), {"model.layers.0.self_attn.q_proj.lora_a": mx.zeros((3, 3))})
    bad = _cfg(tmp_path / "d", tiny_model_dir, iters=2)
    bad.init_adapter = str(tmp_path / "bad.safetensors")
    with pytest.raises(TrainError, match="do not fit"):
        train_adapter(bad)


def test_several_data_dirs_are_mixed_and_must_agree_on_context(tmp_path):
    from memlora_mlx.train import _prompt_features, load_split

    a, b = _data(tmp_path / "a", 6, 2), _data(tmp_path / "b", 5, 3)
    (b / "train.jsonl").write_text((b / "train.jsonl").read_text().replace("word:", "mot:"))
    rows = load_split(f"{a},{b}", "train")
    users = [r["messages"][1]["content"] for r in rows]
    assert len(rows) == 11 and sum(u.startswith("mot:") for u in users) == 5
    assert users[:6] != [u for u in users if u.startswith("word:")]  # mixed, not one dir after the other
    assert rows == load_split(f"{a},{b}", "train") and len(load_split(f"{a},{b}", "valid")) == 5  # seeded
    assert _prompt_features(f"{a},{b}") == {}
    (a / "stats.json").write_text(json.dumps({"context_turns": 1}))
    with pytest.raises(TrainError, match="context"):
        _prompt_features(f"{a},{b}")
    (b / "stats.json").write_text(json.dumps({"context_turns": 1}))
    assert _prompt_features(f"{a},{b}") == {"context_turns": 1}
    (b / "stats.json").write_text("{not json")  # unreadable stats count as none, as a missing file does
    with pytest.raises(TrainError, match="context"):
        _prompt_features(f"{a},{b}")
    with pytest.raises(TrainError, match="not a directory: .*nowhere"):
        load_split(f"{a},{tmp_path / 'nowhere'}", "train")
