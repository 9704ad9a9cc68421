"""The demo vision model: soft tokens spliced into a real llama's input embeddings, training, save/load,
image memories through VisionPipeline (real LanceDB store, real embedder), and the shipped demo model."""

import json
import random
from pathlib import Path

import numpy as np
import pytest

import memlora_mlx  # noqa: F401
from memlora_mlx.engine import worker
from memlora_mlx.vision import synth

SHIPPED = Path(__file__).resolve().parent.parent / "adapters/SmolLM2-135M-Instruct"


@pytest.fixture(scope="module")
def tiny_lm(tiny_model_dir):
    def run():
        from mlx_lm import load

        from memlora_mlx.engine.adapters import apply_lora
        from memlora_mlx.engine.models import dequantize_model

        lm, tok = load(str(tiny_model_dir))
        dequantize_model(lm)
        apply_lora(lm)
        return lm, tok

    return worker.run(run)


def _vision(lm, tok, seed=0):
    def run():
        import mlx.core as mx

        from memlora_mlx.vision.tiny_vision import TinyVision, VisionConfig

        mx.random.seed(seed)
        v = TinyVision(VisionConfig(lm_dim=lm.model.embed_tokens.weight.shape[1]))
        v.set_vocab(lm, tok)
        return v

    return worker.run(run)


def test_spliced_embeddings_equal_token_ids(tiny_lm):
    """input_embeddings built from embed_tokens give the same logits as the ids: the splice path is exact."""
    lm, tok = tiny_lm

    def run():
        import mlx.core as mx

        from memlora_mlx.vision.tiny_vision import prompt_parts, splice

        pre, post = prompt_parts(tok, "What colour is the sign?")
        mid = tok.encode("red circle", add_special_tokens=False)
        ids = mx.array(pre + mid + post)[None]
        h = splice(lm, pre, lm.model.embed_tokens(mx.array(mid)), post)
        return np.array(lm(ids)), np.array(lm(ids, input_embeddings=h)), tok.decode(pre), tok.decode(post)

    a, b, pre, post = worker.run(run)
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert pre.rstrip().endswith("user") and "What colour is the sign?" in post


def test_concept_tokens_are_word_embeddings(tiny_lm):
    lm, tok = tiny_lm
    v = _vision(lm, tok)

    def run():
        import mlx.core as mx

        from memlora_mlx.vision.tiny_vision import HEADS, load_pixels

        h = v.heads["color"]
        h.weight = mx.zeros_like(h.weight)
        h.bias = mx.array([0, 0, 50.0, 0, 0, 0])  # certain: "blue"
        _, img = synth.scene_for("c", 1)
        soft = v(load_pixels([img, img], v.cfg.image_size))
        blue = lm.model.embed_tokens(mx.array(tok.encode("blue", add_special_tokens=False)[:1]))[0]
        return soft.shape, np.array(soft[0, list(HEADS).index("color")]), np.array(blue)

    shape, tok_vec, blue = worker.run(run)
    assert shape == (2, 10, v.cfg.lm_dim)
    np.testing.assert_allclose(tok_vec, blue, atol=1e-4)


def test_save_load_round_trip_and_vectors(tiny_lm, tmp_path):
    lm, tok = tiny_lm
    v = _vision(lm, tok, seed=3)

    def run():
        from memlora_mlx.vision.tiny_vision import load_pixels, load_vision, save_vision

        imgs = [synth.scene_for(f"r{i}", 2)[1] for i in range(3)]
        save_vision(v, tmp_path / "vision", card={"demo": True})
        w = load_vision(tmp_path / "vision")
        x = load_pixels(imgs, v.cfg.image_size)
        return np.array(v(x)), np.array(w(x)), np.array(w.embed_vector(x))

    a, b, vec = worker.run(run)
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert np.allclose(np.linalg.norm(vec, axis=1), 1, atol=1e-4) and not np.allclose(vec[0], vec[1])
    with pytest.raises(FileNotFoundError, match="not a vision model dir"):
        worker.run(__import__("memlora_mlx.vision.tiny_vision", fromlist=["x"]).load_vision, tmp_path)


