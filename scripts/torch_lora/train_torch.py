"""LoRA training of a qwen2 GGUF base in plain PyTorch, from a pack written by pack.py (no MLX, no tokenizer).

The adapter has mlx-lm's form and `memlora train`'s structure (`engine.adapters.DEFAULT_LORA`: rank 8, scale 20,
q/k/v/o of the last `lora_layers` blocks; y = W x + b + scale * (x @ lora_a) @ lora_b), the prompt masked
(loss on tokens[offset:len], as mlx-lm's default_loss). Base frozen in bf16 (float32 with --dtype float32).

    python train_torch.py --pack DIR --parts DIR --jobs jobs.json --out OUT
jobs.json: [{"name", "data" (a pack job), "epochs", "batch_size", "learning_rate", "lora_layers", "seed",
"evals_per_epoch", "max_steps"}…]
Writes OUT/adapters_<name>.safetensors (keys "<name>::<mlx key>", best validation checkpoint) and OUT/log.json.
--smoke: a tiny random qwen2 and random tokens through the same code, to check the machine in seconds.
"""

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

RANK, SCALE = 8, 20.0
KEYS = ("q_proj", "k_proj", "v_proj", "o_proj")
LAYER = {"attn_q": "q_proj", "attn_k": "k_proj", "attn_v": "v_proj", "attn_output": "o_proj",
         "ffn_gate": "gate_proj", "ffn_up": "up_proj", "ffn_down": "down_proj",
         "attn_norm": "input_norm", "ffn_norm": "post_norm"}


class Linear(nn.Module):
    def __init__(self, w, b=None):
        super().__init__()
        self.register_buffer("w", w)
        self.register_buffer("b", b)
        self.lora_a = self.lora_b = None

    def add_lora(self, gen):
        out_f, in_f = self.w.shape
        s = 1 / math.sqrt(in_f)
        a = (torch.rand(in_f, RANK, generator=gen) * 2 * s - s).to(self.w.device)
        self.lora_a = nn.Parameter(a)
        self.lora_b = nn.Parameter(torch.zeros(RANK, out_f, device=self.w.device))

    def forward(self, x):
        y = F.linear(x, self.w, self.b)
        if self.lora_a is not None:
            y = y + (SCALE * ((x @ self.lora_a.to(x.dtype)) @ self.lora_b.to(x.dtype))).to(y.dtype)
        return y


def rms(x, w, eps):
    xf = x.float()
    return (w.float() * xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)


def rotate(x, cos, sin):
    h = x.shape[-1] // 2
    return x * cos + torch.cat((-x[..., h:], x[..., :h]), -1) * sin


class Block(nn.Module):
    def __init__(self, p, cfg):
        super().__init__()
        self.cfg = cfg
        self.q_proj, self.k_proj, self.v_proj = (Linear(p[f"{k}.weight"], p[f"{k}.bias"]) for k in KEYS[:3])
        self.o_proj = Linear(p["o_proj.weight"])
        self.gate, self.up, self.down = (Linear(p[f"{k}.weight"]) for k in ("gate_proj", "up_proj", "down_proj"))
        self.register_buffer("n1", p["input_norm.weight"])
        self.register_buffer("n2", p["post_norm.weight"])

    def forward(self, x, cos, sin):
        c, (B, T, _) = self.cfg, x.shape
        hd = c["hidden"] // c["heads"]
        h = rms(x, self.n1, c["eps"])
        q = self.q_proj(h).view(B, T, c["heads"], hd).transpose(1, 2)
        k = self.k_proj(h).view(B, T, c["kv_heads"], hd).transpose(1, 2)
        v = self.v_proj(h).view(B, T, c["kv_heads"], hd).transpose(1, 2)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        rep = c["heads"] // c["kv_heads"]
        k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, -1)
        x = x + self.o_proj(a)
        h = rms(x, self.n2, c["eps"])
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Qwen2(nn.Module):
    def __init__(self, w, cfg):
        super().__init__()
        self.cfg = cfg
        self.register_buffer("embed", w["token_embd.weight"])
        self.register_buffer("norm", w["output_norm.weight"])
        self.register_buffer("head", w.get("output.weight", w["token_embd.weight"]))
        self.blocks = nn.ModuleList(
            Block({f"{LAYER[k.split('.')[2]]}.{k.split('.')[3]}": v for k, v in w.items()
                   if k.startswith(f"blk.{i}.")}, cfg) for i in range(cfg["layers"]))

    def hidden(self, ids):
        hd = self.cfg["hidden"] // self.cfg["heads"]
        inv = 1.0 / (self.cfg["theta"] ** (torch.arange(0, hd, 2, device=ids.device).float() / hd))
        f = torch.arange(ids.shape[1], device=ids.device).float()[:, None] * inv[None]
        emb = torch.cat((f, f), -1)
        x = self.embed[ids]
        cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)
        for b in self.blocks:
            x = b(x, cos, sin)
        return rms(x, self.norm, self.cfg["eps"])

    def logits(self, ids):
        return self.hidden(ids) @ self.head.T

    def lora_layers(self, n):
        return [(f"model.layers.{i}.self_attn.{k}", getattr(b, k)) for i, b in enumerate(self.blocks)
                if i >= len(self.blocks) - n for k in KEYS]


