"""VQA over image memories: ingest a VQA-augmented LoCoMo file, retrieve, answer (pixels or captions), score.

Input = the output of scripts/make_locomo_vqa.py: OUT/<conv>.json (image turns carry `image` + a generic
`blip_caption`) and OUT/vqa.jsonl. Both modes ingest the same memories (image turns with their generic caption,
plus every text turn verbatim as distractors), so only the answering differs.
"""

import json
import re
import time
from collections import defaultdict
from pathlib import Path

from tqdm import tqdm

from .synth import normalize_answer


def load_vqa(path) -> tuple[dict, list[dict], Path]:
    """(LoCoMo dict, its vqa rows, base dir for relative image paths). Raises ValueError naming what is wrong."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: cannot read LoCoMo JSON ({e})") from e
    qfile = path.parent / "vqa.jsonl"
    if not qfile.is_file():
        raise ValueError(f"{path}: no vqa.jsonl beside it (build with scripts/make_locomo_vqa.py)")
    rows = []
    for i, line in enumerate(qfile.read_text().splitlines(), 1):
        if line.strip():
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{qfile}:{i}: invalid JSON ({e})") from e
            if r.get("sample", path.stem) == path.stem:
                rows.append(r)
    if not rows:
        raise ValueError(f"{qfile}: no questions for {path.stem}")
    return raw, rows, path.parent


def ingest(memory, vp, raw: dict, base: Path, distractors: bool = True) -> dict:
    """Image turns -> vp.add_image (generic caption given: no model captioning); text turns -> verbatim memories."""
    keys = sorted((k for k in raw if re.fullmatch(r"session_\d+", k)), key=lambda k: int(k.split("_")[1]))
    n_img = n_txt = 0
    for k in tqdm(keys, desc="ingest", leave=False):
        date = raw.get(f"{k}_date_time")
        texts = defaultdict(list)
        for t in raw[k]:
            if t.get("image"):
                vp.add_image(memory, base / t["image"], user_id=t["speaker"], speaker=t["speaker"], text=t.get("text"),
                             caption=t.get("blip_caption") or "a photo", session_date=date, dia_id=t.get("dia_id"))
                n_img += 1
            elif distractors and t.get("text"):
                texts[t["speaker"]].append({"role": "user", "content": f'{t["speaker"]} said: "{t["text"]}"'})
        for sp, msgs in texts.items():
            memory.add(msgs, user_id=sp, infer=False, session_date=date)
            n_txt += len(msgs)
    return {"images": n_img, "text_turns": n_txt, "speakers": [raw.get("speaker_a"), raw.get("speaker_b")]}


def pick(rows: list[dict], limit: int | None) -> list[dict]:
    """A deterministic, evenly spread subset (keeps the type mix)."""
    if not limit or limit >= len(rows):
        return rows
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit)]


def score(rows: list[dict]) -> dict:
    """Normalised exact match overall and per type; `contains` = gold word among the answer's words."""
    by = defaultdict(list)
    for r in rows:
        by[r["type"]].append(r)
        by["all"].append(r)
    out = {}
    for t, rs in sorted(by.items()):
        out[t] = {"n": len(rs), "em": sum(r["em"] for r in rs) / len(rs),
                  "contains": sum(r["contains"] for r in rs) / len(rs),
                  "retrieved@1": sum(r["retrieved"] for r in rs) / len(rs)}
    return out


def evaluate(memory, vp, files, limit: int | None = None, top_k: int = 5, distractors: bool = True,
             log=print) -> dict:
    results, t0 = [], time.time()
    for f in files:
        raw, rows, base = load_vqa(f)
        memory.reset()
        info = ingest(memory, vp, raw, base, distractors)
        log(f"{Path(f).name}: ingested {info['images']} images, {info['text_turns']} text turns")
        users = [u for u in info["speakers"] if u]
        for r in tqdm(pick(rows, limit), desc=f"vqa[{vp.mode}]"):
            out = vp.answer(memory, r["question"], user_id=users, limit=top_k)
            imgs = vp.image_hits(out["memories"])
            top_dia = (imgs[0]["metadata"].get("dia_id") if imgs else None)
            pred, gold = normalize_answer(out["answer"]), normalize_answer(r["answer"])
            results.append({**r, "file": str(f), "prediction": out["answer"], "em": pred == gold,
                            "contains": gold in pred.split(), "retrieved": top_dia == r["dia_id"],
                            "answered_from": "pixels" if out["image"] else "text"})
    return {"mode": vp.mode, "search": vp.search_mode, "scores": score(results), "seconds": round(time.time() - t0, 1), "results": results}


def format_report(rep: dict) -> str:
    lines = [f"VQA ({rep['mode']}, {rep.get('search', 'hybrid')} search): {rep['scores']['all']['n']} questions "
             f"in {rep['seconds']} s",
             f"{'type':<10}{'n':>5}{'EM':>8}{'contains':>10}{'retr@1':>8}"]
    for t, s in rep["scores"].items():
        lines.append(f"{t:<10}{s['n']:>5}{s['em']:>8.3f}{s['contains']:>10.3f}{s['retrieved@1']:>8.3f}")
    return "\n".join(lines)