def test_encoder_moves_to_a_base_of_another_width(tiny_lm):
    """`train_vision --encoder-from`: the shipped SmolLM2 vision model's encoder and heads (576-wide residuals)
    load into a vision model for the tiny base (another width); its own residuals and class-word embeddings stay."""
    lm, tok = tiny_lm
    v = _vision(lm, tok, seed=4)

    def run():
        import mlx.core as mx
        from mlx.utils import tree_flatten

        from memlora_mlx.vision.tiny_vision import load_pixels, load_vision
        from memlora_mlx.vision.train_vision import encoder_weights

        src = load_vision(SHIPPED / "vision")
        vocab = np.array(v.vocab)
        v.load_weights(encoder_weights(src), strict=False)
        mx.eval(v.parameters())
        mine, theirs = dict(tree_flatten(v.parameters())), dict(tree_flatten(src.parameters()))
        imgs = load_pixels([synth.scene_for(f"e{i}", 5)[1] for i in range(4)], v.cfg.image_size)
        heads = {k: (np.array(mx.argmax(a, -1)), np.array(mx.argmax(src.head_logits(imgs)[k], -1)))
                 for k, a in v.head_logits(imgs).items()}
        return mine, theirs, vocab, np.array(v.vocab), heads

    mine, theirs, vocab_before, vocab_after, heads = worker.run(run)
    assert src_width(theirs) == 576 and src_width(mine) == tiny_lm[0].model.embed_tokens.weight.shape[1] != 576
    np.testing.assert_array_equal(vocab_before, vocab_after)
    for k in ("embed.weight", "heads.color.weight", "blocks.1.c2.bias", "norm.weight"):
        np.testing.assert_array_equal(np.array(mine[k]), np.array(theirs[k]))
    assert all((a == b).all() for a, b in heads.values())


def test_export_ships_a_run_with_cards(tiny_lm, tmp_path):
    """`train_vision --out RUN --export DEST`: vision (float16 on disk, loads back to the same tokens), the vqa LoRA
    byte for byte, and cards that name the base, the steps reached and the training command."""
    lm, tok = tiny_lm
    v = _vision(lm, tok, seed=5)
    run, dest = tmp_path / "run", tmp_path / "ship"

    def setup():
        from memlora_mlx.engine.adapters import adapter_config, save_adapter
        from memlora_mlx.vision.tiny_vision import save_vision

        save_vision(v, run / "vision")
        save_adapter(lm, run / "vqa", adapter_config(lm, "Tiny-Base", op="vqa", steps=7))
        (run / "state.json").write_text(json.dumps({"step": 7, "machine": "Mac arm64, MLX gpu"}))

    worker.run(setup)
    from memlora_mlx.vision.train_vision import main

    report = tmp_path / "native.json"  # as `memlora eval vqa --out` writes it
    report.write_text(json.dumps({"mode": "native", "search": "hybrid", "seconds": 1.0, "results": [], "scores": {
        "all": {"n": 3, "em": 2 / 3, "contains": 2 / 3, "retrieved@1": 1.0},
        "color": {"n": 3, "em": 2 / 3, "contains": 2 / 3, "retrieved@1": 1.0}}}))
    assert main(["--out", str(run), "--batch", "2", "--lr", "1e-4", "--export", str(dest), "--report", str(report),
                 "--encoder-from", "adapters/SmolLM2-135M-Instruct/vision"]) == 0

    def check():
        import mlx.core as mx

        from memlora_mlx.vision.tiny_vision import load_pixels, load_vision

        x = load_pixels([synth.scene_for("x", 1)[1]], v.cfg.image_size)
        dtypes = {a.dtype for a in mx.load(str(dest / "vision/vision.safetensors")).values()}
        return np.array(v(x)), np.array(load_vision(dest / "vision")(x)), dtypes == {mx.float16}

    a, b, half = worker.run(check)
    np.testing.assert_allclose(a, b, atol=2e-2)
    assert half  # float16 on disk
    assert (dest / "vqa/adapters.safetensors").read_bytes() == (run / "vqa/adapters.safetensors").read_bytes()
    for card in (dest / "vision/card.json", dest / "vqa/card.json"):
        c = json.loads(card.read_text())
        assert c["base_model"].startswith("Tiny-Base") and c["stage_b_steps"] == 7 and c["stage_b_batch"] == 2
        assert c["learning_rates"]["vqa_lora"] == 1e-4 and c["trained_on"] == "Mac arm64, MLX gpu"
        assert "--export" not in c["command"] and str(dest) not in c["command"] and "--lr 1e-4" in c["command"]
        assert "--report" not in c["command"]
        assert c["command"].endswith("--encoder-from adapters/SmolLM2-135M-Instruct/vision")
        assert c["evaluation"] == [{"report": "native.json", "mode": "native", "search": "hybrid", "questions": 3,
                                    "em": 0.667, "retrieved@1": 1.0, "em_by_type": {"color": 0.667}}]
    assert json.loads((dest / "vision/card.json").read_text())["stage_a"] == {
        "encoder_and_heads_from": "adapters/SmolLM2-135M-Instruct/vision"}


