"""Memory operations: extract facts, decide updates, answer from memory, reply in the chat.

Each op module holds its static system prompt, a `build_messages` used by both runtime and
distillation (same text), a parser that never raises on model output, and a run function.
Modules: `ops.parsing`, `ops.extract`, `ops.update`, `ops.answer`, `ops.reply` (import them directly).
"""
