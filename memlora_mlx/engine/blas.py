"""Load an optimized BLAS into the process before MLX does (Linux CPU only).

The `mlx[cpu]` wheel links a reference BLAS (~6 GFLOPS fp32). Loading an OpenBLAS with
RTLD_GLOBAL before `mlx.core` is imported makes MLX's sgemm resolve to it (~200 GFLOPS).

The bundled OpenBLAS (0.3.15) does not know newer CPUs (Ice Lake server, model 106) and falls back to its
Prescott (SSE3) kernels at ~38 GFLOPS; unless OPENBLAS_CORETYPE is set, it is set from the CPU's flags first.
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


# OpenBLAS's own choice for these instruction sets (it maps Zen to Haswell, Zen 4 to SkylakeX).
_AVX512 = {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"}
_AVX2 = {"avx2", "fma"}


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> set[str]:
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def coretype(flags: set[str]) -> str | None:
    """OpenBLAS core type for an x86-64 CPU with these flags (None: leave OpenBLAS's detection)."""
    if _AVX512 <= flags:
        return "SkylakeX"
    if _AVX2 <= flags:
        return "Haswell"
    return None


def preload() -> str | None:
    """Preload the first working OpenBLAS. Returns its path, or None (macOS, disabled, none found)."""
    global _loaded
    if _loaded or sys.platform != "linux" or os.environ.get("MEMLORA_BLAS") == "none":
        return _loaded
    if "mlx.core" in sys.modules:
        return None  # too late: MLX already bound its BLAS
    core = coretype(cpu_flags())
    if core and not os.environ.get("OPENBLAS_CORETYPE"):
        os.environ["OPENBLAS_CORETYPE"] = core  # read by OpenBLAS when it loads
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


def corename() -> str | None:
    """Kernel set the preloaded OpenBLAS runs ("SkylakeX", "Haswell", "Prescott" …), if it says."""
    if not _loaded:
        return None
    fn = getattr(ctypes.CDLL(_loaded), "openblas_get_corename", None)
    if fn is None:
        return None
    fn.restype = ctypes.c_char_p
    return fn().decode()


def describe() -> str:
    if sys.platform == "darwin":
        return "Accelerate (macOS)"
    if not _loaded:
        return "reference BLAS (slow)"
    core = corename()
    return f"{Path(_loaded).name} ({core})" if core else Path(_loaded).name