def src_width(params: dict) -> int:
    return params["residual.kind.weight"].shape[0]


def test_stage_b_training_lowers_loss(tiny_lm, tmp_path):
    """A few LM steps on one fixed batch of (image, question, answer) must reduce the answer loss."""
    lm, tok = tiny_lm
    v = _vision(lm, tok, seed=1)

    def run():
        import mlx.core as mx
        import mlx.nn as nn
        import mlx.optimizers as optim

        from memlora_mlx.vision.train_vision import build_batch

        rng = random.Random(0)
        items = []
        for i in range(4):
            scene, img = synth.scene_for(f"t{i}", 0)
            q = rng.choice(scene.questions)
            items.append((img, q["question"], q["answer"]))
        v.freeze()
        for r in v.residual.values():
            r.unfreeze()

        class Both(nn.Module):
            def __init__(self):
                super().__init__()
                self.lm, self.vision = lm, v

        both = Both()

        def loss_fn(m):
            ids, h, mask = build_batch(m.lm, tok, m.vision, list(items))
            ce = nn.losses.cross_entropy(m.lm(ids, input_embeddings=h)[:, :-1], ids[:, 1:], reduction="none")
            return (ce * mask[:, 1:]).sum() / mask[:, 1:].sum()

        vg, opt = nn.value_and_grad(both, loss_fn), optim.Adam(learning_rate=3e-3)
        losses = []
        for _ in range(12):
            loss, g = vg(both)
            opt.update(both, g)
            mx.eval(both.parameters(), opt.state)
            losses.append(loss.item())
        ids, _, mask = build_batch(lm, tok, v, list(items))
        answer_ids = [np.array(ids[j])[np.array(mask[j]) == 1].tolist() for j in range(len(items))]
        return losses, answer_ids

    losses, answer_ids = worker.run(run)
    assert min(losses[-3:]) < 0.8 * losses[0], losses
    assert tok.decode(answer_ids[0]).strip().endswith("<|im_end|>")  # supervision covers answer + end token


def test_answer_from_pixels_runs_greedy(tiny_lm):
    lm, tok = tiny_lm
    v = _vision(lm, tok)
    from memlora_mlx.vision.tiny_vision import answer_from_pixels

    class Seen:  # the real tokenizer; records the ids it is asked to decode (re-encoding random-weight output
        def __init__(self):  # is not a bound: byte pieces can decode to more tokens than were generated)
            self.ids = []

        def __getattr__(self, name):
            return getattr(tok, name)

        def decode(self, ids, **kw):
            self.ids.append(list(ids))
            return tok.decode(ids, **kw)

    _, img = synth.scene_for("g", 0)
    outs, seen = [], Seen()
    for _ in range(2):
        outs.append(worker.run(answer_from_pixels, lm, seen, v, "What colour is the sign?", img, 3))
    assert isinstance(outs[0], str) and outs[0] == outs[1]  # greedy: the same answer twice
    assert len(seen.ids) == 2 and seen.ids[0] == seen.ids[1] and len(seen.ids[0]) <= 3


