"""MemLoRA-V: image memories and answering from pixels.

- `synth`: deterministic synthetic scenes with known ground truth (+ LoCoMo augmentation).
- `tiny_vision`: the project's demo vision model (encoder -> soft tokens in SmolLM2's input embeddings).
- `train_vision`: trains it and the `vqa` LoRA. (Real VLM bases through mlx-vlm: `memlora_mlx.engine.vlm`.)
- `pipeline`: `VisionPipeline` (image memories, answering from pixels) and `answer_about_images`. It works on
  the memory it is handed (engine, store, add, search) and imports nothing from the Memory API above it.
- `vqa_eval`: ingest -> retrieve -> answer -> score (`memlora eval vqa`).
Submodules are imported on demand (MLX loads only when needed).
"""
