"""The thin layer between the TUI and the Memory API; `conversation` (memlora_mlx.chat) holds the chat's turns
and streams its replies. Every method here blocks: call it from a
thread worker, never from the UI thread. Model work itself runs on the MLX thread (Memory and
Engine dispatch to `memlora_mlx.engine.worker`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

FORGET_CANDIDATES = 5


class VisionUnavailable(RuntimeError):
    """No vision model is loaded: questions about an image cannot be answered."""


@dataclass
class Backend:
    memory: object  # memlora_mlx.memory.Memory
    engine: object | None = None  # defaults to memory.engine
    user_id: str = "me"
    model_reason: str = ""  # why this model: set when the default preset was chosen
    history_tokens: int | None = None  # earlier turns in the reply prompt (None: the reply op's default)

    def __post_init__(self):
        from memlora_mlx.chat.conversation import Conversation

        if self.engine is None:
            self.engine = self.memory.engine
        budget = {} if self.history_tokens is None else {"history_budget": self.history_tokens}
        self.conversation = Conversation(self.memory, self.user_id, engine=self.engine, **budget)
        self._pipeline_lock = self.conversation.lock  # every memory write (pipeline, /remember, images) in order

    # -- events -------------------------------------------------------------------------------
    def attach(self, on_memory_event: Callable[[dict], None], on_engine_event: Callable[[dict], None]):
        """Subscribe to ADD/UPDATE/DELETE from the Memory API and adapter/stats from the Engine."""
        mine = lambda ev: ev.get("user_id") in (None, self.user_id) and on_memory_event(ev)  # noqa: E731
        self.memory.add_listener(mine)
        self.engine.add_listener(on_engine_event)

    @property
    def model_id(self) -> str:
        return str(self.engine.model_id)

    # -- chat: replies and the memory pipeline live in `self.conversation` (memlora_mlx.chat) ----------
    def remember_turn(self, message: str, reply: str) -> list[dict]:
        """The memory pipeline over one chat message (after its reply; in order with other writes)."""
        return self.conversation.remember(message, reply)

    # -- memory verbs -------------------------------------------------------------------------
    def remember(self, text: str) -> list[dict]:
        """Store `text` as given (no extraction): `/remember`."""
        with self._pipeline_lock:
            return self.memory.add(text, user_id=self.user_id, infer=False)["results"]

    def search(self, query: str, limit: int = 10) -> list[dict]:
        return self.memory.search(query, user_id=self.user_id, limit=limit)["results"]

    def list_memories(self, query: str = "") -> list[dict]:
        """The user's memories, newest first; `query` filters by search when given."""
        if query.strip():
            return self.search(query, limit=50)
        rows = self.memory.get_all(user_id=self.user_id)["results"]
        return sorted(rows, key=_recency, reverse=True)

    def count(self) -> int:
        return len(self.memory.get_all(user_id=self.user_id)["results"])

    def forget_candidates(self, query: str) -> list[dict]:
        return self.search(query, limit=FORGET_CANDIDATES)

    def delete(self, memory_id: str):
        return self.memory.delete(memory_id)

    def update(self, memory_id: str, text: str):
        return self.memory.update(memory_id, text)

    def history(self, memory_id: str) -> list[dict]:
        return self.memory.history(memory_id)

    def export(self, path: str | Path):
        """Write this user's memories to `path` (JSONL with history). Returns the counts."""
        return self.memory.export(Path(path).expanduser(), user_id=self.user_id)

    def ingest(self, path: str | Path, progress: Callable[[int, int | None, str], None]):
        """Batch-ingest a transcript file/folder into this user's memories. Returns an IngestReport."""
        from memlora_mlx.ingest import ingest, read_inputs

        src = [Path(path).expanduser()]
        sessions, _ = read_inputs(src, "auto", self.user_id)  # cheap parse, for the progress total
        total = sum(len(s.turns) for s in sessions) or None
        done = [0]

        def on_turn(turn, _result):
            done[0] += 1
            progress(done[0], total, Path(turn.source).name)

        progress(0, total, src[0].name)
        return ingest(src, self.memory, user=self.user_id, progress=False, on_turn=on_turn)

    # -- images -------------------------------------------------------------------------------
    def check_image(self, path: str | Path) -> Path:
        """Validate an image file; raises ValueError (or images.ImageRefused) naming the problem."""
        from memlora_mlx.memory.images import check_image

        return check_image(Path(path).expanduser()).path

    def vision_unavailable(self) -> str:
        from memlora_mlx.vision.pipeline import unavailable_message

        return unavailable_message(self.model_id)

    def add_image(self, path: Path, caption: str | None = None) -> list[dict] | None:
        """Store an image memory (`Memory.add` of an image turn); None when no vision model is loaded for this base."""
        from memlora_mlx.types import Turn

        if self.memory.vision is None:
            return None
        with self._pipeline_lock:
            return self.memory.add([Turn(self.user_id, "", image=str(path), caption=caption)],
                                   user_id=self.user_id)["results"]

    def ask_image(self, path: Path, question: str) -> Iterator[str]:
        """Answer a question about an image from its pixels (the Memory's vision pipeline, vqa adapter)."""
        if self.memory.vision is None:
            raise VisionUnavailable(self.vision_unavailable())
        yield self.memory.vision.answer_image(self.engine, question, path)


def load_backend(store: str | Path | None, model: str | None, user_id: str,
                 history_tokens: int | None = None) -> Backend:
    """Open the memory store, then load the engine and embedder (slow: run in a thread worker).
    The store opens first so a locked store fails at once, before the model load."""
    from memlora_mlx.memory import Memory

    memory = Memory(store=Path(store).expanduser() if store else None, model=model)
    try:
        engine = memory.engine
        memory.embedder  # noqa: B018 - load now, not on the first message
        reason = ""
        if model in (None, "", "default"):
            from memlora_mlx.engine.models import default_preset

            reason = default_preset()[1].partition(": ")[2]
        backend = Backend(memory=memory, engine=engine, user_id=user_id, model_reason=reason,
                          history_tokens=history_tokens)
        backend.conversation.warm()  # the reply's system prefix into the cache: a quick first token
    except BaseException:
        memory.close()
        raise
    return backend


def _recency(row: dict) -> str:
    return str(row.get("updated_at") or row.get("created_at") or "")
