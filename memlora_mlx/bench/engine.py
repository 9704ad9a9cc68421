"""`memlora bench engine`: prefill/decode speed of plain mlx-lm vs our engine (base, LoRA active),
adapter swap time, resident memory with adapters, memory bandwidth and the decode bound."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import memlora_mlx  # noqa: F401  (BLAS preload)

from ..engine import worker

PROMPT_TOKENS, DECODE_TOKENS = 512, 128

# Plain mlx-lm, run in a fresh interpreter exactly as a user would: no BLAS preload, the engine's checkpoint
# (SmolLM2's 4-bit import; a Qwen preset's float32 import on CPU).
_PLAIN = r"""
import json, sys, time
import mlx.core as mx
from mlx_lm import load
from mlx_lm.generate import generate_step
model, tok = load(sys.argv[1])
ids = json.loads(sys.argv[2]); n = int(sys.argv[3])
t0 = time.perf_counter(); first = None
for i, (token, _) in zip(range(n), generate_step(mx.array(ids), model)):
    if i == 0: first = time.perf_counter()
end = time.perf_counter()
print(json.dumps({"prefill_tok_s": len(ids) / (first - t0), "decode_tok_s": (n - 1) / (end - first)}))
"""

# Plain mlx-lm on memory-operation prompts, with the same adapter loaded the mlx-lm way (QLoRA on 4-bit).
_PLAIN_OPS = r"""
import json, sys, time
import mlx.core as mx
from mlx_lm import load
from mlx_lm.generate import stream_generate
out = {}
for op, adapter, ids, n in json.loads(sys.argv[2]):
    model, tok = load(sys.argv[1], adapter_path=adapter)
    stream_generate(model, tok, mx.array(ids[:16]), max_tokens=2)  # warm-up
    t0 = time.perf_counter(); first = end = None; count = 0
    for r in stream_generate(model, tok, mx.array(ids), max_tokens=n):
        count = r.generation_tokens
        if first is None: first = time.perf_counter()
    end = time.perf_counter()
    out[op] = {"tokens": count, "decode_tok_s": (count - 1) / (end - first)}
