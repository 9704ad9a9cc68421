"""Train the demo vision model (tiny encoder + projector) and the `vqa` LoRA on synthetic scenes.

    uv run python -m memlora_mlx.vision.train_vision --out runs/vision --steps 300

Stage A: pretrain the encoder with cheap attribute heads (kind, colours, shapes, counts, sign word, tallest bar).
Stage B: soft tokens into the base (`--model`, fp32), train projector + `vqa` LoRA (DEFAULT_LORA) on one-word answers.
Stage A needs no language model: `--encoder-from DIR` takes the encoder and heads of a vision model trained for
another base (e.g. the shipped SmolLM2 one) and trains stage B only.
Training scenes use keys "train:<i>" and seeds disjoint from evaluation (evaluation keys are "<conv>:<dia_id>").
Resumable: re-running with the same --out continues from the last checkpoint.
"""

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

from memlora_mlx.engine import worker
from memlora_mlx.vision import synth
from memlora_mlx.vision.tiny_vision import HEADS

TRAIN_SEED = 7  # evaluation uses other seeds (make_locomo_vqa --seed 1000 in docs/vision.md)
_COL, _SH = list(synth.COLORS), list(synth.SHAPES)


def scene_labels(s: synth.Scene) -> dict:
    lab = {k: -1 for k in HEADS}
    lab["kind"] = synth.KINDS.index(s.kind)
    if s.kind == "shapes":
        lab.update(color=_COL.index(s.items[0].color), shape=_SH.index(s.items[0].shape), count=len(s.items) - 1)
    elif s.kind == "sign":
        lab.update(color=_COL.index(s.items[0].color), word=synth.WORDS.index(s.text))
    elif s.kind == "chart":
        tall = max(s.items, key=lambda b: b.box[3] - b.box[1])
        lab.update(tall=_COL.index(tall.color), count=len(s.items) - 1)
    else:
        left, right = s.items
        lab.update(lc=_COL.index(left.color), rc=_COL.index(right.color), ls=_SH.index(left.shape), rs=_SH.index(right.shape))
    return lab


def train_scene(i: int, seed: int = TRAIN_SEED):
    return synth.scene_for(f"train:{i}", seed)


def locomo_prefixes(paths) -> list[tuple[str, str]]:
    """(speaker, text) of turns from training conversations, to build linked questions."""
    out = []
    for p in paths:
        raw = json.loads(Path(p).read_text())
        for k, v in raw.items():
            if re.fullmatch(r"session_\d+", k):
                out += [(t["speaker"], t["text"]) for t in v if t.get("text")]
    return out


def sample_qa(rng: random.Random, scene: synth.Scene, prefixes) -> tuple[str, str]:
    if rng.random() < 0.1:
        return "Describe the photo.", scene.caption
    q = rng.choice(scene.questions)
    if prefixes and rng.random() < 0.3:
        sp, text = rng.choice(prefixes)
        return synth.linked_question(sp, text, q["question"]), q["answer"]
    return q["question"], q["answer"]


def stage_a(vision, n_images: int, steps: int, batch: int, log):
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim

    from .tiny_vision import load_pixels

    scenes = [train_scene(i) for i in range(n_images)]
    pix = load_pixels([im for _, im in scenes], vision.cfg.image_size)
    labels = {k: mx.array([scene_labels(s)[k] for s, _ in scenes]) for k in HEADS}
    vision.freeze(keys=["vocab"])

    def loss_fn(v, x, lab):
        total, accs = 0.0, {}
        for k, logits in v.head_logits(x).items():
            y = lab[k]
            mask = y >= 0
            ce = nn.losses.cross_entropy(logits, mx.maximum(y, 0), reduction="none")
            total = total + (ce * mask).sum() / mx.maximum(mask.sum(), 1)
            accs[k] = ((mx.argmax(logits, -1) == y) * mask).sum() / mx.maximum(mask.sum(), 1)
        return total, accs

    opt = optim.AdamW(learning_rate=optim.cosine_decay(2e-3, steps), weight_decay=0.01)
    step_fn = nn.value_and_grad(vision, lambda v, x, lab: loss_fn(v, x, lab)[0])
    rng = np.random.default_rng(0)
    for step in range(steps):
        idx = mx.array(rng.choice(n_images, batch, replace=False))
        loss, g = step_fn(vision, pix[idx], {k: v[idx] for k, v in labels.items()})
        opt.update(vision, g)
        mx.eval(vision.parameters(), opt.state)
        if step % 50 == 0 or step == steps - 1:
            log(f"stage A step {step} loss {loss.item():.3f}")
    held = [train_scene(i, TRAIN_SEED + 1) for i in range(512)]  # unseen scenes
    hpix = load_pixels([im for _, im in held], vision.cfg.image_size)
    hlab = {k: mx.array([scene_labels(s)[k] for s, _ in held]) for k in HEADS}
    _, accs = loss_fn(vision, hpix, hlab)
    log("stage A held-out acc " + " ".join(f"{k}={v.item():.2f}" for k, v in accs.items()))
    return {k: round(v.item(), 3) for k, v in accs.items()}


