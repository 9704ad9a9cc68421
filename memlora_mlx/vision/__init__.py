"""MemLoRA-V: image memories and answering from pixels.

- `synth`: deterministic synthetic scenes with known ground truth (+ LoCoMo augmentation).
- `tiny_vision`: the project's demo vision model (encoder -> soft tokens in SmolLM2's input embeddings).
- `train_vision`: trains it and the `vqa` LoRA.  `vlm`: real VLMs through mlx-vlm with the LoRA bank.
- `pipeline`: `VisionPipeline` (image memories, answering from pixels) and `answer_about_images`.
- `vqa_eval`: ingest -> retrieve -> answer -> score (`memlora eval vqa`).
Submodules are imported on demand (MLX loads only when needed).
"""