def test_pipeline_image_memory(tiny_lm, tmp_path, embedder):
    """add_image: stored once by content, vector in the images table, a linked text memory; bad input refused."""
    from memlora_mlx.memory.images import ImageRefused
    from memlora_mlx.memory import Memory
    from memlora_mlx.vision.pipeline import VisionPipeline
    from memlora_mlx.vision.tiny_vision import save_vision

    lm, tok = tiny_lm
    worker.run(save_vision, _vision(lm, tok), tmp_path / "vision")
    _, img = synth.scene_for("p", 0)
    img.save(tmp_path / "a.png")
    img.save(tmp_path / "copy.png")
    mem = Memory(engine=None, store=tmp_path / "store", embedder=embedder)
    vp = VisionPipeline(mode="native", vision_dir=tmp_path / "vision")
    try:
        r1 = vp.add_image(mem, tmp_path / "a.png", user_id="caroline", speaker="Caroline",
                          text="Look at the sign I found!", caption="a photo of a sign", dia_id="D1:3")
        r2 = vp.add_image(mem, tmp_path / "copy.png", user_id="caroline", speaker="Caroline", caption="a photo of a sign")
        assert r1["path"] == r2["path"] and len(list((tmp_path / "store/images").rglob("*.png"))) == 1
        m = mem.get(r1["memory_id"])
        assert m["memory"] == 'Caroline shared a photo of a sign while saying: "Look at the sign I found!"'
        assert m["metadata"]["image"] == r1["path"] and m["metadata"]["dia_id"] == "D1:3"
        rec = mem.store.get_image(r1["image_id"])
        assert rec.memory_id == r1["memory_id"] and rec.caption == "a photo of a sign"
        hits = vp.search_images(mem, tmp_path / "copy.png", user_id="caroline", limit=1)
        assert hits and hits[0][1] > 0.99
        found = mem.retrieve("Caroline: look at the sign I found", "caroline", 3)
        assert vp.image_hits(found)[0]["id"] == r1["memory_id"]
        (tmp_path / "bad.png").write_bytes(b"not a png")
        n = mem.store.count("caroline")
        with pytest.raises(ImageRefused):
            vp.add_image(mem, tmp_path / "bad.png", user_id="caroline", caption="x")
        assert mem.store.count("caroline") == n
    finally:
        mem.close()
    with pytest.raises(ValueError, match="mode must be"):
        VisionPipeline(mode="pixels")


@pytest.mark.skipif(not (SHIPPED / "vision/vision.safetensors").exists(), reason="demo vision model not shipped")
def test_shipped_demo_model_reads_pixels_on_unseen_seeds():
    """The shipped encoder's concept heads recognise colours/kinds on scenes from a seed never used in training."""
    from memlora_mlx.vision.tiny_vision import load_pixels, load_vision

    card = json.loads((SHIPPED / "vision/card.json").read_text())
    assert "demo" in card["description"].lower()

    def run():
        v = load_vision(SHIPPED / "vision")
        scenes = [synth.scene_for(f"eval:{i}", 4242) for i in range(40)]
        got = v.describe(load_pixels([im for _, im in scenes], v.cfg.image_size))
        kind = sum(g["kind"] == s.kind for g, (s, _) in zip(got, scenes))
        col = [(g["color"], s.items[0].color) for g, (s, _) in zip(got, scenes) if s.kind in ("shapes", "sign")]
        return kind, sum(a == b for a, b in col), len(col)

    kind, col_ok, n_col = worker.run(run)
    assert kind >= 32 and col_ok >= 0.7 * n_col, (kind, col_ok, n_col)


@pytest.mark.skipif(not (SHIPPED / "vqa/adapters.safetensors").exists(), reason="vqa adapter not shipped")
def test_shipped_vqa_answers_colours_from_pixels(default_engine, tmp_path):
    """End to end on the real base: shipped vision model + vqa LoRA answer colour questions on unseen scenes
    better than chance (1/6), and the answer depends on the pixels (not only on the question)."""
    from memlora_mlx.vision.pipeline import answer_about_images
    from memlora_mlx.vision.tiny_vision import load_vision

    default_engine.load_adapter("vqa", SHIPPED / "vqa")
    vision = worker.run(load_vision, SHIPPED / "vision")
    qs = []
    for i in range(60):
        scene, img = synth.scene_for(f"colour:{i}", 9191)
        q = next((q for q in scene.questions if q["type"] == "color"), None)
        if q and scene.kind in ("shapes", "sign"):
            qs.append((img, q))
    qs = qs[:8]
    outs = []
    for j, (img, q) in enumerate(qs):
        img.save(tmp_path / f"{j}.png")
        outs.append(answer_about_images(default_engine, q["question"], [tmp_path / f"{j}.png"], vision))
    ok = sum(synth.normalize_answer(o) == q["answer"] for o, (_, q) in zip(outs, qs))
    assert ok >= 5 and len(set(outs)) >= 3, list(zip(outs, [q["answer"] for _, q in qs]))