def build_batch(lm, tok, vision, items):
    """items: [(image, question, answer)] -> (ids, embeddings, loss mask) padded to one length."""
    import mlx.core as mx

    from .tiny_vision import load_pixels, prompt_parts

    soft = vision(load_pixels([it[0] for it in items], vision.cfg.image_size))
    embs, masks, seqs = [], [], []
    emb = lm.model.embed_tokens
    for j, (_, q, a) in enumerate(items):
        pre, post_q = prompt_parts(tok, q)
        _, post = prompt_parts(tok, q, a)
        embs.append(mx.concatenate([emb(mx.array(pre)), soft[j], emb(mx.array(post))], axis=0))
        seqs.append(pre + [0] * soft.shape[1] + post)
        n_ans = len(post) - len(post_q)  # answer + end token are the only supervised positions
        masks.append([0] * (len(seqs[-1]) - n_ans) + [1] * n_ans)
    L, D = max(len(s) for s in seqs), embs[0].shape[-1]
    h = mx.stack([mx.concatenate([e, mx.zeros((L - e.shape[0], D))]) if e.shape[0] < L else e for e in embs])
    ids = mx.array([s + [0] * (L - len(s)) for s in seqs])
    mask = mx.array([m + [0] * (L - len(m)) for m in masks])
    return ids, h, mask


def answer_loss(lm, tok, vision, items):
    """Mean cross-entropy on the answer tokens only; the vocab projection runs on those positions alone."""
    import mlx.core as mx
    import mlx.nn as nn

    ids, h, mask = build_batch(lm, tok, vision, list(items))
    hid = lm.model(ids, input_embeddings=h)[:, :-1]
    pos = mx.array(np.nonzero(np.array(mask[:, 1:]).reshape(-1))[0])
    sel = hid.reshape(-1, hid.shape[-1])[pos]
    head = lm.model.embed_tokens.as_linear if getattr(lm.args, "tie_word_embeddings", True) else lm.lm_head
    return nn.losses.cross_entropy(head(sel), ids[:, 1:].reshape(-1)[pos]).mean()


def stage_b(lm, tok, vision, out: Path, steps: int, batch: int, prefixes, log, start: int = 0, *,
            model_id: str, lr: float = 1e-4, vision_lr: float = 1e-4):
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    from tqdm import tqdm

    from ..engine.adapters import adapter_config, save_adapter
    from .tiny_vision import save_vision

    class Both(nn.Module):
        def __init__(self):
            super().__init__()
            self.lm, self.vision = lm, vision

    both = Both()
    vision.freeze()  # stage B trains the concept tokens' residual projections (and the LoRA) only
    for r in vision.residual.values():
        r.unfreeze()

    def loss_fn(both, items):
        return answer_loss(both.lm, tok, both.vision, items)

    vg = nn.value_and_grad(both, loss_fn)
    opt_lm, opt_v = optim.Adam(learning_rate=lr), optim.Adam(learning_rate=vision_lr)
    rng = random.Random(start)
    bar = tqdm(range(start, steps), initial=start, total=steps, desc="vqa", mininterval=5)
    run = []
    for step in bar:
        items = []
        for _ in range(batch):
            i = rng.randrange(10**7)
            scene, img = train_scene(i)
            q, a = sample_qa(rng, scene, prefixes)
            items.append((img, q, a))
        loss, g = vg(both, items)
        opt_lm.update(both.lm, g["lm"])
        opt_v.update(both.vision, g["vision"])
        mx.eval(both.parameters(), opt_lm.state, opt_v.state)
        run.append(loss.item())
        bar.set_postfix(loss=f"{np.mean(run[-20:]):.3f}")
        if (step + 1) % 25 == 0 or step + 1 == steps:
            log(f"stage B step {step + 1} loss {np.mean(run[-25:]):.3f}")
            save_checkpoint(lm, vision, out, step + 1, adapter_config, save_adapter, save_vision, model_id)


