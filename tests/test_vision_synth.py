"""Synthetic VQA scenes: deterministic per seed, and the answers match what was drawn (read back from pixels)."""

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import memlora_mlx  # noqa: F401
from memlora_mlx.vision import synth

ROOT = Path(__file__).resolve().parent.parent
CONV = Path("/work/shared/data/locomo/conv-42.json")


def _components(mask: np.ndarray) -> int:
    """4-connected components of a boolean mask (iterative flood fill)."""
    seen, n = np.zeros_like(mask), 0
    h, w = mask.shape
    for y0, x0 in zip(*np.nonzero(mask)):
        if seen[y0, x0]:
            continue
        n += 1
        stack = [(y0, x0)]
        seen[y0, x0] = True
        while stack:
            y, x = stack.pop()
            for yy, xx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= yy < h and 0 <= xx < w and mask[yy, xx] and not seen[yy, xx]:
                    seen[yy, xx] = True
                    stack.append((yy, xx))
    return n


def _color_at(px, xy):
    rgb = tuple(int(v) for v in px[xy[1], xy[0]])
    return next((name for name, c in synth.COLORS.items() if c == rgb), None)


def _answer(scene, qtype, question=None):
    return next(q["answer"] for q in scene.questions if q["type"] == qtype and (question is None or question in q["question"]))


@pytest.mark.parametrize("seed", range(60))
def test_answers_match_pixels(seed):
    scene, img = synth.scene_for(f"k{seed}", seed)
    px = np.asarray(img)
    assert img.size == (synth.SIZE, synth.SIZE)
    for it in scene.items:  # every item shows its colour at its centre (a sign's centre holds text: use its corner)
        xy = (it.box[0] + 1, it.box[1] + 1) if it.shape == "sign" else it.center
        assert _color_at(px, xy) == it.color, (scene.kind, it)
    if scene.kind == "shapes":
        col = np.array(synth.COLORS[scene.items[0].color])
        n = _components((px == col).all(-1))
        assert str(n) == _answer(scene, "count")
        assert _color_at(px, scene.items[0].center) == _answer(scene, "color")
        shape = _answer(scene, "shape")
        x0, y0, x1, y1 = scene.items[0].box
        top_left = _color_at(px, (x0, y0)) is not None  # only squares fill it
        bottom_left = _color_at(px, (x0, y1)) is not None  # squares and triangles (base vertex), not circles
        top_mid = _color_at(px, ((x0 + x1) // 2, y0)) is not None  # all three touch the box top at its middle
        assert top_left == (shape == "square") and bottom_left == (shape != "circle") and top_mid
    elif scene.kind == "pair":
        q = next(q for q in scene.questions if q["type"] == "position")
        color = q["question"].split()[2]
        xs = np.nonzero((px == np.array(synth.COLORS[color])).all(-1))[1]
        assert ("left" if xs.mean() < synth.SIZE / 2 else "right") == q["answer"]
    elif scene.kind == "sign":
        x0, y0, x1, y1 = scene.items[0].box
        region = px[y0 : y1 + 1, x0 : x1 + 1]
        sign_rgb = np.array(synth.COLORS[_answer(scene, "color")])
        text_px = ~(region == sign_rgb).all(-1)
        assert 20 < text_px.sum() < text_px.size // 2  # letters drawn inside the sign
        assert scene.text == _answer(scene, "text") and scene.text in synth.WORDS
    elif scene.kind == "chart":
        heights = {}
        for name, c in synth.COLORS.items():
            ys = np.nonzero((px == np.array(c)).all(-1))[0]
            if len(ys):
                heights[name] = ys.max() - ys.min() + 1
        assert str(len(heights)) == _answer(scene, "count")
        assert max(heights, key=heights.get) == _answer(scene, "chart")


def test_deterministic_and_seed_dependent():
    a = [np.asarray(synth.scene_for(f"D1:{i}", 7)[1]) for i in range(20)]
    b = [np.asarray(synth.scene_for(f"D1:{i}", 7)[1]) for i in range(20)]
    c = [np.asarray(synth.scene_for(f"D1:{i}", 8)[1]) for i in range(20)]
    assert all((x == y).all() for x, y in zip(a, b))
    assert sum((x != y).any() for x, y in zip(a, c)) >= 15


def test_caption_does_not_leak_details():
    for i in range(200):
        scene, _ = synth.scene_for(f"x{i}", 3)
        for q in scene.questions:
            assert q["answer"] not in scene.caption.split(), (scene.caption, q)


def test_all_kinds_and_types_occur():
    kinds, types = set(), set()
    for i in range(200):
        s = synth.make_scene(random.Random(i))
        kinds.add(s.kind)
        types |= {q["type"] for q in s.questions}
    assert kinds == set(synth.KINDS) and types == set(synth.QUESTION_TYPES)


def test_unknown_kind_is_named():
    with pytest.raises(ValueError, match="unknown scene kind 'movie'"):
        synth.make_scene(random.Random(0), kind="movie")


def test_normalize_answer():
    assert synth.normalize_answer("The Red.") == "red"
    assert synth.normalize_answer("Three") == "3"


@pytest.mark.skipif(not CONV.exists(), reason="LoCoMo data not present")
def test_make_locomo_vqa_script(tmp_path):
    def build(out, seed):
        r = subprocess.run([sys.executable, str(ROOT / "scripts/make_locomo_vqa.py"), str(CONV), "--out", str(out),
                            "--seed", str(seed)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return [json.loads(l) for l in (out / "vqa.jsonl").read_text().splitlines()]

    rows = build(tmp_path / "a", 5)
    rows2 = build(tmp_path / "b", 5)
    assert rows == rows2
    assert (tmp_path / "a/images" / Path(rows[0]["image"]).name).read_bytes() == (tmp_path / "b" / rows[0]["image"]).read_bytes()
    aug = json.loads((tmp_path / "a/conv-42.json").read_text())
    orig = json.loads(CONV.read_text())
    turns = {t["dia_id"]: t for k, v in aug.items() if k.startswith("session_") and isinstance(v, list) for t in v}
    src = {t["dia_id"]: t for k, v in orig.items() if k.startswith("session_") and isinstance(v, list) for t in v}
    for r in rows:
        t = turns[r["dia_id"]]
        assert t["text"] == src[r["dia_id"]]["text"] and t["image"] == r["image"]
        assert t["blip_caption"] == r["caption"] and (tmp_path / "a" / t["image"]).exists()
        assert r["answer"] and len(r["answer"].split()) == 1 and r["speaker"] in r["question"]
    assert {r["type"] for r in rows} == set(synth.QUESTION_TYPES)
    assert aug["qa"] == orig["qa"]
