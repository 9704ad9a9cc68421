"""Build a VQA extension of LoCoMo: synthetic images with known details for every image turn.

    uv run python scripts/make_locomo_vqa.py /work/shared/data/locomo/conv-42.json --out runs/vqa42 --seed 1000

Writes OUT/<name>.json (LoCoMo JSON whose image turns gain `image` + a generic `blip_caption`), OUT/images/*.png
and OUT/vqa.jsonl ({question, detail, answer, type, dia_id, image, speaker, caption, sample}). Deterministic per seed.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import memlora_mlx  # noqa: F401
from memlora_mlx.vision.synth import SIZE, augment_locomo


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="+", help="LoCoMo per-conversation JSON files")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=0, help="scene seed (keep evaluation seeds apart from training seeds)")
    p.add_argument("--size", type=int, default=SIZE, help="image side in pixels")
    a = p.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for f in a.files:
        try:
            raw = json.loads(Path(f).read_text())
        except (OSError, json.JSONDecodeError) as e:
            print(f"skipping {f}: {e}", file=sys.stderr)
            continue
        name = Path(f).stem
        aug, r = augment_locomo(raw, out, a.seed, name=name, size=a.size)
        (out / f"{name}.json").write_text(json.dumps(aug, ensure_ascii=False, indent=1))
        rows += r
        print(f"{f}: {len({x['dia_id'] for x in r})} images, {len(r)} questions")
    with open(out / "vqa.jsonl", "w") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("types:", dict(Counter(r["type"] for r in rows)), "->", out / "vqa.jsonl")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
