"""memlora-mlx: on-device memory with per-operation LoRA adapters on one small MLX model."""

from .engine import blas as _blas

_blas.preload()  # must run before anything imports mlx.core

__version__ = "0.1.0"


def __getattr__(name):
    # Lazy exports keep `import memlora_mlx` (and `memlora --help`) fast.
    if name == "Memory":
        from .memory import Memory

        return Memory
    if name == "Engine":
        from .engine import Engine

        return Engine
    raise AttributeError(name)