def save_checkpoint(lm, vision, out, step, adapter_config, save_adapter, save_vision, model_id):
    save_adapter(lm, out / "vqa", adapter_config(lm, model_id, op="vqa", steps=step))
    save_vision(vision, out / "vision")
    (out / "state.json").write_text(json.dumps({"step": step, "time": time.time(), "machine": machine()}))


def machine() -> str:
    """Where a run trains, as its cards say it."""
    import os
    import platform

    import mlx.core as mx

    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, MLX {mx.default_device()}"


def train(args):
    import mlx.core as mx

    from ..engine.adapters import apply_lora
    from ..engine.models import load_model
    from .tiny_vision import TinyVision, VisionConfig, load_vision, save_vision

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    logf = open(out / "train.log", "a")

    def log(msg):
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    mx.random.seed(0)
    state = json.loads((out / "state.json").read_text()) if (out / "state.json").exists() else {}
    lm, tok, resolved, _ = load_model(args.model, "fp32")
    apply_lora(lm)
    if state.get("step"):
        vision = load_vision(out / "vision")
        lm.load_weights(str(out / "vqa/adapters.safetensors"), strict=False)
        log(f"resuming at step {state['step']}")
    else:
        vision = TinyVision(VisionConfig(lm_dim=lm.model.embed_tokens.weight.shape[1]))
        vision.set_vocab(lm, tok)
        if (out / "stage_a/vision.safetensors").exists():
            vision = load_vision(out / "stage_a")
            log("stage A: reusing saved encoder")
        elif args.encoder_from:
            vision.load_weights(encoder_weights(load_vision(args.encoder_from)), strict=False)
            save_vision(vision, out / "stage_a")
            log(f"stage A: encoder and heads from {args.encoder_from}")
        else:
            accs = stage_a(vision, args.images, args.steps_a, args.batch_a, log)
            save_vision(vision, out / "stage_a")
            (out / "stage_a.json").write_text(json.dumps(accs))
    vision.train()
    prefixes = locomo_prefixes(args.prefix_from) if args.prefix_from else []
    stage_b(lm, tok, vision, out, args.steps, args.batch, prefixes, log, start=state.get("step", 0),
            model_id=resolved.model_id, lr=args.lr, vision_lr=args.vision_lr)
    log("done")


def encoder_weights(vision) -> list:
    """The base-independent part of a vision model (patch encoder + concept heads), as (name, array) pairs; the
    residual projections and the class-word embeddings belong to its base."""
    from mlx.utils import tree_flatten

    return [(k, v) for k, v in tree_flatten(vision.parameters())
            if not k.startswith("residual.") and k != "vocab"]


