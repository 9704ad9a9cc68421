"""Pick `memory/attribution.py: MARGIN`: a question that names one speaker is refused when a memory of another speaker
holds a larger share of its content words (names aside) than any of the named speaker's, by more than the margin.

Observations: each speaker's annotated observations of LoCoMo training conversations stand in for their memories;
prints, per margin, the share of adversarial (category 5) and answerable (1-4) questions that would be refused.

    uv run python scripts/speaker_margin.py ../shared/data/locomo/conv-{26,30,41}.json   # seconds

A real store: `--run DIR` of a finished `memlora eval locomo … --speaker-margin off` run (every question answered).
Each margin's refusals are applied to that run's answers: F1 (categories 1-4) and category-5 refusals as the run
would have scored with it (a refused question costs its answer's F1, or scores 1 when adversarial).

    uv run python scripts/speaker_margin.py ../shared/data/locomo/conv-30.json --run runs/c30-off   # ~1 min
"""
import argparse
from pathlib import Path

import numpy as np

from memlora_mlx.locomo import load_conversations
from memlora_mlx.memory.attribution import MARGIN, attribute
from memlora_mlx.memory.embedder import load_embedder
from memlora_mlx.ops.whose import PLACEHOLDER, named, without_names
from memlora_mlx.ops.words import content_words

MARGINS = (0.0, 0.1, 0.2, 0.34, 0.5)  # shares of a question's words: steps of 1/3, 1/4, 1/5 …


def observation_fits(conv) -> list[tuple[int, dict | None, str | None]]:
    """(category, user -> the largest share of the question's words one of their observations holds, the named
    user) per question."""
    users = list(conv.speakers)
    obs = {u: [content_words(without_names(t, users)) for s in conv.sessions for t, _ in s.observations.get(u, [])]
           for u in users}
    out = []
    for q in conv.qa:
        who = named(q.question, users)
        asked = content_words(without_names(q.question, users)) - {PLACEHOLDER}
        if len(who) != 1 or not asked:
            out.append((q.category, None, None))
            continue
        out.append((q.category, {u: max((len(asked & o) / len(asked) for o in obs[u]), default=0.0) for u in users},
                    who[0]))
    return out


def store_fits(conv, run: Path, emb) -> list[tuple[dict, dict | None, str | None]]:
    """(result row, fits, the named user) per answered question of `run`, fits as `attribute` computes them."""
    from memlora_mlx.eval import report
    from memlora_mlx.memory import Memory

    users = list(conv.speakers)
    rows = [r for r in report.read_results(run / "results.jsonl") if r["sample_id"] == conv.sample_id]
    with Memory(engine=None, store=run / "stores" / conv.sample_id, embedder=emb) as mem:
        out = []
        for r in rows:
            att = attribute(mem, r["question"], users)
            out.append((r, att.fit if att else None, att.asked_about if att else None))
    return out


def refused(fit: dict | None, who: str | None, margin: float) -> bool:
    return fit is not None and max(v for u, v in fit.items() if u != who) > fit[who] + margin


def margin_name(m: float) -> str:
    return f"{m:.2f}{' (MARGIN)' if abs(m - MARGIN) < 1e-9 else ''}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--run", type=Path, help="a finished `eval locomo --speaker-margin off` run of these files")
    args = ap.parse_args()
    convs = load_conversations(args.files)
    if args.run is None:
        rows = [x for conv in convs for x in observation_fits(conv)]
        adv = [(f, w) for c, f, w in rows if c == 5]
        ans = [(f, w) for c, f, w in rows if c != 5]
        print(f"{len(adv)} adversarial, {len(ans)} answerable questions")
        print("| margin | adversarial refused | answerable refused |\n|---:|---:|---:|")
        for m in MARGINS:
            share = lambda xs: np.mean([refused(fit, who, m) for fit, who in xs])
            print(f"| {margin_name(m)} | {share(adv):.0%} | {share(ans):.0%} |")
        return
    from memlora_mlx.eval.metrics import score_answer

    rows = [x for conv in convs for x in store_fits(conv, args.run, load_embedder())]
    refusal = score_answer("I don't know", "", 5)["f1"]
    print(f"{args.run}: {len(rows)} questions")
    print("| margin | F1 cat. 1-4 | category-5 refused | answerable refused |\n|---:|---:|---:|---:|")
    for m in MARGINS:
        no = [refused(fit, who, m) for _, fit, who in rows]
        f14 = [0.0 if n else r["f1"] for (r, *_), n in zip(rows, no) if r["category"] != 5]
        c5 = [refusal if n else r["f1"] for (r, *_), n in zip(rows, no) if r["category"] == 5]
        n14 = sum(n for (r, *_), n in zip(rows, no) if r["category"] != 5)
        print(f"| {margin_name(m)} | {100 * np.mean(f14):.1f} | {100 * np.mean(c5):.1f} % | {n14} |")


if __name__ == "__main__":
    main()
