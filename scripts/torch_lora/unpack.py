"""Turn train_torch.py's output (adapters_N.safetensors + log.json) into memlora adapter dirs:
OUT/<job>/{adapters.safetensors, adapter_config.json, card.json}, the form `memlora train` writes.

    uv run python scripts/torch_lora/unpack.py --results DIR --pack .gpu/code --op extract=xwin,xmix --out runs/gpu
"""

import argparse
import datetime as dt
import json
from pathlib import Path

import mlx.core as mx

from memlora_mlx.engine.adapters import DEFAULT_LORA


def adapter_config(job: dict, op: str, base_model_id: str, layers: int, data: list[str], max_len: int) -> dict:
    return {"fine_tune_type": "lora", "num_layers": layers, "lora_parameters": dict(DEFAULT_LORA),
            "base_model_id": base_model_id, "op": op, "compute": job.get("dtype", "bfloat16"), "data": ",".join(data),
            "batch_size": job["batch_size"], "iters": job["steps"], "learning_rate": job["learning_rate"],
            "max_seq_length": max_len, "optimizer": "adam", "lr_schedule": "warmup 10 % + cosine to 0.1",
            "seed": job.get("seed", 0), "lora_layers": layers, "trainer": "scripts/torch_lora/train_torch.py"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", type=Path, required=True)
    ap.add_argument("--pack", type=Path, default=Path(".gpu/code"))
    ap.add_argument("--op", action="append", required=True, help="OP=JOB[,JOB…]: the op each job's adapter is for")
    ap.add_argument("--base-model-id", default="Qwen2.5-Coder-0.5B-Instruct")
    ap.add_argument("--max-seq-length", type=int, default=1024)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    log = json.loads((a.results / "log.json").read_text())
    index = json.loads((a.pack / "index.json").read_text())
    ops = {job: op for spec in a.op for op, jobs in [spec.split("=", 1)] for job in jobs.split(",")}
    weights = {}
    for f in sorted(a.results.glob("adapters_*.safetensors")):
        weights.update(mx.load(str(f)))
    for job, op in ops.items():
        if job not in log:
            trained = ", ".join(k for k, v in log.items() if isinstance(v, dict) and "best_val" in v)
            raise SystemExit(f"{job}: not trained in {a.results} (trained: {trained or 'none'})")
        info = log[job]
        state = {k.split("::", 1)[1]: v for k, v in weights.items() if k.startswith(job + "::")}
        if not state:
            raise SystemExit(f"{job}: no weights in {a.results}")
        out = a.out / job
        out.mkdir(parents=True, exist_ok=True)
        mx.save_safetensors(str(out / "adapters.safetensors"), state)
        data = index["jobs"][info["data"]]
        cfg = adapter_config({**info, "dtype": log.get("dtype")}, op, a.base_model_id, info["lora_layers"],
                             data["data"], a.max_seq_length)
        (out / "adapter_config.json").write_text(json.dumps(cfg, indent=2))
        card = {"op": op, "base_model": a.base_model_id, "data": data, "device": log.get("device"),
                "torch": log.get("torch"), "steps": info["steps"], "epochs": info.get("epochs"),
                "best_step": info["best_step"], "best_val_loss": info["best_val"], "history": info["history"],
                "train_seconds": info["seconds"], "date": dt.date.today().isoformat()}
        (out / "card.json").write_text(json.dumps(card, indent=2))
        print(f"{job} -> {out}: {op}, best val {info['best_val']:.3f} at step {info['best_step']}/{info['steps']}")


if __name__ == "__main__":
    main()