def load_pack(pack: Path, parts: Path, device, dtype):
    import sys

    sys.path.insert(0, str(pack))  # the gguf package travels as source beside this file
    from gguf import GGMLQuantizationType
    from gguf.quants import dequantize

    idx = json.loads((pack / "index.json").read_text())
    blob = b"".join(p.read_bytes() for p in sorted(parts.glob("part[0-9][0-9]")))
    need = sum(t["nbytes"] for t in idx["tensors"])
    if len(blob) != need:
        raise SystemExit(f"weight parts hold {len(blob)} bytes, the index needs {need}")
    w = {}
    for t in idx["tensors"]:
        raw = np.frombuffer(blob, dtype=np.dtype(t["dtype"]), count=t["nbytes"] // np.dtype(t["dtype"]).itemsize,
                            offset=t["offset"]).reshape(t["raw_shape"])
        a = np.array(dequantize(raw, GGMLQuantizationType(t["type"])), np.float32)  # a writable copy
        if "rows" in t:  # the token embedding, only the rows the data uses
            full = np.zeros((idx["config"]["vocab"], a.shape[-1]), np.float32)
            full[t["rows"]] = a
            a = full
        else:
            a = a.reshape(tuple(reversed(t["shape"])))
        w[t["name"]] = torch.from_numpy(a).to(device=device, dtype=dtype)
    return Qwen2(w, idx["config"]), idx


def examples(tokens, name, split):
    ids, lens, offs = tokens[f"{name}/{split}/ids"], tokens[f"{name}/{split}/lens"], tokens[f"{name}/{split}/offsets"]
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    return [(ids[s:s + n], o) for s, n, o in zip(starts, lens, offs) if n > o]


def batch_loss(model, batch, pad, device):
    T = max(len(x) for x, _ in batch)
    ids = torch.full((len(batch), T), pad, dtype=torch.long)
    mask = torch.zeros((len(batch), T - 1), dtype=torch.bool)
    for i, (x, o) in enumerate(batch):
        ids[i, :len(x)] = torch.from_numpy(x.astype(np.int64))
        mask[i, max(o - 1, 0):len(x) - 1] = True  # target t+1 is learned when t+1 >= offset
    ids, mask = ids.to(device), mask.to(device)
    h = model.hidden(ids[:, :-1])[mask]
    logits = (h @ model.head.T).float()
    return F.cross_entropy(logits, ids[:, 1:][mask], reduction="sum"), int(mask.sum())


def evaluate(model, data, bs, pad, device):
    tot, n = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(data), bs):
            loss, k = batch_loss(model, data[i:i + bs], pad, device)
            tot, n = tot + float(loss), n + k
    return tot / max(n, 1)


