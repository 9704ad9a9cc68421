"""The engine: one resident base model, a bank of per-operation LoRA adapters, generation on one MLX thread.

Modules: `engine` (`Engine`), `models` (presets, loading, compute form), `gguf_import` (embedded GGUF -> mlx-lm
dir), `adapters` (the LoRA bank), `decode` (prompt-lookup decoding), `constrained` (JSON-schema masks), `worker`
(the MLX thread), `blas` (OpenBLAS preload), `vlm` (mlx-vlm bases), `doctor` (`memlora doctor`).
Nothing here imports the memory system, the ops or the UI. `Engine` is imported on first use (keeps MLX out of
`import memlora_mlx.engine.blas`, which must run before anything imports `mlx.core`).
"""


def __getattr__(name):
    if name in ("Engine", "GenerationError"):
        from . import engine

        return getattr(engine, name)
    raise AttributeError(name)
