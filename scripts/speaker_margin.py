"""Pick `memory/attribution.py: MARGIN` on LoCoMo training conversations: each speaker's annotated observations
stand in for their memories; for every question that names one speaker, the other speaker's best name-free fit
minus the named one's. Prints, per margin, the share of adversarial (category 5) and answerable (1-4) questions
that would be refused.

    uv run python scripts/speaker_margin.py ../shared/data/locomo/conv-{26,30,41}.json   # ~1 min, embedder only
"""
import argparse

import numpy as np

from memlora_mlx.locomo import load_conversations
from memlora_mlx.memory.attribution import MARGIN, named, without_names
from memlora_mlx.memory.embedder import load_embedder


def gaps(conv, emb) -> list[tuple[int, float | None]]:
    users = list(conv.speakers)
    obs = {u: [text for s in conv.sessions for text, _ in s.observations.get(u, [])] for u in users}
    vecs = {u: emb.embed([without_names(t, users) for t in obs[u]]) for u in users}
    out = []
    for q in conv.qa:
        who = named(q.question, users)
        if len(who) != 1 or not all(len(obs[u]) for u in users):
            out.append((q.category, None))
            continue
        qv = emb.embed([without_names(q.question, users)])[0]
        fit = {u: float(np.max(vecs[u] @ qv)) for u in users}
        out.append((q.category, max(fit[u] for u in users if u != who[0]) - fit[who[0]]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    emb = load_embedder()
    rows = [g for conv in load_conversations(args.files) for g in gaps(conv, emb)]
    adv = [g for c, g in rows if c == 5]
    ans = [g for c, g in rows if c != 5]
    print(f"{len(adv)} adversarial, {len(ans)} answerable questions ({sum(g is not None for g in adv + ans)} name "
          "one speaker)")
    print("| margin | adversarial refused | answerable refused |\n|---:|---:|---:|")
    for m in (0.0, 0.03, 0.05, 0.08, 0.10, 0.15):
        share = lambda gs: np.mean([g is not None and g > m for g in gs])
        mark = " (MARGIN)" if abs(m - MARGIN) < 1e-9 else ""
        print(f"| {m:.2f}{mark} | {share(adv):.0%} | {share(ans):.0%} |")


if __name__ == "__main__":
    main()
