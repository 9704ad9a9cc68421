"""A bank of LoRA adapters on one base model, hot-swapped in place.

The base's target linears are wrapped with LoRA once; each adapter is only its `lora_a`/`lora_b`
arrays kept in memory, and `use(name)` swaps them in with one `model.update` (no reload). Adapters
use mlx-lm's on-disk format, so `mlx_lm.generate --adapter-path` loads them too.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten, tree_unflatten

# One structure for every operation's adapter so they can share the bank.
DEFAULT_LORA = {
    "rank": 8,
    "scale": 20.0,
    "dropout": 0.0,
    "keys": ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"],
}
OPS = ("extract", "update", "answer", "reply", "vqa")


class AdapterError(ValueError):
    pass


def num_layers(model: nn.Module) -> int:
    return len(model.layers)


def adapter_config(model: nn.Module, base_model_id: str, lora: dict | None = None, layers: int | None = None,
                   **extra) -> dict:
    """An mlx-lm compatible adapter_config.json for this bank (`layers`: the last N blocks; None = all)."""
    lora = dict(lora or DEFAULT_LORA)
    return {
        "fine_tune_type": "lora",
        "num_layers": layers or num_layers(model),
        "lora_parameters": lora,
        "base_model_id": base_model_id,
        **extra,
    }


def apply_lora(model: nn.Module, lora: dict | None = None, layers: int | None = None) -> None:
    """Wrap the target linears of the last `layers` blocks (None: every block) with LoRA (once).

    The bank wraps every block; an adapter trained on the last N loads with zeros elsewhere. Training
    fewer blocks saves the backward pass through the others (the CPU's lever on a 0.5B base)."""
    from mlx_lm.tuner.utils import linear_to_lora_layers

    model.freeze()
    linear_to_lora_layers(model, layers or num_layers(model), dict(lora or DEFAULT_LORA))


def lora_params(model: nn.Module) -> dict:
    return {k: v for k, v in tree_flatten(model.parameters()) if k.endswith((".lora_a", ".lora_b"))}


def save_adapter(model: nn.Module, out_dir: Path, config: dict) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    mx.save_safetensors(str(out_dir / "adapters.safetensors"), lora_params(model))
    (out_dir / "adapter_config.json").write_text(json.dumps(config, indent=2))


@dataclass
class AdapterBank:
    model: nn.Module
    base_model_id: str
    lora: dict = field(default_factory=lambda: dict(DEFAULT_LORA))
    adapters: dict = field(default_factory=dict)  # name -> {param: array}
    active: str | None = None

    def __post_init__(self):
        apply_lora(self.model, self.lora)
        self._shapes = {k: v.shape for k, v in lora_params(self.model).items()}
        # "No adapter" = zero lora_b: reproduces the base exactly.
        self._zero = {k: mx.zeros(s) for k, s in self._shapes.items() if k.endswith(".lora_b")}
        mx.eval(self._zero)
        self._set(self._zero)

    def _set(self, weights: dict) -> None:
        self.model.update(tree_unflatten(list(weights.items())))

    def check(self, path: Path) -> tuple[dict, dict]:
        """Validate an adapter dir against this bank; return (config, weights)."""
        path = Path(path)
        cfg_file, w_file = path / "adapter_config.json", path / "adapters.safetensors"
        if not cfg_file.is_file() or not w_file.is_file():
            raise AdapterError(f"{path}: not an adapter dir (needs adapter_config.json + adapters.safetensors)")
        try:
            cfg = json.loads(cfg_file.read_text())
        except json.JSONDecodeError as e:
            raise AdapterError(f"{cfg_file}: invalid JSON ({e})") from e
        if cfg.get("fine_tune_type", "lora") != "lora":
            raise AdapterError(f"{path}: fine_tune_type {cfg.get('fine_tune_type')!r} (bank holds LoRA only)")
        lp = cfg.get("lora_parameters", {})
        base = cfg.get("base_model_id")
        if base and base != self.base_model_id:
            raise AdapterError(f"{path}: trained for base {base!r}, loaded base is {self.base_model_id!r}")
        if lp.get("rank") != self.lora["rank"] or sorted(lp.get("keys") or []) != sorted(self.lora["keys"]):
            raise AdapterError(
                f"{path}: LoRA rank/keys {lp.get('rank')}/{lp.get('keys')} do not fit the bank "
                f"{self.lora['rank']}/{self.lora['keys']}"
            )
        if cfg.get("num_layers", 0) > num_layers(self.model):
            raise AdapterError(f"{path}: adapter has {cfg['num_layers']} layers, base has {num_layers(self.model)}")
        try:
            weights = mx.load(str(w_file))
        except Exception as e:  # noqa: BLE001
            raise AdapterError(f"{w_file}: unreadable ({e})") from e
        for k, v in weights.items():
            if k not in self._shapes:
                raise AdapterError(f"{path}: unexpected parameter {k} (adapter for another architecture?)")
            if tuple(v.shape) != tuple(self._shapes[k]):
                raise AdapterError(f"{path}: {k} has shape {tuple(v.shape)}, base needs {tuple(self._shapes[k])}")
        return cfg, weights

    def load(self, name: str, path: Path) -> dict:
        cfg, weights = self.check(path)
        # Fold a different scale into lora_b so the bank's fixed scale gives the same function.
        ratio = float(cfg["lora_parameters"].get("scale", self.lora["scale"])) / float(self.lora["scale"])
        full = dict(self._zero)  # layers the adapter does not cover stay zero
        for k, v in weights.items():
            v = v.astype(mx.float32)
            full[k] = v * ratio if (ratio != 1.0 and k.endswith(".lora_b")) else v
        for k, s in self._shapes.items():  # lora_a missing for uncovered layers: any value works with zero b
            if k not in full:
                full[k] = mx.zeros(s)
        mx.eval(full)
        self.adapters[name] = full
        if self.active == name:
            self._set(full)
        return cfg

    def unload(self, name: str) -> None:
        self.adapters.pop(name, None)
        if self.active == name:
            self.use(None)

    def use(self, name: str | None) -> None:
        if name == self.active:
            return
        if name is not None and name not in self.adapters:
            raise AdapterError(f"adapter {name!r} is not loaded (loaded: {sorted(self.adapters)})")
        self._set(self._zero if name is None else self.adapters[name])
        self.active = name
