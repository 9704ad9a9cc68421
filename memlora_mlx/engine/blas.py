"""Load an optimized BLAS into the process before MLX does (Linux CPU only).

The `mlx[cpu]` wheel links a reference BLAS (~6 GFLOPS fp32). Loading an OpenBLAS with
RTLD_GLOBAL before `mlx.core` is imported makes MLX's sgemm resolve to it (~200 GFLOPS).
"""

import ctypes
import glob
import os
import sys
from pathlib import Path

_loaded: str | None = None


def candidates() -> list[str]:
    found = []
    if os.environ.get("MEMLORA_BLAS"):
        found.append(os.environ["MEMLORA_BLAS"])
    for entry in sys.path:
        found += sorted(glob.glob(os.path.join(entry, "opencv_python.libs", "libopenblas*.so*")))
        found += sorted(glob.glob(os.path.join(entry, "numpy.libs", "libscipy_openblas*.so*")))
    for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"):
        found += sorted(glob.glob(os.path.join(d, "libopenblas*.so*")))
    return found


def preload() -> str | None:
    """Preload the first working OpenBLAS. Returns its path, or None (macOS, disabled, none found)."""
    global _loaded
    if _loaded or sys.platform != "linux" or os.environ.get("MEMLORA_BLAS") == "none":
        return _loaded
    if "mlx.core" in sys.modules:
        return None  # too late: MLX already bound its BLAS
    for path in candidates():
        try:
            ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        except OSError:
            continue
        _loaded = path
        return path
    return None


def active() -> str | None:
    """Path of the preloaded BLAS, if any."""
    return _loaded


def describe() -> str:
    if sys.platform == "darwin":
        return "Accelerate (macOS)"
    return Path(_loaded).name if _loaded else "reference BLAS (slow)"
