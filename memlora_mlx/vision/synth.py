"""Deterministic synthetic scenes with known ground truth (counts, colours, shapes, positions, sign text, bar charts).

Each scene's details are NOT stated in its caption: the caption is generic ("a photo of some shapes"), so a
caption-only answerer must guess while a model that reads the pixels can answer. Shapes are drawn without
anti-aliasing in exact palette colours, so tests can read the ground truth back from the pixels.
"""

import random
import re
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

SIZE = 64
COLORS = {
    "red": (220, 30, 30),
    "green": (30, 160, 50),
    "blue": (30, 70, 220),
    "yellow": (240, 210, 20),
    "purple": (140, 50, 180),
    "orange": (245, 130, 10),
}
SHAPES = ("circle", "square", "triangle")
WORDS = ("open", "sale", "stop", "exit", "cafe", "park", "book", "food")
KINDS = ("shapes", "pair", "sign", "chart")
CAPTIONS = {
    "shapes": "a photo of some shapes",
    "pair": "a photo of two objects",
    "sign": "a photo of a sign",
    "chart": "a photo of a bar chart",
}
QUESTION_TYPES = ("count", "color", "shape", "position", "text", "chart")
_BACKGROUNDS = ((250, 250, 250), (235, 235, 228), (228, 236, 240), (240, 232, 236))
_INK = (20, 20, 20)


@dataclass
class Item:
    shape: str  # circle | square | triangle | sign | bar
    color: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 (inclusive)

    @property
    def center(self) -> tuple[int, int]:
        x0, y0, x1, y1 = self.box
        if self.shape == "triangle":  # centroid sits low in an upward triangle
            return (x0 + x1) // 2, (y0 + 2 * y1) // 3
        return (x0 + x1) // 2, (y0 + y1) // 2


@dataclass
class Scene:
    kind: str
    items: list[Item]
    background: tuple[int, int, int]
    text: str | None = None
    size: int = SIZE
    questions: list[dict] = field(default_factory=list)  # {question, answer, type}

    @property
    def caption(self) -> str:
        return CAPTIONS[self.kind]


def _draw_shape(d: ImageDraw.ImageDraw, it: Item):
    rgb = COLORS[it.color]
    x0, y0, x1, y1 = it.box
    if it.shape == "circle":
        d.ellipse(it.box, fill=rgb)
    elif it.shape in ("square", "bar", "sign"):
        d.rectangle(it.box, fill=rgb)
    elif it.shape == "triangle":
        d.polygon([((x0 + x1) / 2, y0), (x1, y1), (x0, y1)], fill=rgb)


