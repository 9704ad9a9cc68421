"""Image memories: store an image once, caption it, index its vector, link a text memory; answer from pixels.

    from memlora_mlx.vision.pipeline import VisionPipeline
    vp = VisionPipeline(mode="native")                      # or "caption" (answers from captions only)
    vp.add_image(memory, "cat.png", user_id="caroline", speaker="Caroline", text="Look at my new cat!")
    vp.answer(memory, "What colour is the cat in Caroline's photo?", user_id=["caroline", "melanie"])

The Memory API can hold one (`Memory(..., vision=VisionPipeline())`, see docs/vision.md); these functions work
with any `Memory` (they use only `memory.add(infer=False)`, `memory.retrieve`, `memory.store`, `memory.engine`).
"""

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from memlora_mlx import paths
from memlora_mlx.engine import worker

log = logging.getLogger(__name__)
DEMO_MODEL = "SmolLM2-135M-Instruct"
_PHOTO_WORDS = re.compile(r"\b(photo|picture|image|pic|snapshot|selfie|drawing|painting|sign|chart)s?\b", re.I)


def default_vision_dir(model_id: str = DEMO_MODEL) -> Path:
    return paths.repo_adapters_dir() / model_id / "vision"


def unavailable_message(model_id: str) -> str:
    """What to tell a user whose base has no vision model: which presets do answer image questions."""
    from ..engine.models import PRESETS

    have = [p.name for p in PRESETS.values() if (default_vision_dir(p.model_id) / "vision_config.json").is_file()]
    where = ("start the chat with " + " or ".join(f"`memlora --model {h} chat`" for h in have) if have
             else "no preset ships one yet")
    return (f"no vision model for {model_id} yet: images are shown but not stored, and questions about what "
            f"they show cannot be answered; for image memories {where}")


def answer_about_images(engine, question: str, image_paths: list, vision=None, *, adapter: str = "vqa",
                        max_tokens: int = 6) -> str:
    """Answer `question` from the pixels of `image_paths[0]` (the most relevant image) with the `adapter` LoRA.
    Runs on the MLX worker. A VLM base (`engine.vlm`, mlx-vlm) looks at the image itself; a text base uses
    `vision`: a loaded TinyVision (default: the shipped demo model for the engine's base)."""
    from .tiny_vision import answer_from_pixels, load_vision

    if not image_paths:
        raise ValueError("answer_about_images: no image given")
    img = Path(image_paths[0])
    if not img.is_file():
        raise FileNotFoundError(f"image not found: {img}")
    if getattr(engine, "vlm", None) is not None:
        return engine.generate_with_images(question, [img], adapter=adapter, max_tokens=max_tokens).strip()

    def run():
        v = vision if vision is not None else load_vision(default_vision_dir(engine.model_id))
        engine._use(adapter)
        return answer_from_pixels(engine.model, engine.tokenizer, v, question, img, max_tokens=max_tokens)

    return worker.run(run)


def _fit(v: np.ndarray, dim: int) -> np.ndarray:
    """Zero-pad (cosine-neutral) or cut a vector to the store's image dimension."""
    v = np.asarray(v, np.float32).reshape(-1)
    return np.concatenate([v, np.zeros(dim - len(v), np.float32)]) if len(v) < dim else v[:dim]


