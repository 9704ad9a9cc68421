"""Where LoCoMo F1 is lost: extraction or answering. Builds, for each conversation, the store that
`memlora eval locomo --out OUT` would have ingested, but from the dataset's annotated observations (a GPT
pipeline's facts, one per evidence turn) stored verbatim, with their session dates, under their speaker. The
eval then skips ingestion and answers from these memories with the same retrieval and answer op, so its F1
is what the answer step makes of teacher-quality memories.

    uv run python scripts/locomo_oracle_store.py ../shared/data/locomo/conv-42.json --out runs/oracle42
    uv run memlora eval locomo ../shared/data/locomo/conv-42.json --out runs/oracle42
"""
import argparse
import json
from pathlib import Path

from memlora_mlx.locomo import load_conversations
from memlora_mlx.memory import Memory
from memlora_mlx.memory.embedder import load_embedder


def build(conv, out: Path, emb) -> dict:
    stores = out / "stores"
    marker = stores / f"{conv.sample_id}.ingest.json"
    if marker.exists():
        raise SystemExit(f"{marker} exists: this store is built already (use another --out)")
    stores.mkdir(parents=True, exist_ok=True)
    events = 0
    with Memory(engine=None, store=stores / conv.sample_id, embedder=emb) as mem:
        for s in sorted(conv.sessions, key=lambda s: (s.date is None, s.date, s.index)):
            for speaker in conv.speakers:
                facts = [text for text, _ in s.observations.get(speaker, [])]
                if facts:
                    events += len(mem.add(facts, user_id=speaker, infer=False, session_date=s.date_time)["results"])
    state = {"done": True, "oracle": "session observations, verbatim", "events": {"ADD": events},
             "seconds": 0.0, "turns": 0,  # nothing was ingested: the summary has no ingest line
             "sessions_done": sorted(s.index for s in conv.sessions)}
    marker.write_text(json.dumps(state, indent=2))
    return state


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    emb = load_embedder()
    for conv in load_conversations(args.files):
        st = build(conv, Path(args.out), emb)
        print(f"{conv.sample_id}: {st['events']['ADD']} memories from the observations of {len(conv.sessions)} "
              "sessions")


if __name__ == "__main__":
    main()
