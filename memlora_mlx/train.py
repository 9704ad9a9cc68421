"""`memlora train`: one per-operation LoRA adapter through mlx-lm's trainer.

Base = fp32-dequantized on CPU (same function as the 4-bit weights, so the adapter stays valid for 4-bit),
4-bit (QLoRA) on Metal/CUDA. LoRA structure = `adapters.DEFAULT_LORA` for every op (one hot-swap bank).
Prompt tokens are masked (only the assistant reply is learned). Keeps the best validation checkpoint as
`adapters.safetensors`; `--resume` continues from the last checkpoint (weights, optimizer state, step).
Output: mlx-lm adapter dir (adapter_config.json + adapters.safetensors) + card.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .engine import worker

CONFIG_DEFAULTS = {  # mlx_lm.lora-style keys; a YAML --config overrides these, CLI flags override YAML
    "batch_size": 4,
    "iters": 300,
    "learning_rate": 3e-4,
    "max_seq_length": 512,
    "steps_per_report": 5,
    "steps_per_eval": 50,
    "val_batches": -1,
    "grad_accumulation_steps": 1,
    "grad_checkpoint": False,
    "optimizer": "adam",
    "lr_schedule": None,
    "seed": 0,
    "compute": "auto",
    "time_limit": None,  # minutes; stop cleanly (best checkpoint + card kept) when reached
    "lora_layers": None,  # train LoRA on the last N blocks only (None: all); the bank zero-fills the rest
}


class TrainError(ValueError):
    pass


class _TimeUp(Exception):
    pass


@dataclass
class TrainConfig:
    op: str
    data: str
    out: str
    base: str | None = None
    resume: bool = False
    init_adapter: str | None = None  # start from these LoRA weights (fresh optimizer, step 0)
    hp: dict = field(default_factory=lambda: dict(CONFIG_DEFAULTS))


def data_dirs(data: str) -> list[Path]:
    """`--data DIR[,DIR...]`: the dirs whose splits are trained on together."""
    dirs = [Path(d) for d in str(data).split(",") if d]
    if not dirs or not all(d.is_dir() for d in dirs):
        raise TrainError(f"--data {data}: not a directory: {', '.join(str(d) for d in dirs if not d.is_dir())}")
    return dirs


def load_split(data: Path | str, name: str) -> list[dict]:
    """One split of every dir of `data`, concatenated and, with several dirs, mixed (seeded)."""
    from .distill import read_jsonl

    rows, dirs = [], data_dirs(str(data))
    for p in (d / f"{name}.jsonl" for d in dirs if (d / f"{name}.jsonl").exists()):
        for i, r in enumerate(read_jsonl(p), 1):
            msgs = r.get("messages")
            if not isinstance(msgs, list) or not msgs or msgs[-1].get("role") != "assistant":
                raise TrainError(f"{p}:{i}: expected {{'messages': [..., {{'role': 'assistant', ...}}]}}")
            rows.append(r)
    if len(dirs) > 1:  # else the first N validation batches would all come from the first dir
        import random

        random.Random(0).shuffle(rows)
    return rows


class _QuietUI:
    """Stands in for mlx-lm's rich TrainUI: progress comes from our tqdm callback instead."""

    def __init__(self, *a, **k):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def advance(self):
        pass

    def report_train(self, *a):
        pass

    def report_val(self, *a):
        pass

    def report_save(self, *a):
        pass

    def val_task(self, total):
        from contextlib import nullcontext

        return nullcontext(lambda: None)


def _progress_callback(model, optimizer, out: Path, start: int, total: int, state: dict, deadline=None):
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.trainer import TrainingCallback
    from tqdm import tqdm

    from .engine.adapters import lora_params

    class Progress(TrainingCallback):
        def __init__(self):
            self.bar = tqdm(total=total, initial=start, desc="train", unit="it", dynamic_ncols=True)
            self.done = start

        def on_train_loss_report(self, info):
            it = start + info["iteration"]
            self.bar.update(it - self.done)
            self.done = it
            state["train_loss"] = info["train_loss"]
            state["trained_tokens"] = state.get("tokens_before", 0) + info["trained_tokens"]
            state["tokens_per_sec"] = info["tokens_per_second"]  # mlx-lm counts the unmasked (target) tokens
            self.bar.set_postfix(loss=f"{info['train_loss']:.3f}", target_tok_s=f"{info['tokens_per_second']:.1f}",
                                 val=f"{state.get('best_val', float('nan')):.3f}")
            if deadline is not None and time.monotonic() > deadline:
                state["stopped_at"] = it
                raise _TimeUp

        def on_val_loss_report(self, info):
            it = start + info["iteration"]
            val = info["val_loss"]
            state.setdefault("val_history", []).append([it, round(val, 4)])
            if val < state.get("best_val", float("inf")):
                state.update(best_val=val, best_iter=it)
                mx.save_safetensors(str(out / "adapters.safetensors"), lora_params(model))
            # resume point: weights, optimizer state and step (written atomically enough: state file last)
            mx.save_safetensors(str(out / "last.safetensors"), lora_params(model))
            mx.save_safetensors(str(out / "optimizer.safetensors"), dict(tree_flatten(optimizer.state)))
            (out / "train_state.json").write_text(json.dumps({**state, "iteration": it}, indent=2))
            self.bar.write(f"iter {it}: val_loss {val:.4f}" + (" (best)" if state.get("best_iter") == it else ""))

    return Progress()


