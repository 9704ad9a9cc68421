"""Real VLMs through mlx-vlm (SmolVLM/idefics3, Qwen2-VL, ...) with the project's LoRA bank on the language model.

Adapters keep mlx-lm's on-disk format (`model.layers.N.self_attn.q_proj.lora_a`). mlx-vlm names the same
parameters `language_model.model.layers.N...` (Qwen2-VL) or `language_model.layers.N...` (idefics3/SmolVLM);
keys are matched on their `layers.N.<rest>` tail, so one adapter file serves the text engine and a VLM.
All MLX work runs on the worker thread.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from memlora_mlx.engine import worker
from memlora_mlx.engine.adapters import DEFAULT_LORA, AdapterBank, AdapterError

_TAIL = re.compile(r"(?:^|\.)(layers\.\d+\..+)$")


class VLMLoadError(RuntimeError):
    pass


@dataclass
class VLM:
    model: object  # mlx_vlm model
    processor: object
    config: object
    path: Path
    bank: AdapterBank  # over model.language_model
    adapter_configs: dict = field(default_factory=dict)

    @property
    def language_model(self):
        return self.model.language_model


def tail_key(key: str) -> str:
    """'language_model.model.layers.3.self_attn.q_proj.lora_a' -> 'layers.3.self_attn.q_proj.lora_a'."""
    m = _TAIL.search(key)
    if not m:
        raise AdapterError(f"parameter {key!r} is not inside a transformer layer (no 'layers.N.' in its name)")
    return m.group(1)


def map_adapter_keys(weights: dict, target_keys) -> dict:
    """Rename adapter weights to the target model's names (matched on the `layers.N.<rest>` tail)."""
    by_tail = {tail_key(k): k for k in target_keys}
    out = {}
    for k, v in weights.items():
        t = tail_key(k)
        if t not in by_tail:
            raise AdapterError(f"adapter parameter {k!r} has no counterpart in the model (looked for '*{t}')")
        out[by_tail[t]] = v
    return out


def mlx_lm_keys(weights: dict) -> dict:
    """Any naming -> mlx-lm's `model.layers.N...` (the bank's on-disk format)."""
    return {"model." + tail_key(k): v for k, v in weights.items()}


def mlx_vlm_keys(weights: dict, vlm: "VLM") -> dict:
    """Any naming -> this VLM's full parameter names (`language_model.[model.]layers.N...`)."""
    full = ["language_model." + k for k in vlm.bank._shapes]
    return map_adapter_keys(weights, full)


