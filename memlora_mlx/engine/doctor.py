"""`memlora doctor`: which device, BLAS and compute form are in use, and how fast GEMM really is."""

import json
import platform
import sys
import time

from . import blas, worker


def gemm_gflops(n: int = 1024, dtype: str = "float32", reps: int = 5) -> float:
    import mlx.core as mx

    def run():
        a = mx.random.normal((n, n)).astype(getattr(mx, dtype))
        mx.eval(a @ a)
        t = time.perf_counter()
        for _ in range(reps):
            mx.eval(a @ a)
        return 2 * n**3 * reps / (time.perf_counter() - t) / 1e9

    return worker.run(run)


def report() -> dict:
    import mlx.core as mx

    from .models import default_compute, default_preset

    dev = worker.run(mx.default_device)
    info = {
        "platform": f"{platform.system()} {platform.machine()}",
        "python": sys.version.split()[0],
        "mlx": mx.__version__,
        "device": str(dev),
        "blas": blas.describe(),
        "compute": worker.run(default_compute),
        "model": worker.run(lambda: default_preset()[1]),
        "gemm_fp32_gflops": round(gemm_gflops(), 1),
    }
    warnings = []
    if "cpu" in info["device"].lower() and sys.platform == "linux" and not blas.active():
        warnings.append("slow path: reference BLAS in use (install an OpenBLAS, e.g. `uv sync` brings opencv's)")
    best, core = blas.coretype(blas.cpu_flags()), blas.corename()
    if best and core and core.lower() in ("prescott", "katmai", "core2", "penryn", "dunnington", "nehalem", "atom"):
        warnings.append(f"OpenBLAS runs its {core} kernels on a CPU with {best}'s instructions: "
                        f"set OPENBLAS_CORETYPE={best}")
    if info["gemm_fp32_gflops"] < 30 and "cpu" in info["device"].lower():
        warnings.append(f"fp32 GEMM at {info['gemm_fp32_gflops']} GFLOPS: expect slow prefill")
    info["warnings"] = warnings
    return info


def add_parser(sub, name):
    p = sub.add_parser(name, help="report device, BLAS, compute dtype and GEMM speed")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    info = report()
    if args.json:
        print(json.dumps(info))
        return 0
    for k, v in info.items():
        if k != "warnings":
            print(f"{k:18} {v}")
    for w in info["warnings"]:
        print(f"WARNING: {w}")
    return 0
