"""Search latency benchmark: MemoryStore.search p50/p95 and recall@k (vs exact) over synthetic vectors.

data="clustered" (default): a mixture of 200 Gaussians, normalised (intra-cluster cosine ~0.67), close
to real sentence embeddings; data="random": uniform on the sphere, the worst case for any ANN index.
Stores are built once per (size, data) under `cache_dir()/bench/search-<data>-<size>-d<dim>` and reused.
The index follows the store's own rule (`store_index.INDEX_FROM`, built by `optimize()`), and queries
go through the real `store.search` path (user-id prefilter, cosine, same ef/refine, record decoding).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from .. import paths
from ..memory import store_index
from ..memory.store import MemoryRecord, MemoryStore

USER = "bench"
INDEX_FROM = store_index.INDEX_FROM  # brute force below this size ("auto")
CENTERS, SPREAD = 200, 0.7


def synthetic(rng, n: int, dim: int, data: str = "clustered") -> np.ndarray:
    """n unit vectors: "random" (uniform on the sphere) or "clustered" (fixed 200-Gaussian mixture)."""
    if data not in ("clustered", "random"):
        raise ValueError(f"data must be 'clustered' or 'random', got {data!r}")
    v = rng.standard_normal((n, dim)).astype(np.float32)
    if data == "clustered":
        centers = np.random.default_rng(7).standard_normal((CENTERS, dim)).astype(np.float32)
        v = centers[rng.integers(0, CENTERS, n)] + SPREAD * v
    return v / np.linalg.norm(v, axis=1, keepdims=True)


_unit = lambda rng, n, dim: synthetic(rng, n, dim, "random")  # kept for older callers


def _build(path: Path, size: int, dim: int, index: str, data: str) -> MemoryStore:
    """Open the cached store for `size`, (re)building it if missing, incomplete or indexed otherwise."""
    index_from = {"auto": INDEX_FROM, "never": 0, "always": 1}[index]
    done = path / "bench.json"
    want = {"size": size, "dim": dim, "data": data, "indexed": bool(index_from) and size >= index_from}
    if done.is_file() and {k: json.loads(done.read_text()).get(k) for k in want} == want:
        return MemoryStore(path, dim=dim, optimize_every=0, index_from=index_from)
    shutil.rmtree(path, ignore_errors=True)
    store = MemoryStore(path, dim=dim, optimize_every=0, index_from=index_from)
    rng = np.random.default_rng(size)
    from tqdm.auto import tqdm

    for s in tqdm(range(0, size, 10_000), desc=f"build {data} {size}", unit="batch", leave=False):
        vecs = synthetic(rng, min(10_000, size - s), dim, data)
        store.add_memories([MemoryRecord(user_id=USER, text=f"synthetic memory {s + i}", vector=v)
                            for i, v in enumerate(vecs)])
    t0 = time.perf_counter()
    store.optimize()  # builds the index itself from index_from rows
    want["optimize_s"] = round(time.perf_counter() - t0, 1)
    done.write_text(json.dumps(want))
    want.pop("optimize_s")
    return store


def _exact_top(store: MemoryStore, queries: np.ndarray, k: int) -> list[set[str]]:
    tbl = store.db.open_table("memories").to_arrow()
    ids = np.array(tbl.column("id").to_pylist())
    mat = np.stack(tbl.column("vector").to_numpy(zero_copy_only=False)).astype(np.float32)
    return [set(ids[np.argsort(-(mat @ q))[:k]]) for q in queries]


def search_bench(sizes=(1000, 10000, 100000), cache_dir=None, n_queries: int = 100, k: int = 10,
                 dim: int = 384, index: str = "auto", data: str = "clustered") -> dict:
    """Returns {"search_p50_ms": {size: ms}, "search_p95_ms", "index_used", "recall_at_k", "load_avg", ...}.
    index: "auto" (store rule: IVF_HNSW_SQ from INDEX_FROM rows), "always", or "never"."""
    root = Path(cache_dir) if cache_dir else paths.cache_dir() / "bench"
    out = {"search_p50_ms": {}, "search_p95_ms": {}, "index_used": {}, "recall_at_k": {}, "load_avg": {},
           "k": k, "n_queries": n_queries, "dim": dim, "data": data}
    for size in sizes:
        store = _build(root / f"search-{data}-{size}-d{dim}", size, dim, index, data)
        try:
            queries = synthetic(np.random.default_rng(12345), n_queries, dim, data)
            for q in queries[:5]:  # warm caches
                store.search(q, user_id=USER, limit=k)
            times, got = [], []
            for q in queries:
                t0 = time.perf_counter()
                res = store.search(q, user_id=USER, limit=k)
                times.append((time.perf_counter() - t0) * 1000)
                got.append({r.id for r, _ in res})
            exact = _exact_top(store, queries, k)
            key = str(size)
            out["search_p50_ms"][key] = round(float(np.percentile(times, 50)), 2)
            out["search_p95_ms"][key] = round(float(np.percentile(times, 95)), 2)
            table = store.db.open_table("memories")
            out["index_used"][key] = store_index.index_name(store_index.vector_index_type(table))
            out["recall_at_k"][key] = round(float(np.mean([len(g & e) / k for g, e in zip(got, exact)])), 3)
            out["load_avg"][key] = round(os.getloadavg()[0], 1)
        finally:
            store.close()
    return out


def add_parser(sub, name="bench-memory"):
    p = sub.add_parser(name, help="store search latency (p50/p95) at 1k/10k/100k memories")
    _add_args(p)
    p.set_defaults(func=run)
    return p


def _add_args(p):
    p.add_argument("--sizes", default="1000,10000,100000", help="comma-separated store sizes")
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--index", choices=("auto", "always", "never"), default="auto")
    p.add_argument("--data", default="clustered", help="clustered, random, or both: clustered,random")
    p.add_argument("--cache-dir", default=None, help="where the synthetic stores live (default: user cache)")
    p.add_argument("--json", action="store_true", help="print a final JSON line")


def run(args) -> int:
    sizes = [int(s) for s in str(getattr(args, "sizes", "1000,10000,100000")).split(",") if s.strip()]
    for data in str(getattr(args, "data", "clustered")).split(","):
        res = search_bench(sizes, getattr(args, "cache_dir", None), n_queries=getattr(args, "queries", 100),
                           index=getattr(args, "index", "auto"), data=data.strip())
        head = f"{'memories':>10} {'p50 ms':>8} {'p95 ms':>8} {'recall@' + str(res['k']):>10} {'load':>5}  index"
        print(f"{data:>9} {head}")
        for key in res["search_p50_ms"]:
            print(f"{'':>9} {int(key):>10} {res['search_p50_ms'][key]:>8.2f} {res['search_p95_ms'][key]:>8.2f} "
                  f"{res['recall_at_k'][key]:>10.3f} {res['load_avg'][key]:>5.1f}  "
                  f"{res['index_used'][key] or 'none (brute force)'}")
        if getattr(args, "json", False):
            print(json.dumps(res))
    return 0


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    _add_args(ap)
    raise SystemExit(run(ap.parse_args()))
