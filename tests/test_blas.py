"""The preloaded OpenBLAS runs kernels for this CPU, not its generic fallback."""

import json
import os
import subprocess
import sys

import pytest

from memlora_mlx.engine import blas


def test_coretype_from_cpu_flags():
    assert blas.coretype({"sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl",
                          "avx512cd"}) == "SkylakeX"
    assert blas.coretype({"sse3", "avx", "avx2", "fma", "avx512f"}) == "Haswell"  # partial AVX-512
    assert blas.coretype({"sse3", "avx", "avx2", "fma"}) == "Haswell"
    assert blas.coretype({"sse3", "avx"}) is None
    assert blas.coretype(set()) is None


def test_cpu_flags_reads_the_flags_line(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: X\nflags\t\t: fpu sse3 avx2 fma\nbugs\t\t: spectre\n")
    assert blas.cpu_flags(str(info)) == {"fpu", "sse3", "avx2", "fma"}
    assert blas.cpu_flags(str(tmp_path / "missing")) == set()


_CHILD = """
import json
import numpy as np
from memlora_mlx.engine import blas
path = blas.preload()
import mlx.core as mx
a = np.random.default_rng(0).standard_normal((64, 96)).astype(np.float32)
b = np.random.default_rng(1).standard_normal((96, 80)).astype(np.float32)
out = np.array(mx.array(a) @ mx.array(b))
print(json.dumps({"path": path, "core": blas.corename(), "err": float(np.abs(out - a @ b).max())}))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="OpenBLAS is preloaded on Linux only")
def test_preloaded_openblas_uses_this_cpus_kernels():
    flags = blas.cpu_flags()
    if blas.coretype(flags) is None:
        pytest.skip("CPU without AVX2: OpenBLAS's own detection is kept")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "MEMLORA_BLAS")}
    done = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    if got["path"] is None:
        pytest.skip("no OpenBLAS found to preload")
    assert got["core"] == blas.coretype(flags)  # not "Prescott", 0.3.15's fallback for CPUs it does not know
    assert got["err"] < 1e-3


@pytest.mark.skipif(sys.platform != "linux", reason="OpenBLAS is preloaded on Linux only")
def test_doctor_warns_when_openblas_runs_generic_kernels():
    best = blas.coretype(blas.cpu_flags())
    if best is None:
        pytest.skip("CPU without AVX2")
    env = {**os.environ, "OPENBLAS_CORETYPE": "Prescott"}  # what 0.3.15 picks by itself on CPUs it does not know
    done = subprocess.run([sys.executable, "-m", "memlora_mlx.cli", "doctor", "--json"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout.strip().splitlines()[-1])
    if "Prescott" not in info["blas"]:
        pytest.skip("no OpenBLAS found to preload")
    assert any(f"OPENBLAS_CORETYPE={best}" in w for w in info["warnings"])