@dataclass
class VisionPipeline:
    mode: str = "native"  # native: answer image questions from pixels | caption: from stored captions only
    vision_dir: Path | None = None  # demo vision model dir (default: shipped one for the engine's base)
    images_dir: Path | None = None  # default: <store>/images
    adapter: str = "vqa"
    search_mode: str = "hybrid"  # hybrid (vector + full text: quoted words count) | vector
    _vision: object = field(default=None, repr=False)

    def __post_init__(self):
        if self.mode not in ("native", "caption"):
            raise ValueError(f"VisionPipeline: mode must be 'native' or 'caption', got {self.mode!r}")

    def vision(self, engine=None):
        if self._vision is None:
            from .tiny_vision import load_vision

            d = self.vision_dir or default_vision_dir(getattr(engine, "model_id", DEMO_MODEL))
            self._vision = worker.run(load_vision, d)
        return self._vision

    def image_vector(self, image, engine=None) -> np.ndarray:
        """Pooled vision features: the VLM base's own (projected image tokens) or the demo model's."""
        from .tiny_vision import load_pixels

        if getattr(engine, "vlm", None) is not None:
            from ..engine.vlm import image_vector

            return image_vector(engine.vlm, image)
        v = self.vision(engine)
        return worker.run(lambda: np.array(v.embed_vector(load_pixels([image], v.cfg.image_size))[0]))

    def caption(self, engine, image) -> str:
        """A short caption from the VLM base or the demo model ("a photo of ...")."""
        vision = None if getattr(engine, "vlm", None) is not None else self.vision(engine)
        return answer_about_images(engine, "Describe the photo.", [image], vision, adapter=self.adapter,
                                   max_tokens=12) or "a photo"

    def answer_image(self, engine, question: str, image) -> str:
        """Answer `question` from the pixels of one given image (the VLM base or the demo vision model)."""
        vision = None if getattr(engine, "vlm", None) is not None else self.vision(engine)
        return answer_about_images(engine, question, [image], vision, adapter=self.adapter)

    def add_image(self, memory, image, user_id: str, speaker: str | None = None, text: str | None = None,
                  caption: str | None = None, session_date: str | None = None, dia_id: str | None = None) -> dict:
        """Store the image (content-addressed, once), caption it once, index its vector, add a linked text memory.
        Returns {"image_id", "memory_id", "caption", "path"}. Bad images raise images.ImageRefused (nothing stored)."""
        from memlora_mlx.memory.images import store_image
        from memlora_mlx.memory.store import ImageRecord

        store = memory.store
        images_dir = Path(self.images_dir or Path(store.path) / "images")
        stored, thumb, sha = store_image(image, images_dir)
        seen = store.find_image_by_hash(user_id, sha)
        caption = caption or (seen.caption if seen and seen.caption else None) or self.caption(memory.engine, stored)
        who = speaker or user_id
        what = caption if caption.lower().startswith(("a photo", "a picture", "an image")) else f"a photo of {caption}"
        line = f"{who} shared {what}" + (f' while saying: "{" ".join(text.split())}"' if text and text.strip() else "")
        meta = {"image": str(stored), "image_sha256": sha, **({"dia_id": dia_id} if dia_id else {})}
        res = memory.add([{"role": "user", "content": line}], user_id=user_id, infer=False, metadata=meta,
                         session_date=session_date)["results"]
        mem_id = res[0]["id"] if res else None
        rec = ImageRecord(user_id=user_id, file_hash=sha, path=str(stored), thumb_path=str(thumb), caption=caption,
                          memory_id=mem_id, vector=_fit(self.image_vector(stored, memory.engine), store.image_dim))
        store.add_image(rec)
        return {"image_id": rec.id, "memory_id": mem_id, "caption": caption, "path": str(stored)}

    def add_turn_images(self, memory, turns, user_id: str, session_date=None) -> tuple[list[dict], set]:
        """Image memories for the turns that carry an image -> (results, ids of turns stored with their image).
        A refused image is logged and skipped: the turn's text is still the caller's to store."""
        from memlora_mlx.memory.images import ImageRefused

        out, linked = [], set()
        for t in (t for t in turns if t.image):
            try:
                r = self.add_image(memory, t.image, user_id, speaker=t.speaker, text=t.text, caption=t.caption,
                                   session_date=session_date, dia_id=t.dia_id)
            except (ImageRefused, OSError) as e:
                log.warning("image %s refused: %s", t.image, e)
                continue
            out.append({"id": r["memory_id"], "memory": f"[image] {r['caption']}", "event": "ADD", "image": r["path"]})
            linked.add(id(t))
        return out, linked

    def search_images(self, memory, image, user_id: str | None = None, limit: int = 5) -> list:
        """Stored images most similar to `image` (by the vision model's pooled features): [(ImageRecord, score)]."""
        return memory.store.search_images(_fit(self.image_vector(image, memory.engine), memory.store.image_dim),
                                          user_id, limit)

    def retrieve(self, memory, question: str, user_id=None, limit: int | None = None) -> list[dict]:
        """Top memories over one or several users (like Memory.retrieve, with this pipeline's search mode)."""
        users = user_id if isinstance(user_id, (list, tuple)) else [user_id]
        ranked = []  # (rank within its user's list, -cosine, hit): keeps each list's (RRF) order when merging
        for u in users:
            res = memory.search(question, user_id=u, limit=limit, mode=self.search_mode)["results"]
            ranked += [(i if self.search_mode == "hybrid" else 0, -h["score"], n, h) for n, (i, h) in
                       enumerate(enumerate(res), start=len(ranked))]
        return [r[-1] for r in sorted(ranked, key=lambda r: r[:3])][: limit or memory.top_k_search]

    def image_hits(self, hits: list[dict]) -> list[dict]:
        return [h for h in hits if (h.get("metadata") or {}).get("image")]

    def answer(self, memory, question: str, user_id=None, limit: int | None = None) -> dict:
        """{"answer", "memories", "image"}: from pixels when the best image memory is among the top hits
        (native mode), else from the memories' text (captions included) with the answer adapter."""
        from memlora_mlx.ops import answer as answer_op
        from memlora_mlx.ops.answer import answer_context

        hits = self.retrieve(memory, question, user_id, limit)
        imgs = self.image_hits(hits)
        use_pixels = self.mode == "native" and imgs and (imgs[0] is hits[0] or _PHOTO_WORDS.search(question))
        if use_pixels:
            path = imgs[0]["metadata"]["image"]
            ans = answer_about_images(memory.engine, question, [path], self.vision(memory.engine), adapter=self.adapter)
            return {"answer": ans, "memories": hits, "image": path}
        ans = answer_op.answer_question(memory.engine, question, answer_context(hits), max_tokens=16)
        return {"answer": ans, "memories": hits, "image": None}