def is_vlm_dir(path) -> bool:
    """A checkpoint with a vision tower (mlx-vlm's business), judged from config.json."""
    try:
        cfg = json.loads((Path(path) / "config.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(cfg, dict) and "vision_config" in cfg


class TextView:
    """A VLM's language model seen as an mlx-lm model: `view(ids, cache=) -> logits`, `.layers`,
    `make_cache()`, `.args` — so the engine's text generation (mlx-lm loop, prompt lookup, prompt
    caches) runs on the VLM's own weights, with the same LoRA bank the vqa adapter uses."""

    def __init__(self, lm, config):
        self.lm = lm
        text = getattr(config, "text_config", config)
        get = text.get if isinstance(text, dict) else (lambda k, d=None: getattr(text, k, d))
        from types import SimpleNamespace

        self.args = SimpleNamespace(max_position_embeddings=get("max_position_embeddings", 2048),
                                    vocab_size=get("vocab_size", 0))

    @property
    def layers(self):
        return self.lm.layers

    def make_cache(self):
        from mlx_lm.models.cache import KVCache

        return [KVCache() for _ in self.lm.layers]

    def parameters(self):
        return self.lm.parameters()

    def __call__(self, inputs, cache=None, **kwargs):
        # Text only: drop multimodal RoPE state left by an image generation (Qwen2-VL keeps
        # `_position_ids`/`_rope_deltas` across calls); text positions are plain offsets.
        if hasattr(self.lm, "_position_ids"):
            import mlx.core as mx

            self.lm._position_ids = None
            self.lm._rope_deltas = mx.zeros((1, 1), dtype=mx.int32)
        out = self.lm(inputs, cache=cache, **kwargs)
        return getattr(out, "logits", out)


def text_tokenizer(processor):
    """mlx-lm TokenizerWrapper over the VLM processor's tokenizer (chat template from the processor
    when the tokenizer has none)."""
    from mlx_lm.tokenizer_utils import TokenizerWrapper

    tok = getattr(processor, "tokenizer", processor)
    if not getattr(tok, "chat_template", None) and getattr(processor, "chat_template", None):
        tok.chat_template = processor.chat_template
    return TokenizerWrapper(tok)


def _load(path_or_id: str, lora: dict, compute: str = "as-is"):
    from mlx_vlm import load

    p = Path(str(path_or_id)).expanduser()
    if not p.exists() and (p.is_absolute() or str(path_or_id).startswith((".", "~")) or str(path_or_id).count("/") > 1):
        raise VLMLoadError(f"cannot load VLM {path_or_id!r}: no such directory")  # never fall through to the Hub
    try:
        model, processor = load(str(path_or_id))
    except Exception as e:  # noqa: BLE001 - name the model in the error
        raise VLMLoadError(f"cannot load VLM {path_or_id!r}: {type(e).__name__}: {e}") from e
    if not hasattr(model, "language_model") or not hasattr(model.language_model, "layers"):
        raise VLMLoadError(f"{path_or_id}: {type(model).__name__} has no language_model.layers to put LoRA on")
    if compute == "fp32":  # before LoRA wrapping, like the text path (models.load_model)
        from memlora_mlx.engine.models import dequantize_model

        dequantize_model(model)
    model.eval()
    bank = AdapterBank(model.language_model, Path(str(path_or_id)).name, lora=dict(lora))
    return VLM(model=model, processor=processor, config=model.config, path=Path(str(path_or_id)), bank=bank)


def load_vlm(path_or_id, lora: dict | None = None) -> VLM:
    """Load a VLM (local dir, or HF id: needs network) and wrap its language model with the LoRA bank."""
    return worker.run(_load, path_or_id, lora or DEFAULT_LORA)


def _load_adapter(vlm: VLM, name: str, path: Path) -> dict:
    import mlx.core as mx

    path = Path(path)
    cfg_file, w_file = path / "adapter_config.json", path / "adapters.safetensors"
    if not cfg_file.is_file() or not w_file.is_file():
        raise AdapterError(f"{path}: not an adapter dir (needs adapter_config.json + adapters.safetensors)")
    cfg = json.loads(cfg_file.read_text())
    lp, bank = cfg.get("lora_parameters", {}), vlm.bank
    if lp.get("rank") != bank.lora["rank"] or sorted(lp.get("keys") or []) != sorted(bank.lora["keys"]):
        raise AdapterError(f"{path}: LoRA rank/keys {lp.get('rank')}/{lp.get('keys')} do not fit the bank "
                           f"{bank.lora['rank']}/{bank.lora['keys']}")
    weights = map_adapter_keys(mx.load(str(w_file)), bank._shapes)
    ratio = float(lp.get("scale", bank.lora["scale"])) / float(bank.lora["scale"])
    full = dict(bank._zero)
    for k, v in weights.items():
        if tuple(v.shape) != tuple(bank._shapes[k]):
            raise AdapterError(f"{path}: {k} has shape {tuple(v.shape)}, model needs {tuple(bank._shapes[k])}")
        v = v.astype(mx.float32)
        full[k] = v * ratio if ratio != 1.0 and k.endswith(".lora_b") else v
    for k, s in bank._shapes.items():
        full.setdefault(k, mx.zeros(s))
    mx.eval(full)
    bank.adapters[name] = full
    vlm.adapter_configs[name] = cfg
    if bank.active == name:
        bank._set(full)
    return cfg


def load_adapter(vlm: VLM, name: str, path) -> dict:
    """Load an mlx-lm format adapter (or one saved with mlx-vlm names) into the VLM's bank."""
    return worker.run(_load_adapter, vlm, name, Path(path))


def use(vlm: VLM, name: str | None) -> None:
    worker.run(vlm.bank.use, name)


def save_adapter(vlm: VLM, out_dir, base_model_id: str | None = None, **extra) -> None:
    """Write the active LoRA weights in mlx-lm format (keys `model.layers.N...`)."""
    import mlx.core as mx

    from memlora_mlx.engine.adapters import lora_params

    def run():
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        mx.save_safetensors(str(out / "adapters.safetensors"), mlx_lm_keys(lora_params(vlm.language_model)))
        cfg = {"fine_tune_type": "lora", "num_layers": len(vlm.language_model.layers), "lora_parameters": vlm.bank.lora,
               "base_model_id": base_model_id or vlm.path.name, **extra}
        (out / "adapter_config.json").write_text(json.dumps(cfg, indent=2))

    worker.run(run)


def _generate(vlm: VLM, prompt: str, images: list, max_tokens: int, adapter, temperature: float) -> str:
    from mlx_vlm import generate
    from mlx_vlm.prompt_utils import apply_chat_template

    if adapter is not False:
        vlm.bank.use(adapter)
    images = [str(p) for p in images]
    text = apply_chat_template(vlm.processor, vlm.config, prompt, num_images=len(images))
    res = generate(vlm.model, vlm.processor, text, images or None, max_tokens=max_tokens, temperature=temperature,
                   verbose=False)
    return getattr(res, "text", res)


def generate_vlm(vlm: VLM, prompt: str, images=(), *, max_tokens: int = 32, adapter=False,
                 temperature: float = 0.0) -> str:
    """Answer `prompt` about `images` (paths). adapter: a loaded name, None (bare base), False (leave as is)."""
    for p in images:
        if not Path(p).is_file():
            raise FileNotFoundError(f"image not found: {p}")
    return worker.run(_generate, vlm, prompt, list(images), max_tokens, adapter, temperature)


def image_vector(vlm: VLM, image) -> "object":
    """Pooled, L2-normalised vision features (mean over the projected image tokens) as a numpy vector."""
    import numpy as np

    def run():
        import mlx.core as mx
        from mlx_vlm.prompt_utils import apply_chat_template
        from mlx_vlm.utils import prepare_inputs

        text = apply_chat_template(vlm.processor, vlm.config, "", num_images=1)
        inputs = prepare_inputs(vlm.processor, images=[str(image)], prompts=[text])
        ids = inputs["input_ids"]
        extra = {k: v for k, v in inputs.items() if k not in ("input_ids", "pixel_values", "attention_mask")}
        emb = vlm.model.get_input_embeddings(ids, inputs["pixel_values"], **extra).inputs_embeds
        img_id = getattr(vlm.config, "image_token_index", None) or getattr(vlm.config, "image_token_id", None)
        e = np.array(emb[0].astype(mx.float32))
        mask = np.array(ids[0]) == img_id
        v = e[mask].mean(axis=0) if mask.any() else e.mean(axis=0)
        return v / max(float(np.linalg.norm(v)), 1e-6)

    return worker.run(run)
