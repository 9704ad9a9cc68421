"""Pack a GGUF base and tokenized `memlora distill` data for LoRA training on a CUDA machine that has PyTorch but
cannot install MLX or the model wheels and takes at most 64 MiB a call (the lent GPU machine).

The weights travel as the GGUF's own quantized bytes (exact), the token embedding cut to the rows the data uses;
the data is tokenized here with the runtime's tokenizer and chat template, prompt masked as `memlora train` does
(mlx-lm `ChatDataset(mask_prompt=True)`), so the device needs no tokenizer.

    uv run python scripts/torch_lora/pack.py --job extract=data/extract-win,data/extract-v8 --job answer=data/answer \
        --out .gpu
Writes OUT/code/{index.json,tokens.npz,train_torch.py,gguf/} and OUT/partNN (the weights, split to --chunk-mb).
"""

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
from gguf import GGUFReader


def tokenize(tok, rows: list[dict], max_len: int) -> tuple[list[list[int]], list[int]]:
    ids, offsets = [], []
    for r in rows:
        m = r["messages"]
        full = tok.apply_chat_template(m, return_dict=False)
        off = len(tok.apply_chat_template(m[:-1], add_generation_prompt=True, return_dict=False))
        ids.append(list(full[:max_len]))
        offsets.append(off)
    return ids, offsets


def read_rows(dirs: list[str], split: str) -> list[dict]:
    out = []
    for d in dirs:
        p = Path(d) / f"{split}.jsonl"
        out += [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
    return out


def gguf_config(r: GGUFReader) -> dict:
    def get(k, d=None):
        f = r.fields.get(k)
        return d if f is None else f.contents()

    arch = get("general.architecture")
    if arch != "qwen2":
        raise SystemExit(f"architecture {arch!r}: the PyTorch trainer implements qwen2 only")
    g = lambda k, d=None: get(f"qwen2.{k}", d)
    return {"hidden": int(g("embedding_length")), "ffn": int(g("feed_forward_length")),
            "layers": int(g("block_count")), "heads": int(g("attention.head_count")),
            "kv_heads": int(g("attention.head_count_kv")), "eps": float(g("attention.layer_norm_rms_epsilon")),
            "theta": float(g("rope.freq_base")), "vocab": len(get("tokenizer.ggml.tokens")),
            "pad": int(get("tokenizer.ggml.padding_token_id", get("tokenizer.ggml.eos_token_id")))}


def pack(gguf: Path, tok, jobs: dict[str, list[str]], out: Path, max_len: int = 1024,
         chunk_bytes: int = 60 * 2**20) -> dict:
    """Write out/code/{index.json,tokens.npz} and out/partNN from a qwen2 GGUF, a tokenizer with a chat template
    and the data dirs of each job. -> what was written (bytes, parts, embedding rows, jobs)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / "code" / "index.json").is_file():
        raise SystemExit(f"{out} is not empty and holds no earlier pack: give an empty or new directory")
    shutil.rmtree(out, ignore_errors=True)
    (out / "code").mkdir(parents=True)
    arrays, info, used = {}, {}, set()
    for name, dirs in jobs.items():
        info[name] = {"data": list(dirs)}
        for split in ("train", "valid"):
            ids, offs = tokenize(tok, read_rows(dirs, split), max_len)
            for x in ids:
                used.update(x)
            arrays[f"{name}/{split}/ids"] = np.concatenate([np.asarray(x, np.int32) for x in ids])
            arrays[f"{name}/{split}/lens"] = np.asarray([len(x) for x in ids], np.int32)
            arrays[f"{name}/{split}/offsets"] = np.asarray(offs, np.int32)
            info[name][split] = len(ids)
            info[name][f"{split}_target_tokens"] = int(sum(max(0, len(x) - o) for x, o in zip(ids, offs)))
    np.savez(out / "code" / "tokens.npz", **arrays)

    r = GGUFReader(str(gguf))
    cfg = gguf_config(r)
    used.add(cfg["pad"])
    rows = np.asarray(sorted(used), np.int64)
    tensors, blob = [], bytearray()
    for t in r.tensors:
        data = np.asarray(t.data)
        entry = {"name": t.name, "type": int(t.tensor_type), "shape": [int(d) for d in t.shape],
                 "raw_shape": list(data.shape), "dtype": str(data.dtype)}
        if t.name == "token_embd.weight":  # only the rows the data looks up
            data = data[rows]
            entry["rows"] = rows.tolist()
            entry["raw_shape"] = list(data.shape)
        b = np.ascontiguousarray(data).tobytes()
        entry.update(offset=len(blob), nbytes=len(b))
        blob += b
        tensors.append(entry)
    (out / "code" / "index.json").write_text(json.dumps({"config": cfg, "jobs": info, "tensors": tensors}))
    for i in range(0, len(blob), chunk_bytes):
        (out / f"part{i // chunk_bytes:02d}").write_bytes(blob[i:i + chunk_bytes])
    shutil.copy(Path(__file__).parent / "train_torch.py", out / "code")
    import gguf as gguf_pkg  # pure Python: travels as source, the device has no package index

    shutil.copytree(Path(gguf_pkg.__file__).parent, out / "code" / "gguf",
                    ignore=shutil.ignore_patterns("__pycache__", "scripts"))
    return {"bytes": len(blob), "parts": -(-len(blob) // chunk_bytes), "embedding_rows": len(rows), "jobs": info}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="qwen2.5-coder-0.5b")
    ap.add_argument("--job", action="append", required=True, help="NAME=DATA_DIR[,DATA_DIR…] (train/valid.jsonl)")
    ap.add_argument("--max-seq-length", type=int, default=1024)
    ap.add_argument("--chunk-mb", type=float, default=60.0, help="MiB per weight part")
    ap.add_argument("--out", default=".gpu")
    a = ap.parse_args()

    from mlx_lm.utils import load_tokenizer

    from memlora_mlx.engine.models import find_preset, resolve_model

    preset = find_preset(a.model)
    if preset is None:
        raise SystemExit(f"--model {a.model!r}: not a preset (`memlora models` lists them)")
    tok = load_tokenizer(resolve_model(a.model, "fp32").path)
    with tempfile.TemporaryDirectory() as tmp:
        gguf = Path(tmp) / "base.gguf"
        with gguf.open("wb") as f:
            for p in preset.parts():
                f.write(p.read_bytes())
        jobs = {name: dirs.split(",") for name, dirs in (spec.split("=", 1) for spec in a.job)}
        res = pack(gguf, tok, jobs, Path(a.out), a.max_seq_length, int(a.chunk_mb * 2**20))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
