"""Retrieval alone, no model: how often LoCoMo's evidence reaches the answer prompt. Each speaker's annotated
observations (one per evidence turn) stand in for their memories; for every answerable question (categories 1-4),
is an observation of one of its evidence turns among the memories shown? Prints one row per retrieval setting.

    uv run python scripts/locomo_retrieval.py ../shared/data/locomo/conv-{26,30,41}.json   # ~1 min, embedder only
"""
import argparse
from collections import defaultdict

import numpy as np

from memlora_mlx.locomo import load_conversations
from memlora_mlx.ops.whose import named
from memlora_mlx.memory.embedder import load_embedder
from memlora_mlx.memory.rerank import CANDIDATES, focus_scores
from memlora_mlx.ops.dates import asked_period

DATE_WEIGHTS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)


class CachedEmbedder:
    """Each text embedded once: the memories recur in every question's candidates."""

    def __init__(self, emb):
        self.emb, self.seen = emb, {}

    def embed(self, texts):
        new = [t for t in dict.fromkeys(texts) if t not in self.seen]
        if new:
            self.seen.update(zip(new, self.emb.embed(new)))
        return np.stack([self.seen[t] for t in texts])


def shown(score, users, who, k_named, k_other, k_each) -> list[tuple[str, int]]:
    """(user, index) of the memories shown: k_named + k_other when the question names one speaker, else k_each each."""
    out = []
    for u in users:
        k = k_each if len(who) != 1 else (k_named if u == who[0] else k_other)
        out += [(u, int(i)) for i in np.argsort(-score[u])[:k]]
    return out


def run(conv, emb, k: int) -> dict[str, list[tuple[int, bool]]]:
    users = list(conv.speakers)
    mems = {u: [(text, dia, s.date_time) for s in conv.sessions for text, dia in s.observations.get(u, [])]
            for u in users}
    vecs = {u: emb.embed([m[0] for m in mems[u]]) for u in users}
    rows = defaultdict(list)
    for q in conv.qa:
        if q.category == 5 or not q.evidence:
            continue
        qv = emb.embed([q.question])[0]
        cos = {u: vecs[u] @ qv for u in users}
        focus = {w: {} for w in DATE_WEIGHTS}
        for u in users:
            cand = np.argsort(-cos[u])[:CANDIDATES]
            for w in DATE_WEIGHTS:
                s = np.full(len(mems[u]), -9.0)
                s[cand] = focus_scores(emb, q.question, [mems[u][i][0] for i in cand], cos[u][cand], users,
                                       dates=[mems[u][i][2] for i in cand], date_weight=w)
                focus[w][u] = s
        who = named(q.question, users)
        settings = {
            f"cosine, {k} per speaker (before)": shown(cos, users, who, k, k, k),
            f"focus score, {k} per speaker": shown(focus[0.0], users, who, k, k, k),
            f"focus score, named speaker {2 * k}": shown(focus[0.0], users, who, 2 * k, 0, k),
        }
        for w in DATE_WEIGHTS[1:]:
            settings[f"focus, named {2 * k}, date bonus {w}"] = shown(focus[w], users, who, 2 * k, 0, k)
        for name, sel in settings.items():
            rows[name].append((q.category, any(mems[u][i][1] in q.evidence for u, i in sel)))
            if asked_period(q.question):
                rows[name + " [dated questions]"].append((q.category, rows[name][-1][1]))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--top-k", type=int, default=5, help="per speaker (the eval's --top-k)")
    args = ap.parse_args()
    emb = CachedEmbedder(load_embedder())
    rows = defaultdict(list)
    for conv in load_conversations(args.files):
        for name, r in run(conv, emb, args.top_k).items():
            rows[name] += r
    print("| retrieval | evidence shown, cat. 1-4 | 1 | 2 | 3 | 4 |\n|---|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        per = [np.mean([h for c, h in r if c == cat] or [np.nan]) for cat in (1, 2, 3, 4)]
        cells = " | ".join(f"{p:.2f}" for p in per)
        print(f"| {name} | {np.mean([h for _, h in r]):.3f} (n={len(r)}) | {cells} |")


if __name__ == "__main__":
    main()