def _cells(rng: random.Random, n: int, size: int, grid: int = 3) -> list[tuple[int, int, int, int]]:
    """n non-touching boxes: one per distinct grid cell, jittered inside its cell."""
    cell = size // grid
    obj = int(cell * 0.62)
    picks = rng.sample(range(grid * grid), n)
    out = []
    for p in picks:
        cx, cy = (p % grid) * cell, (p // grid) * cell
        x = cx + rng.randint(2, cell - obj - 2)
        y = cy + rng.randint(2, cell - obj - 2)
        out.append((x, y, x + obj - 1, y + obj - 1))
    return out


def _font(size: int):
    return ImageFont.load_default(size=max(8, size))


def make_scene(rng: random.Random, kind: str | None = None, size: int = SIZE) -> Scene:
    kind = kind or rng.choice(KINDS)
    bg = rng.choice(_BACKGROUNDS)
    s = Scene(kind=kind, items=[], background=bg, size=size)
    q = s.questions
    if kind == "shapes":
        n = rng.randint(1, 4)
        shape, color = rng.choice(SHAPES), rng.choice(list(COLORS))
        s.items = [Item(shape, color, b) for b in _cells(rng, n, size)]
        q.append(dict(question=f"How many {shape}s are there?", answer=str(n), type="count"))
        q.append(dict(question="What colour are the shapes?", answer=color, type="color"))
        q.append(dict(question="What shape are the objects?", answer=shape, type="shape"))
    elif kind == "pair":
        c1, c2 = rng.sample(list(COLORS), 2)
        sh1, sh2 = rng.choice(SHAPES), rng.choice(SHAPES)
        obj, half = int(size * 0.36), size // 2
        ya, yb = rng.randint(4, size - obj - 4), rng.randint(4, size - obj - 4)
        xa, xb = rng.randint(2, half - obj - 2), half + rng.randint(2, half - obj - 2)
        left, right = Item(sh1, c1, (xa, ya, xa + obj - 1, ya + obj - 1)), Item(sh2, c2, (xb, yb, xb + obj - 1, yb + obj - 1))
        s.items = [left, right]
        side = rng.choice(("left", "right"))
        it = left if side == "left" else right
        q.append(dict(question=f"What colour is the object on the {side}?", answer=it.color, type="color"))
        q.append(dict(question=f"What shape is the {it.color} object?", answer=it.shape, type="shape"))
        ask = rng.choice((left, right))
        q.append(dict(question=f"Is the {ask.color} {ask.shape} on the left or the right?",
                      answer="left" if ask is left else "right", type="position"))
    elif kind == "sign":
        word, color = rng.choice(WORDS), rng.choice(list(COLORS))
        w, h = int(size * 0.84), int(size * 0.4)
        x, y = rng.randint(1, size - w - 1), rng.randint(2, size - h - 2)
        s.items = [Item("sign", color, (x, y, x + w - 1, y + h - 1))]
        s.text = word
        q.append(dict(question="What word is written on the sign?", answer=word, type="text"))
        q.append(dict(question="What colour is the sign?", answer=color, type="color"))
    elif kind == "chart":
        n = rng.randint(2, 4)
        colors = rng.sample(list(COLORS), n)
        heights = rng.sample(range(int(size * 0.2), int(size * 0.85), max(1, size // 16)), n)
        bw = (size - 8) // n
        base = size - 3
        for i, (c, hgt) in enumerate(zip(colors, heights)):
            x0 = 4 + i * bw + 1
            s.items.append(Item("bar", c, (x0, base - hgt, x0 + bw - 4, base)))
        tall = max(s.items, key=lambda b: b.box[3] - b.box[1])
        q.append(dict(question="Which colour is the tallest bar in the chart?", answer=tall.color, type="chart"))
        q.append(dict(question="How many bars are in the chart?", answer=str(n), type="count"))
    else:
        raise ValueError(f"unknown scene kind {kind!r}; expected one of {KINDS}")
    return s


def render(scene: Scene) -> Image.Image:
    img = Image.new("RGB", (scene.size, scene.size), scene.background)
    d = ImageDraw.Draw(img)
    if scene.kind == "chart":
        d.line([(2, scene.size - 2), (scene.size - 2, scene.size - 2)], fill=_INK)  # axis
    for it in scene.items:
        _draw_shape(d, it)
    if scene.text:
        x0, y0, x1, y1 = scene.items[0].box
        font = _font(int(scene.size * 0.25))
        tx0, ty0, tx1, ty1 = d.textbbox((0, 0), scene.text.upper(), font=font)
        tx = (x0 + x1 + 1 - (tx1 - tx0)) // 2 - tx0
        ty = (y0 + y1 + 1 - (ty1 - ty0)) // 2 - ty0
        d.text((tx, ty), scene.text.upper(), fill=(255, 255, 255) if scene.items[0].color != "yellow" else _INK, font=font)
    return img


def scene_rng(key: str, seed: int) -> random.Random:
    """Per-image RNG: the same (key, seed) always gives the same scene (string seeding is stable across runs)."""
    return random.Random(f"memlora-vqa:{seed}:{key}")


def scene_for(key: str, seed: int, size: int = SIZE) -> tuple[Scene, Image.Image]:
    scene = make_scene(scene_rng(key, seed), size=size)
    return scene, render(scene)


def normalize_answer(text: str) -> str:
    """Lower-case, strip punctuation/articles, map number words and 'color'→'colour' spellings to one form."""
    t = re.sub(r"[^a-z0-9 ]", " ", (text or "").lower())
    nums = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6"}
    words = [nums.get(w, w) for w in t.split() if w not in ("a", "an", "the")]
    return " ".join(words)


# ---- LoCoMo augmentation: every image turn gets a rendered scene, a generic caption and detail questions ----


def image_turns(raw: dict):
    """Yield (session_key, index, turn) for every LoCoMo turn that carries an image (img_url or blip_caption)."""
    keys = sorted((k for k in raw if re.fullmatch(r"session_\d+", k)), key=lambda k: int(k.split("_")[1]))
    for k in keys:
        for i, t in enumerate(raw[k] or []):
            if isinstance(t, dict) and ("img_url" in t or "blip_caption" in t):
                yield k, i, t


def linked_question(speaker: str, text: str, detail: str, n_words: int = 8) -> str:
    """A question that names the photo by what its sender said (so retrieval can find it) and asks a detail."""
    words = (text or "").split()
    snippet = " ".join(words[:n_words]) + (" ..." if len(words) > n_words else "")
    return f'About the photo {speaker} shared when saying "{snippet}": {detail}'


def augment_locomo(raw: dict, out_dir, seed: int, name: str = "conv", size: int = SIZE) -> tuple[dict, list[dict]]:
    """Render one scene per image turn into `out_dir/images/`, return (augmented LoCoMo dict, vqa rows).

    Turns keep their text; `image` = path relative to `out_dir`; `blip_caption` becomes the generic caption
    (the original BLIP caption describes a web photo we do not have; kept as `orig_blip_caption`)."""
    import copy
    from pathlib import Path

    out_dir = Path(out_dir)
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    aug, rows = copy.deepcopy(raw), []
    for sk, i, t in image_turns(aug):
        dia = t.get("dia_id") or f"{sk}:{i}"
        scene, img = scene_for(f"{name}:{dia}", seed, size)
        rel = f"images/{name}_{dia.replace(':', '_')}.png"
        img.save(out_dir / rel)
        if "blip_caption" in t:
            t["orig_blip_caption"] = t["blip_caption"]
        t["blip_caption"], t["image"] = scene.caption, rel
        for q in scene.questions:
            rows.append(dict(question=linked_question(t.get("speaker", "someone"), t.get("text", ""), q["question"]),
                             detail=q["question"], answer=q["answer"], type=q["type"], dia_id=dia, image=rel,
                             speaker=t.get("speaker"), caption=scene.caption, sample=name))
    return aug, rows