print(json.dumps(out))
"""

# A fixed conversation for the memory-operation prompts.
_TURNS = [
    ("Caroline", "I went to the LGBTQ support group yesterday and it was so powerful. I met a counselor named Dana "
                 "who runs it, and she told me about a scholarship for counseling students."),
    ("Melanie", "That's amazing! I finally finished painting the sunrise over the lake, my kids helped me pick the "
                "colours. We're going camping at Lake Tahoe in August."),
    ("Caroline", "I'm planning to study counseling next year, and I adopted a puppy called Oscar last week."),
    ("Melanie", "Oscar is such a cute name! My son Leo starts first grade in September."),
]


def op_prompts(engine) -> list[tuple[str, list[dict], int]]:
    """(op, messages, max_tokens) for extract, update and answer built by the runtime operations."""
    from ..ops import answer, extract, update
    from ..types import Turn

    turns = [Turn(speaker=s, text=t) for s, t in _TURNS]
    return [
        ("extract", extract.build_messages(turns, "8 May 2023"), 128),
        ("update", update.build_messages("Caroline adopted a puppy named Oscar",
                                         ["Caroline wants to adopt a dog", "Melanie paints sunrises",
                                          "Caroline is studying counseling"]), 64),
        ("answer", answer.build_messages("What is the name of Caroline's puppy?",
                                         [{"text": "Caroline adopted a puppy named Oscar"},
                                          {"text": "Melanie painted a sunrise over the lake"}]), 32),
    ]


def bench_ops(engine, plain: bool = True, log=print) -> dict:
    """Decode speed on real memory-operation prompts with their adapters: plain mlx-lm vs our engine
    with one-token steps and with prompt-lookup drafts (greedy, free decoding, same max tokens)."""
    res: dict = {}
    cases = [(op, msgs, n) for op, msgs, n in op_prompts(engine) if op in engine.adapter_names]
    if not cases:
        return res
    if plain:
        log("plain mlx-lm on memory-operation prompts (fresh process, 4-bit + the same adapters) ...")
        spec = [(op, str(engine.default_adapter_dir() / op), engine.prompt_tokens(m), n) for op, m, n in cases]
        out = subprocess.run([sys.executable, "-c", _PLAIN_OPS, str(engine.model_path), json.dumps(spec)],
                             capture_output=True, text=True, env=dict(os.environ, MEMLORA_BLAS="none"), check=True)
        for op, r in json.loads(out.stdout.strip().splitlines()[-1]).items():
            res[f"ops_{op}_decode_tok_s_mlx_lm"] = r["decode_tok_s"]
    log("engine on memory-operation prompts ...")
    saved = engine.draft_tokens
    try:
        for label, k in (("step", 0), ("lookup", saved or 8)):
            engine.draft_tokens = k
            for op, msgs, n in cases:
                engine.generate(msgs[:1] + msgs[-1:], adapter=op, max_tokens=2)  # warm-up
                engine.close()  # no prompt cache: each run prefills from scratch
                engine.generate(msgs, adapter=op, max_tokens=n)
                st = engine.last_stats
                res[f"ops_{op}_decode_tok_s_{label}"] = st["generation_tps"]
                res[f"ops_{op}_tokens_{label}"] = st["generation_tokens"]
                if label == "lookup":
                    res[f"ops_{op}_draft_share"] = st["draft_tokens"] / max(st["generation_tokens"], 1)
    finally:
        engine.draft_tokens = saved
    for op, _, _ in cases:
        if f"ops_{op}_decode_tok_s_mlx_lm" in res:
            res[f"ops_{op}_decode_speedup"] = res[f"ops_{op}_decode_tok_s_lookup"] / res[f"ops_{op}_decode_tok_s_mlx_lm"]
    return res


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # macOS: peak RSS is the best cheap figure
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def bandwidth_gb_s(mb: int = 512) -> float:
    import numpy as np

    a = np.ones(mb * 2**20 // 8)
    b = np.empty_like(a)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t)
    return 2 * a.nbytes / best / 1e9  # one read + one write per byte


def bench_prompt(tokenizer, n: int = PROMPT_TOKENS) -> list[int]:
    text = " ".join(f"Caroline told Melanie about day {i} of her trip, the weather and the food." for i in range(200))
    ids = tokenizer.encode(text)[:n]
    assert len(ids) == n
    return ids


def time_generation(model, ids: list[int], n: int = DECODE_TOKENS) -> tuple[float, float]:
    """(prefill tok/s, decode tok/s) on the MLX thread; EOS ignored so exactly n tokens are decoded."""
    import mlx.core as mx
    from mlx_lm.generate import generate_step

    def run():
        t0 = time.perf_counter()
        first = None
        for i, _ in zip(range(n), generate_step(mx.array(ids), model, stream=worker.stream())):
            if i == 0:
                first = time.perf_counter()
        end = time.perf_counter()
        return len(ids) / (first - t0), (n - 1) / (end - first)

    return worker.run(run)


def random_adapters(engine, root: Path, count: int = 4) -> list[Path]:
    import mlx.core as mx

    from ..engine.adapters import adapter_config, lora_params

    def make():
        out = []
        for i in range(count):
            d = root / f"bench{i}"
            d.mkdir(parents=True, exist_ok=True)
            mx.random.seed(i)
            ws = {k: mx.random.normal(v.shape) * 0.01 for k, v in lora_params(engine.model).items()}
            mx.save_safetensors(str(d / "adapters.safetensors"), ws)
            (d / "adapter_config.json").write_text(json.dumps(adapter_config(engine.model, engine.model_id)))
            out.append(d)
        return out

    return worker.run(make)


def _clear_cache():
    import mlx.core as mx

    mx.clear_cache()


def model_bytes(model) -> int:
    from mlx.utils import tree_flatten

    return sum(v.nbytes for k, v in tree_flatten(model.parameters()) if "lora_" not in k)


def run_bench(model: str | None = None, plain: bool = True, log=print) -> dict:
    from ..engine import Engine

    res: dict = {}
    r0 = rss_mb()
    engine = Engine(model, adapters="none")
    ids = bench_prompt(engine.tokenizer)
    res["rss_base_mb"] = round(rss_mb() - r0, 1)
    res["compute"] = engine.compute
    log(f"model {engine.model_id} ({engine.compute}) from {engine.model_path}")
    if plain:
        log("plain mlx-lm (fresh process, the same checkpoint, stock BLAS) ...")
        env = dict(os.environ, MEMLORA_BLAS="none")
        out = subprocess.run([sys.executable, "-c", _PLAIN, str(engine.model_path), json.dumps(ids), str(DECODE_TOKENS)],
                             capture_output=True, text=True, env=env, check=True)
        p = json.loads(out.stdout.strip().splitlines()[-1])
        res["prefill_tok_s_mlx_lm"], res["decode_tok_s_mlx_lm"] = p["prefill_tok_s"], p["decode_tok_s"]
    log("engine, bare base ...")
    time_generation(engine.model, ids[:32], 4)  # warm-up
    res["prefill_tok_s_base"], res["decode_tok_s_base"] = time_generation(engine.model, ids)
    with tempfile.TemporaryDirectory() as tmp:
        dirs = random_adapters(engine, Path(tmp))
        worker.run(_clear_cache)  # freed buffers would otherwise be reused and hide the adapters' cost
        r1 = rss_mb()
        for i, d in enumerate(dirs):
            engine.load_adapter(f"bench{i}", d)
        res["rss_with_adapters_mb"] = round(res["rss_base_mb"] + rss_mb() - r1, 1)
    log("engine, LoRA active ...")
    engine.use("bench0")
    res["prefill_tok_s_lora"], res["decode_tok_s_lora"] = time_generation(engine.model, ids)

    def swaps():
        times = []
        for i in range(100):
            t = time.perf_counter()
            engine.bank.use(f"bench{i % 2 + 1}")
            times.append((time.perf_counter() - t) * 1e3)
        return times

    res["swap_ms_median"] = statistics.median(worker.run(swaps))
    res["bandwidth_gb_s"] = bandwidth_gb_s()
    res["model_mb"] = model_bytes(engine.model) / 2**20
    res["decode_bound_tok_s"] = res["bandwidth_gb_s"] * 1e9 / model_bytes(engine.model)
    if plain:
        res["prefill_speedup"] = res["prefill_tok_s_base"] / res["prefill_tok_s_mlx_lm"]
        res["decode_speedup"] = res["decode_tok_s_base"] / res["decode_tok_s_mlx_lm"]
    res["lora_decode_ratio"] = res["decode_tok_s_lora"] / res["decode_tok_s_base"]
    res["adapters_rss_ratio"] = res["rss_with_adapters_mb"] / res["rss_base_mb"]
    for i in range(len(dirs)):
        engine.bank.unload(f"bench{i}")
    engine.load_adapter_dir(engine.default_adapter_dir())
    res.update(bench_ops(engine, plain=plain, log=log))
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in res.items()}


def print_table(res: dict) -> None:
    rows = [
        ("prefill tok/s (512-token prompt)", "prefill_tok_s_mlx_lm", "prefill_tok_s_base", "prefill_tok_s_lora"),
        ("decode tok/s (128 tokens)", "decode_tok_s_mlx_lm", "decode_tok_s_base", "decode_tok_s_lora"),
    ]
    print(f"{'':34} {'mlx-lm':>10} {'engine':>10} {'engine+LoRA':>12}")
    for label, a, b, c in rows:
        print(f"{label:34} {res.get(a, float('nan')):>10.1f} {res[b]:>10.1f} {res[c]:>12.1f}")
    for k in ("prefill_speedup", "decode_speedup", "lora_decode_ratio", "swap_ms_median", "rss_base_mb",
              "rss_with_adapters_mb", "adapters_rss_ratio", "bandwidth_gb_s", "model_mb", "decode_bound_tok_s"):
        if k in res:
            print(f"{k:34} {res[k]}")
    ops = [op for op in ("extract", "update", "answer") if f"ops_{op}_decode_tok_s_step" in res]
    if ops:
        print(f"\n{'decode tok/s, memory-op prompts':34} {'mlx-lm':>10} {'engine':>10} {'+lookup':>10} "
              f"{'speedup':>8} {'drafted':>8}")
        for op in ops:
            print(f"{op + ' (with its adapter)':34} {res.get(f'ops_{op}_decode_tok_s_mlx_lm', float('nan')):>10.1f} "
                  f"{res[f'ops_{op}_decode_tok_s_step']:>10.1f} {res[f'ops_{op}_decode_tok_s_lookup']:>10.1f} "
                  f"{res.get(f'ops_{op}_decode_speedup', float('nan')):>7.2f}x "
                  f"{res[f'ops_{op}_draft_share']:>8.0%}")
