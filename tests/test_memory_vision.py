"""Memory API + vision pipeline: an image in a message becomes an image memory; photo questions are
answered from the pixels (native) or from the caption (baseline); a bad image never loses the text."""

import pytest

from memlora_mlx.memory import Memory
from memlora_mlx.vision.pipeline import VisionPipeline
from memlora_mlx.vision.synth import scene_for


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    d = tmp_path_factory.mktemp("photos")
    _, img = scene_for("memtest:1", 11)
    img.save(d / "scene.png")
    return d / "scene.png"


def _msg(path, text="Look at this picture I took!"):
    return [{"role": "user", "content": text, "name": "Ann", "image": str(path)}]


def test_image_message_is_stored_once_and_answered_from_pixels(default_engine, embedder, tmp_path, photo):
    m = Memory(engine=default_engine, embedder=embedder, store=tmp_path / "s", vision=VisionPipeline("native"))
    first = m.add(_msg(photo), user_id="ann", infer=False, session_date="8 May 2023")
    m.add(_msg(photo, "Same picture again"), user_id="ann", infer=False)
    assert m.store.count(table="images") == 2  # one row per share, linked to its memory...
    stored = {p for p in (tmp_path / "s" / "images").rglob("*.png") if "thumb" not in str(p)}
    assert len(stored) == 1  # ...but one content-addressed copy on disk
    assert any(r["memory"].startswith("Ann shared") for r in m.get_all("ann")["results"])
    out = m.answer("What shape is in Ann's photo?", user_id="ann")
    assert out["image"] and out["image"].endswith(".png")  # routed to the pixels with the vqa adapter
    assert isinstance(out["answer"], str) and out["answer"]
    assert first["results"]


def test_caption_mode_never_looks_at_pixels(default_engine, embedder, tmp_path, photo):
    m = Memory(engine=default_engine, embedder=embedder, store=tmp_path / "s", vision=VisionPipeline("caption"))
    m.add(_msg(photo), user_id="ann", infer=False)
    assert m.answer("What shape is in Ann's photo?", user_id="ann")["image"] is None


def test_corrupt_image_keeps_the_text(default_engine, embedder, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png")
    m = Memory(engine=default_engine, embedder=embedder, store=tmp_path / "s", vision=VisionPipeline("native"))
    res = m.add(_msg(bad, "Ann adopted a cat named Miso."), user_id="ann", infer=False)
    assert m.store.count(table="images") == 0
    assert [r["memory"] for r in m.get_all("ann")["results"]] == ["Ann adopted a cat named Miso."]
    assert res["results"][0]["event"] == "ADD"


def test_text_answers_are_unchanged_with_the_vision_base_loaded(default_engine, embedder, tmp_path, photo):
    from memlora_mlx.ops import answer

    msgs = answer.build_messages("Where does Ann live?", [{"text": "Ann moved to Lisbon in May 2023"}])
    before = default_engine.generate(msgs, adapter="answer", max_tokens=8)
    m = Memory(engine=default_engine, embedder=embedder, store=tmp_path / "s", vision=VisionPipeline("native"))
    m.add(_msg(photo), user_id="ann", infer=False)
    assert m.answer("What shape is in Ann's photo?", user_id="ann")["image"]  # vision model loaded and used
    default_engine.close()  # no cached prefix: recompute the text answer from scratch
    assert default_engine.generate(msgs, adapter="answer", max_tokens=8) == before
