"""The memory system: the `Memory` API over the ops, a LanceDB store and an embedder.

Modules: `memory` (`Memory`, `answer_context`), `store` (+ `store_index`, `lock`), `embedder`, `images`
(`check_image`, `store_image`), `messages` (`to_turns`, `chunk_turns`), `memory_io` (JSONL export/import),
`cli` (`memlora add|search|ask|memories|store`), `demo` (`memlora demo`).
Public names are imported on first use, so `memlora --help` stays fast.
"""

_FROM_MEMORY = ("Memory", "answer_context", "record_dict", "to_turns", "chunk_turns", "DEFAULT_DIM")


def __getattr__(name):
    if name in _FROM_MEMORY:
        from . import memory

        return getattr(memory, name)
    raise AttributeError(name)
