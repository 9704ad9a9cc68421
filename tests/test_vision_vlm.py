"""Tiny real-architecture VLMs (SmolVLM/idefics3 and Qwen2-VL) built in a temp dir, loaded with mlx_vlm.load,
with two LoRA adapters (mlx-lm key names) hot-swapped on the language model, generating from a real PNG."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import memlora_mlx  # noqa: F401
from memlora_mlx.engine import worker
from memlora_mlx.engine.adapters import DEFAULT_LORA, AdapterError
from memlora_mlx.engine import vlm
from memlora_mlx.vision import synth

sys.path.insert(0, str(Path(__file__).parent))
from tiny_vlm_builder import write_tiny_qwen2_vl, write_tiny_smolvlm  # noqa: E402

BUILDERS = {"smolvlm": write_tiny_smolvlm, "qwen2_vl": write_tiny_qwen2_vl}


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def tiny(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    ckpt = BUILDERS[request.param](root / "model")
    images = []
    for i in range(2):
        _, img = synth.scene_for(f"vlm:{i}", 3)
        images.append(root / f"img{i}.png")
        img.save(images[-1])
    model = vlm.load_vlm(ckpt)
    adapters = {name: _write_adapter(model, root / name, seed) for name, seed in (("a", 1), ("b", 2))}
    return request.param, model, images, adapters


def _write_adapter(model, out: Path, seed: int) -> Path:
    """An adapter file in mlx-lm naming (`model.layers.N...`) with non-zero lora_b."""
    import mlx.core as mx

    def run():
        rng = np.random.default_rng(seed)
        w = {k: mx.array(rng.normal(0, 0.05, s).astype(np.float32)) for k, s in model.bank._shapes.items()}
        w = vlm.mlx_lm_keys(w)
        out.mkdir(parents=True, exist_ok=True)
        mx.save_safetensors(str(out / "adapters.safetensors"), w)
        cfg = {"fine_tune_type": "lora", "num_layers": len(model.language_model.layers), "lora_parameters": DEFAULT_LORA}
        (out / "adapter_config.json").write_text(json.dumps(cfg))
        return w

    keys = worker.run(run)
    assert all(k.startswith("model.layers.") for k in keys)
    return out


def _last_logits(model, prompt: str, image: Path) -> np.ndarray:
    def run():
        import mlx.core as mx
        from mlx_vlm.prompt_utils import apply_chat_template
        from mlx_vlm.utils import prepare_inputs

        text = apply_chat_template(model.processor, model.config, prompt, num_images=1)
        inp = prepare_inputs(model.processor, images=[str(image)], prompts=[text])
        extra = {k: v for k, v in inp.items() if k not in ("input_ids", "pixel_values", "attention_mask")}
        out = model.model(inp["input_ids"], inp["pixel_values"], mask=inp.get("attention_mask"), **extra)
        logits = getattr(out, "logits", out)
        return np.array(logits[0, -1].astype(mx.float32))

    return worker.run(run)


def test_loads_with_lora_bank_on_language_model(tiny):
    arch, model, _, _ = tiny
    shapes = model.bank._shapes
    assert len(shapes) == 2 * 4 * len(model.language_model.layers)  # a+b for q,k,v,o in every layer
    assert all(vlm.tail_key(k).split(".")[2] == "self_attn" for k in shapes)
    prefix = {"smolvlm": "layers.", "qwen2_vl": "model.layers."}[arch]  # mlx-vlm's naming differs per family
    assert all(k.startswith(prefix) for k in shapes)


def test_hot_swap_two_adapters_changes_and_restores_outputs(tiny):
    _, model, images, adapters = tiny
    for name, path in adapters.items():
        vlm.load_adapter(model, name, path)
    vlm.use(model, None)
    base = _last_logits(model, "What colour is the sign?", images[0])
    vlm.use(model, "a")
    la = _last_logits(model, "What colour is the sign?", images[0])
    vlm.use(model, "b")
    lb = _last_logits(model, "What colour is the sign?", images[0])
    vlm.use(model, "a")
    la2 = _last_logits(model, "What colour is the sign?", images[0])
    vlm.use(model, None)
    base2 = _last_logits(model, "What colour is the sign?", images[0])
    assert not np.allclose(base, la, atol=1e-4) and not np.allclose(la, lb, atol=1e-4)
    np.testing.assert_allclose(la, la2, atol=1e-5)  # swapping back is exact
    np.testing.assert_allclose(base, base2, atol=1e-5)  # no adapter = the bare base


def test_pixels_reach_the_language_model(tiny):
    _, model, images, _ = tiny
    vlm.use(model, None)
    l0, l1 = (_last_logits(model, "What colour is the sign?", im) for im in images)
    assert not np.allclose(l0, l1, atol=1e-5)


def test_generate_with_png_under_each_adapter(tiny):
    _, model, images, adapters = tiny
    for name, path in adapters.items():
        vlm.load_adapter(model, name, path)
    outs = {name: vlm.generate_vlm(model, "What colour is the sign?", [images[0]], max_tokens=6, adapter=name)
            for name in (None, "a", "b")}
    assert all(isinstance(o, str) for o in outs.values())
    assert model.bank.active == "b"
    with pytest.raises(FileNotFoundError, match="image not found"):
        vlm.generate_vlm(model, "What?", [images[0].parent / "missing.png"])


def test_adapter_round_trip_in_mlx_lm_naming(tiny, tmp_path):
    _, model, _, adapters = tiny
    vlm.load_adapter(model, "a", adapters["a"])
    vlm.use(model, "a")
    vlm.save_adapter(model, tmp_path / "saved", base_model_id="tiny")
    import mlx.core as mx

    saved, orig = mx.load(str(tmp_path / "saved/adapters.safetensors")), mx.load(str(adapters["a"] / "adapters.safetensors"))
    assert set(saved) == set(orig)
    assert all(np.allclose(np.array(saved[k]), np.array(orig[k])) for k in orig)
    full = vlm.mlx_vlm_keys(orig, model)
    assert all(k.startswith("language_model.") for k in full)


def test_bad_adapters_are_refused_with_reasons(tiny, tmp_path):
    _, model, _, adapters = tiny
    with pytest.raises(AdapterError, match="not an adapter dir"):
        vlm.load_adapter(model, "x", tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    cfg = json.loads((adapters["a"] / "adapter_config.json").read_text())
    cfg["lora_parameters"] = dict(cfg["lora_parameters"], rank=4)
    (bad / "adapter_config.json").write_text(json.dumps(cfg))
    (bad / "adapters.safetensors").write_bytes((adapters["a"] / "adapters.safetensors").read_bytes())
    with pytest.raises(AdapterError, match="do not fit the bank"):
        vlm.load_adapter(model, "x", bad)
    with pytest.raises(AdapterError, match="no counterpart"):
        vlm.map_adapter_keys({"model.layers.99.self_attn.q_proj.lora_a": 0}, model.bank._shapes)


def test_image_vector_is_unit_and_image_dependent(tiny):
    _, model, images, _ = tiny
    v0, v1 = (vlm.image_vector(model, im) for im in images)
    assert v0.ndim == 1 and abs(np.linalg.norm(v0) - 1) < 1e-4
    assert not np.allclose(v0, v1)


def test_missing_model_dir_is_named(tmp_path):
    with pytest.raises(vlm.VLMLoadError, match="cannot load VLM"):
        vlm.load_vlm(tmp_path / "nope")


# --- the VLM as the engine's one base: text operations and vqa share its adapter bank -------------

@pytest.fixture(scope="module")
def vlm_engine(tiny):
    from memlora_mlx.engine import Engine

    arch, model, images, adapters = tiny
    engine = Engine(str(model.path), adapters="none")
    for name, path in adapters.items():
        engine.load_adapter(name, path)
    return engine, images


def _text_logits(engine, adapter):
    import mlx.core as mx

    ids = engine.prompt_tokens([{"role": "user", "content": "Where does Caroline live?"}])

    def run():
        engine._use(adapter)
        return np.array(engine.model(mx.array(ids)[None])[0, -1].astype(mx.float32))

    return worker.run(run)


def test_engine_loads_a_vlm_as_the_base_for_text_ops(vlm_engine):
    engine, _ = vlm_engine
    assert engine.vlm is not None and engine.adapter_names == ["a", "b"]
    base, la, lb, la2, base2 = (_text_logits(engine, n) for n in (None, "a", "b", "a", None))
    assert not np.allclose(base, la, atol=1e-4) and not np.allclose(la, lb, atol=1e-4)
    np.testing.assert_allclose(la, la2, atol=1e-5)
    np.testing.assert_allclose(base, base2, atol=1e-5)
    msgs = [{"role": "user", "content": "Say something about Caroline and Caroline and Caroline."}]
    out = engine.generate(msgs, adapter="a", max_tokens=12)
    assert isinstance(out, str) and engine.last_stats["adapter"] == "a"
    saved = engine.draft_tokens
    try:
        engine.draft_tokens = 0
        engine.close()
        assert engine.generate(msgs, adapter="a", max_tokens=12) == out  # same tokens with and without drafts
    finally:
        engine.draft_tokens = saved


def test_engine_vlm_answers_about_pixels_in_the_same_bank(vlm_engine):
    from memlora_mlx.vision.pipeline import VisionPipeline, answer_about_images

    engine, images = vlm_engine
    direct = engine.generate_with_images("What colour is the sign?", [images[0]], adapter="b", max_tokens=6)
    assert isinstance(direct, str) and engine.active_adapter == "b"
    routed = answer_about_images(engine, "What colour is the sign?", [images[0]], adapter="b", max_tokens=6)
    assert routed == direct.strip()  # the pipeline uses the VLM base, not the demo vision model
    engine.generate([{"role": "user", "content": "hi"}], adapter="a", max_tokens=3)  # text op after an image op
    assert engine.active_adapter == "a"
    v = VisionPipeline().image_vector(images[1], engine)
    np.testing.assert_allclose(v, vlm.image_vector(engine.vlm, images[1]), atol=1e-6)


def test_text_engine_refuses_images_clearly(default_engine, tmp_path):
    from memlora_mlx.engine import GenerationError

    with pytest.raises(GenerationError, match="text model"):
        default_engine.generate_with_images("What is it?", [tmp_path / "x.png"])