def export(args) -> Path:
    """Ship a trained run: `--out RUN --export DEST` writes DEST/vision (float16 on disk) and DEST/vqa (the
    LoRA), each with a card.json built from the run's state and this command's training options (give the
    options the run was trained with)."""
    import shutil

    from .tiny_vision import load_vision, save_vision

    run, dest = Path(args.out), Path(args.export)
    state = json.loads((run / "state.json").read_text())
    base = json.loads((run / "vqa/adapter_config.json").read_text())["base_model_id"]
    common = {
        "base_model": f"{base} (embedded GGUF, fp32-dequantized for training)",
        "demo": True,
        "training_data": "synthetic 64x64 scenes from memlora_mlx.vision.synth (keys 'train:<i>', seed "
                         f"{TRAIN_SEED}; never the evaluation seeds); question prefixes from "
                         f"{', '.join(Path(f).stem for f in args.prefix_from) or 'none'}",
        "stage_b_steps": state["step"], "stage_b_batch": args.batch,
        "learning_rates": {"vqa_lora": args.lr, "residual_projections": args.vision_lr},
        "trained_on": state.get("machine") or machine(),  # runs saved before it was recorded: this machine
        "command": "python -m memlora_mlx.vision.train_vision " + " ".join(args.argv),
    }
    if args.report:
        common["evaluation"] = [report_summary(json.loads(Path(f).read_text()), f) for f in args.report]
    stage_a = (json.loads((run / "stage_a.json").read_text()) if (run / "stage_a.json").is_file()
               else {"encoder_and_heads_from": args.encoder_from})
    vision = load_vision(run / "vision")
    save_vision(vision, dest / "vision", half=True, card={
        "name": "memlora demo vision model", **common,
        "description": "DEMO model for synthetic scenes only (coloured shapes, two-object layouts, signs with one "
                       "of 8 words, bar charts); real photos give meaningless answers. MLP-Mixer encoder over 8x8 "
                       f"patches of a 64x64 image -> 10 concept heads -> 10 soft tokens in {base}'s input "
                       "embeddings; pair it with the vqa LoRA in ../vqa.",
        "stage_a": stage_a})
    (dest / "vqa").mkdir(parents=True, exist_ok=True)
    for f in ("adapters.safetensors", "adapter_config.json"):
        shutil.copyfile(run / "vqa" / f, dest / "vqa" / f)
    (dest / "vqa/card.json").write_text(json.dumps({
        "op": "vqa", **common,
        "description": "DEMO vqa LoRA (DEFAULT_LORA: rank 8, scale 20, q/k/v/o, every layer) trained jointly with "
                       "../vision to answer one-word questions about synthetic scenes from soft image tokens."},
        indent=2))
    return dest


def training_options(argv: list[str]) -> list[str]:
    """`argv` without --export and --report (and their values): the command a card names."""
    out, skip = [], False
    for a in argv:
        if a.split("=")[0] in ("--export", "--report"):
            skip = "=" not in a
        elif skip and not a.startswith("--"):
            continue
        else:
            skip = False
            out.append(a)
    return out


def report_summary(report: dict, path) -> dict:
    """A `memlora eval vqa --out` report, as a card shows it: exact match overall and per question type."""
    scores = report["scores"]
    return {"report": Path(path).name, "mode": report["mode"], "search": report["search"],
            "questions": scores["all"]["n"], "em": round(scores["all"]["em"], 3),
            "retrieved@1": round(scores["all"]["retrieved@1"], 3),
            "em_by_type": {t: round(v["em"], 3) for t, v in scores.items() if t != "all"}}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="train the demo vision model + vqa LoRA on synthetic scenes")
    p.add_argument("--out", default="runs/vision")
    p.add_argument("--model", default=None, help="base: preset name, mlx-lm dir or HF id (default: the default "
                   "preset)")
    p.add_argument("--lr", type=float, default=1e-4, help="stage B learning rate of the vqa LoRA (the 0.5B "
                   "diverged at 3e-4, with which the SmolLM2 model was trained)")
    p.add_argument("--vision-lr", type=float, default=1e-4, help="stage B learning rate of the residual projections "
                   "(SmolLM2's: 1e-3)")
    p.add_argument("--encoder-from", default=None, help="vision model dir whose encoder and heads are reused "
                   "(stage A skipped)")
    p.add_argument("--steps", type=int, default=300, help="stage B (LM) steps")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--steps-a", type=int, default=600, help="stage A (encoder) steps")
    p.add_argument("--batch-a", type=int, default=32, help="stage A batch size")
    p.add_argument("--images", type=int, default=4000, help="stage A training images")
    p.add_argument("--prefix-from", nargs="*", default=[], help="LoCoMo files whose turns prefix linked questions "
                   "(use conversations you do not evaluate on)")
    p.add_argument("--export", default=None, metavar="DEST", help="write the trained run in --out to DEST/vision "
                   "and DEST/vqa with cards (no training)")
    p.add_argument("--report", nargs="*", default=[], help="with --export: `memlora eval vqa --out` reports whose "
                   "scores the cards show")
    args = p.parse_args(argv)
    raw = list(sys.argv[1:] if argv is None else argv)
    args.argv = training_options(raw)
    if args.export:
        print(f"exported to {worker.run(export, args)}")
        return 0
    worker.run(train, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