def train_job(model, job, tokens, pad, device, log):
    name, gen = job["name"], torch.Generator().manual_seed(job.get("seed", 0))
    layers = model.lora_layers(job.get("lora_layers", model.cfg["layers"]))
    for b in model.blocks:
        for k in KEYS:
            getattr(b, k).lora_a = getattr(b, k).lora_b = None
    for _, lin in layers:
        lin.add_lora(gen)
    params = [p for _, lin in layers for p in (lin.lora_a, lin.lora_b)]
    train, valid = examples(tokens, job["data"], "train"), examples(tokens, job["data"], "valid")
    bs, rng = job.get("batch_size", 8), random.Random(job.get("seed", 0))
    steps_per_epoch = math.ceil(len(train) / bs)
    total = min(steps_per_epoch * job.get("epochs", 3), job.get("max_steps", 10**9))
    warm = max(1, total // 10)
    opt = torch.optim.Adam(params, lr=job["learning_rate"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * (
        0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, s / total)))))
    every = min(total, max(1, steps_per_epoch // job.get("evals_per_epoch", 1)))
    hist = [{"step": 0, "val": evaluate(model, valid, bs, pad, device)}]
    best, best_state, t0, losses = hist[0]["val"], None, time.time(), []
    print(f"[{name}] train {len(train)} valid {len(valid)} steps {total} val0 {best:.3f}", flush=True)
    order = []
    for step in range(1, total + 1):
        if not order:
            order = list(range(len(train)))
            rng.shuffle(order)
        batch = [train[i] for i in order[:bs]]
        order = order[bs:]
        loss, k = batch_loss(model, batch, pad, device)
        opt.zero_grad(set_to_none=True)
        (loss / k).backward()
        opt.step()
        sched.step()
        losses.append(loss.item() / k)
        if step % every == 0 or step == total:
            v = evaluate(model, valid, bs, pad, device)
            hist.append({"step": step, "val": v, "train": float(np.mean(losses[-every:])), "s": time.time() - t0})
            print(f"[{name}] step {step}/{total} train {hist[-1]['train']:.3f} val {v:.3f} {time.time() - t0:.0f}s",
                  flush=True)
            if v < best:
                best = v
                best_state = {f"{key}.{n}": getattr(lin, n).detach().float().cpu().numpy()
                              for key, lin in layers for n in ("lora_a", "lora_b")}
    log[name] = {**job, "train": len(train), "valid": len(valid), "steps": total, "history": hist,
                 "best_val": best, "best_step": min(hist, key=lambda h: h["val"])["step"], "seconds": time.time() - t0,
                 "lora_layers": len(layers) // len(KEYS)}
    return best_state


def smoke(device):
    cfg = {"hidden": 64, "ffn": 128, "layers": 2, "heads": 4, "kv_heads": 2, "eps": 1e-6, "theta": 1e6, "vocab": 97}
    g = torch.Generator().manual_seed(0)
    r = lambda *s: (torch.randn(*s, generator=g) * 0.05).to(device)
    one = torch.ones(64, device=device)
    w = {"token_embd.weight": r(97, 64), "output.weight": r(97, 64), "output_norm.weight": one}
    for i in range(2):
        for k, s in {"attn_q": (64, 64), "attn_k": (32, 64), "attn_v": (32, 64), "attn_output": (64, 64),
                     "ffn_gate": (128, 64), "ffn_up": (128, 64), "ffn_down": (64, 128)}.items():
            w[f"blk.{i}.{k}.weight"] = r(*s)
        for k, n in (("attn_q", 64), ("attn_k", 32), ("attn_v", 32)):
            w[f"blk.{i}.{k}.bias"] = r(n)
        w[f"blk.{i}.attn_norm.weight"] = w[f"blk.{i}.ffn_norm.weight"] = one
    rng = np.random.default_rng(0)
    seqs = [rng.integers(0, 97, int(rng.integers(8, 40))).astype(np.int32) for _ in range(24)]
    toks = {}
    for sp in ("train", "valid"):
        toks.update({f"s/{sp}/ids": np.concatenate(seqs), f"s/{sp}/lens": np.asarray([len(s) for s in seqs], np.int32),
                     f"s/{sp}/offsets": np.full(24, 4, np.int32)})
    return Qwen2(w, cfg), toks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pack", type=Path)
    ap.add_argument("--parts", type=Path)
    ap.add_argument("--jobs", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--dtype", default="bfloat16")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--time-limit", type=float, default=1e9, help="seconds; jobs not started by then are skipped")
    a = ap.parse_args()
    from safetensors.numpy import save_file

    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = getattr(torch, a.dtype)
    t0 = time.time()
    a.out.mkdir(parents=True, exist_ok=True)
    if a.smoke:
        model, tokens = smoke(device)
        model.to(dtype=dtype)
        jobs, pad = [{"name": "smoke", "data": "s", "epochs": 20, "batch_size": 8, "learning_rate": 1e-2}], 0
    else:
        model, idx = load_pack(a.pack, a.parts, device, dtype)
        tokens, jobs, pad = np.load(a.pack / "tokens.npz"), json.loads(a.jobs.read_text()), idx["config"]["pad"]
    log = {"device": torch.cuda.get_device_name() if device == "cuda" else "cpu", "torch": torch.__version__,
           "dtype": a.dtype, "load_s": time.time() - t0}
    print(json.dumps(log), flush=True)
    for job in jobs:
        if time.time() - t0 > a.time_limit:
            log.setdefault("skipped", []).append(job["name"])
            continue
        state = train_job(model, job, tokens, pad, device, log)
        if state is not None:  # one file per job: what was done comes back if the call is cut short
            save_file({f"{job['name']}::{k}": v for k, v in state.items()},
                      str(a.out / f"adapters_{job['name']}.safetensors"))
        (a.out / "log.json").write_text(json.dumps(log, indent=1))
    log["total_s"] = time.time() - t0
    (a.out / "log.json").write_text(json.dumps(log, indent=1))
    print("done", time.time() - t0, flush=True)


if __name__ == "__main__":
    main()