def train_adapter(cfg: TrainConfig) -> dict:
    """Train on the MLX thread; returns the card written to `<out>/card.json`."""
    return worker.run(_train, cfg)


def _stats(data: str) -> list[dict | None]:
    """Each dir's stats.json (from `memlora distill`), or None where it is missing or unreadable."""
    out = []
    for p in (d / "stats.json" for d in data_dirs(data)):
        try:
            out.append(json.loads(p.read_text()))
        except (OSError, ValueError):
            out.append(None)
    return out


def _prompt_features(data: str) -> dict:
    """What the runtime must send this adapter, from the data's stats.json: `context_turns` (earlier chat messages
    shown as context, `memlora distill --extract-followups`); dirs that disagree on it are refused."""
    turns = {int((st or {}).get("context_turns") or 0) for st in _stats(data)}
    if len(turns) > 1:
        raise TrainError(f"--data {data}: some dirs show earlier messages as context and some do not")
    return {"context_turns": turns.pop()} if max(turns) else {}


def _train(cfg: TrainConfig) -> dict:
    import mlx.core as mx
    import mlx.optimizers as optim
    import numpy as np
    from mlx.utils import tree_flatten, tree_unflatten
    from mlx_lm.tuner import trainer as mlx_trainer
    from mlx_lm.tuner.datasets import CacheDataset, ChatDataset
    from mlx_lm.tuner.utils import build_schedule

    from .engine.adapters import DEFAULT_LORA, adapter_config, apply_lora, lora_params
    from .engine.models import load_model

    hp = cfg.hp
    out = Path(cfg.out)
    features = _prompt_features(cfg.data)
    train_rows, valid_rows = load_split(cfg.data, "train"), load_split(cfg.data, "valid")
    if len(train_rows) < hp["batch_size"]:
        raise TrainError(f"{cfg.data}: train.jsonl: {len(train_rows)} examples, need at least batch_size={hp['batch_size']}")
    mx.random.seed(hp["seed"])  # LoRA init
    np.random.seed(hp["seed"])  # mlx-lm's batch order and validation batches (numpy's global RNG)
    model, tok, resolved, compute = load_model(cfg.base, hp["compute"])
    apply_lora(model, DEFAULT_LORA, hp.get("lora_layers"))

    def dataset(rows):
        ds = ChatDataset(rows, tok, mask_prompt=True)
        return CacheDataset(ds)

    train_set = dataset(train_rows)
    # --val-batches N: the first N batches, scored whole at every evaluation. (Passed on to mlx-lm, N would be N
    # random batches drawn anew each time, so the scores, and the best checkpoint chosen by them, would not compare.)
    if hp["val_batches"] > 0:
        valid_rows = valid_rows[: hp["val_batches"] * hp["batch_size"]]
    valid_set = dataset(valid_rows) if len(valid_rows) >= hp["batch_size"] else None
    lens = [len(train_set[i][0]) for i in range(len(train_set))]
    too_long = sum(n > hp["max_seq_length"] for n in lens)
    if too_long:
        print(f"warning: {too_long} training examples exceed max_seq_length={hp['max_seq_length']} (truncated)",
              file=sys.stderr)

    lr = build_schedule(hp["lr_schedule"]) if hp.get("lr_schedule") else hp["learning_rate"]
    opt_cls = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD, "adafactor": optim.Adafactor}
    if hp["optimizer"] not in opt_cls:
        raise TrainError(f"unknown optimizer {hp['optimizer']!r} (one of {', '.join(opt_cls)})")
    optimizer = opt_cls[hp["optimizer"]](learning_rate=lr)

    out.mkdir(parents=True, exist_ok=True)
    state: dict = {}
    start = 0
    if cfg.resume and (out / "train_state.json").exists():
        state = json.loads((out / "train_state.json").read_text())
        start = int(state.pop("iteration"))
        model.load_weights(str(out / "last.safetensors"), strict=False)
        optimizer.init(model.trainable_parameters())
        optimizer.state = tree_unflatten(list(mx.load(str(out / "optimizer.safetensors")).items()))
        state["tokens_before"] = state.get("trained_tokens", 0)
        print(f"resuming {out} at iteration {start}", file=sys.stderr)
    elif cfg.resume:
        print(f"nothing to resume in {out}; starting fresh", file=sys.stderr)
    if cfg.init_adapter and not state:  # a resumed run already holds its own weights
        src = Path(cfg.init_adapter)
        src = src / "adapters.safetensors" if src.is_dir() else src
        if not src.exists():
            raise TrainError(f"--init-adapter: no {src}")
        weights = mx.load(str(src))
        trainable = dict(tree_flatten(model.trainable_parameters()))
        if not weights or (bad := [k for k in weights if k not in trainable or trainable[k].shape != weights[k].shape]):
            raise TrainError(f"--init-adapter {src}: its weights do not fit this run's LoRA layers "
                             f"({', '.join((bad if weights else ['no weights'])[:3])} …); same base and --lora-layers?")
        model.load_weights(list(weights.items()), strict=False)
        print(f"starting from the LoRA weights in {src}", file=sys.stderr)
    remaining = hp["iters"] - start
    config = adapter_config(model, resolved.model_id, layers=hp.get("lora_layers"), op=cfg.op, compute=compute,
                            data=str(cfg.data), **{k: v for k, v in hp.items() if k != "compute"},
                            **features)
    (out / "adapter_config.json").write_text(json.dumps(config, indent=2))

    t0 = time.perf_counter()
    if remaining > 0:
        args = mlx_trainer.TrainingArgs(
            batch_size=hp["batch_size"], iters=remaining, val_batches=-1,
            steps_per_report=hp["steps_per_report"], steps_per_eval=hp["steps_per_eval"],
            steps_per_save=10**9, adapter_file=str(out / "last.safetensors"),
            max_seq_length=hp["max_seq_length"], grad_checkpoint=hp["grad_checkpoint"],
            grad_accumulation_steps=hp["grad_accumulation_steps"])
        deadline = time.monotonic() + 60 * hp["time_limit"] if hp.get("time_limit") else None
        cb = _progress_callback(model, optimizer, out, start, hp["iters"], state, deadline)
        ui, mlx_trainer.TrainUI = mlx_trainer.TrainUI, _QuietUI
        try:
            mlx_trainer.train(model=model, optimizer=optimizer, train_dataset=train_set, val_dataset=valid_set,
                              args=args, training_callback=cb)
        except _TimeUp:
            cb.bar.write(f"time limit {hp['time_limit']} min reached at iteration {state['stopped_at']}")
            mx.save_safetensors(str(out / "last.safetensors"), lora_params(model))
        finally:
            mlx_trainer.TrainUI = ui
            cb.bar.close()
        if valid_set is not None:  # the trainer validates before the last step; score the final weights too
            cb.on_val_loss_report({"iteration": cb.done - start, "val_loss": mlx_trainer.evaluate(
                model, valid_set, hp["batch_size"], -1, hp["max_seq_length"])})
    if valid_set is None or not (out / "adapters.safetensors").exists():
        (out / "adapters.safetensors").write_bytes((out / "last.safetensors").read_bytes())
    sources = _stats(cfg.data)
    card = {
        "op": cfg.op,
        "base_model": resolved.model_id,
        "base_path": str(resolved.path),
        "compute": compute,
        "lora": DEFAULT_LORA,
        "data": {"dir": str(cfg.data), "train": len(train_rows), "valid": len(valid_rows),
                 "mean_tokens": round(sum(lens) / len(lens), 1), "max_tokens": max(lens),
                 "source": sources[0] if len(sources) == 1 else sources},
        "hyperparameters": {k: v for k, v in hp.items()}, "init_adapter": cfg.init_adapter,
        "steps": state.get("stopped_at", hp["iters"]),
        "planned_steps": hp["iters"],
        "final_train_loss": state.get("train_loss"),
        "best_val_loss": state.get("best_val"),
        "best_iter": state.get("best_iter"),
        "val_history": state.get("val_history", []),
        "trained_tokens": state.get("trained_tokens"),
        "train_seconds_this_run": round(time.perf_counter() - t0, 1),
        "tokens_per_sec_last": state.get("tokens_per_sec"),
        "date": dt.date.today().isoformat(),
    }
    old = json.loads((out / "card.json").read_text()) if (out / "card.json").exists() else {}
    if "eval" in old and cfg.resume:
        card["eval"] = old["eval"]
    (out / "card.json").write_text(json.dumps(card, indent=2))
    return card


# ---- CLI -------------------------------------------------------------------------------------------


def add_parser(sub, name="train"):
    p = sub.add_parser(name, help="train a per-operation LoRA adapter",
                       description="LoRA-train one memory operation's adapter (mlx-lm trainer, prompt masked).")
    p.add_argument("--op", required=True, help="operation name: extract, update, answer (or your own)")
    p.add_argument("--data", required=True, metavar="DIR[,DIR...]",
                   help="dir with train.jsonl / valid.jsonl (from `memlora distill`); several comma-separated are mixed")
    p.add_argument("--out", default=None, help="adapter dir (default: data_dir()/adapters/<model-id>/<op>)")
    p.add_argument("--base", default=None, help="base model: preset, dir or .gguf (default: --model or the device's preset)")
    p.add_argument("--config", default=None, help="YAML with mlx_lm.lora-style keys (batch_size, iters, ...)")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    p.add_argument("--iters", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--learning-rate", type=float)
    p.add_argument("--max-seq-length", type=int)
    p.add_argument("--steps-per-eval", type=int)
    p.add_argument("--val-batches", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--compute", choices=("auto", "fp32", "4bit"))
    p.add_argument("--time-limit", type=float, help="minutes; stop cleanly when reached")
    p.add_argument("--steps-per-report", type=int)
    p.add_argument("--lora-layers", type=int, help="train the last N blocks only (default: all)")
    p.add_argument("--init-adapter", default=None, metavar="DIR|FILE",
                   help="start from an existing adapter's weights (same base and layers), e.g. a shipped one")
    p.set_defaults(func=run)
    return p


def config_from_args(args) -> TrainConfig:
    hp = dict(CONFIG_DEFAULTS)
    if args.config:
        import yaml

        try:
            loaded = yaml.safe_load(Path(args.config).read_text()) or {}
        except (OSError, yaml.YAMLError) as e:
            raise TrainError(f"--config {args.config}: {e}") from None
        unknown = set(loaded) - set(CONFIG_DEFAULTS) - {"model", "data", "adapter_path", "lora_parameters", "num_layers",
                                                        "fine_tune_type", "mask_prompt"}
        if unknown:
            raise TrainError(f"--config {args.config}: unknown keys {', '.join(sorted(unknown))}")
        for k, v in loaded.items():
            if k not in CONFIG_DEFAULTS:
                continue
            if isinstance(v, str) and k in ("learning_rate", "iters", "batch_size", "max_seq_length", "time_limit",
                                            "lora_layers"):
                try:  # PyYAML reads 1e-4 as a string
                    v = float(v) if k in ("learning_rate", "time_limit") else int(v)
                except ValueError:
                    raise TrainError(f"--config {args.config}: {k}: expected a number, got {v!r}") from None
            hp[k] = v
    for k in CONFIG_DEFAULTS:
        v = getattr(args, k, None)
        if v is not None:
            hp[k] = v
    base = args.base or getattr(args, "model", None)
    out = args.out
    if out is None:
        from .engine.models import default_preset, find_preset
        from .paths import data_dir

        preset = find_preset(base) if base else default_preset()[0]
        model_id = preset.model_id if preset else Path(base).name
        out = str(data_dir() / "adapters" / model_id / args.op)
    return TrainConfig(op=args.op, data=args.data, out=out, base=base, resume=args.resume,
                       init_adapter=getattr(args, "init_adapter", None), hp=hp)


def run(args) -> int:
    try:
        cfg = config_from_args(args)
        card = train_adapter(cfg)
    except (TrainError, FileNotFoundError) as e:
        print(f"memlora train: {e}", file=sys.stderr)
        return 2
    print(json.dumps({k: card[k] for k in ("op", "steps", "final_train_loss", "best_val_loss", "best_iter")}, indent=2))
    print(f"adapter written to {cfg.out}")
    return 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers()
    add_parser(sub)
    a = ap.parse_args(["train", *sys.argv[1:]])
    sys.exit(a.func(a))
