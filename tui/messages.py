"""Typed messages that thread workers post to the UI (post_message is thread-safe), and `describe(e)`:
the user-facing text for an exception they report."""

from dataclasses import dataclass, field

from textual.message import Message


@dataclass
class BackendReady(Message):
    """Model and store are loaded; `model_id` for the status bar."""

    model_id: str


@dataclass
class BackendFailed(Message):
    """Loading the model or opening the store failed (e.g. StoreLockedError)."""

    error: str


@dataclass
class ReplyStarted(Message):
    reply_id: int
    memories: list[str] = field(default_factory=list)  # the memory texts given to the reply (the recall note)
    understood: str = ""  # the message with a follow-up's pronouns resolved, when that changed it


@dataclass
class ReplyChunk(Message):
    reply_id: int
    text: str


@dataclass
class ReplyDone(Message):
    reply_id: int
    text: str  # the reply as generated (the partial text when stopped)
    prompt: str = ""  # the user's chat message: the memory pipeline runs over it next ("" for image replies)
    stopped: bool = False  # Esc ended it early
    ungrounded: tuple[str, ...] = ()  # names/numbers the draft made up; `text` is then what replaced it


@dataclass
class ReplyFailed(Message):
    reply_id: int
    error: str
    prompt: str  # what the user typed, restored into the input


@dataclass
class MemoryChanged(Message):
    """One ADD/UPDATE/DELETE from the memory pipeline (or a direct edit)."""

    event: str
    memory_id: str | None
    text: str | None


@dataclass
class MemoriesLoaded(Message):
    memories: list[dict]  # newest first
    query: str
    count: int  # all of this user's memories


@dataclass
class EngineEvent(Message):
    """Adapter switch ({"type": "adapter", "name"}) or generation stats ({"type": "stats", ...})."""

    event: dict


@dataclass
class PipelineStatus(Message):
    """Background pipeline started (busy=True) or finished; `detail` for the status bar."""

    busy: bool
    detail: str = ""


@dataclass
class Notice(Message):
    """A line for the chat list: kind is "info", "error" or "result"."""

    text: str
    kind: str = "info"
    title: str = ""
    restore: str = ""  # input text to put back (on failures)


@dataclass
class IngestProgress(Message):
    done: int
    total: int | None
    detail: str = ""


@dataclass
class IngestDone(Message):
    summary: str
    error: str | None = None


@dataclass
class ForgetCandidates(Message):
    query: str
    candidates: list[dict]


@dataclass
class ImageReady(Message):
    """An image passed the checks and can be shown and attached."""

    path: object  # pathlib.Path


class RefreshMemories(Message):
    """Something changed the store: reload the memory panel and the count."""


def describe(e: BaseException) -> str:
    """A specific, user-facing message for an exception."""
    name = type(e).__name__
    if name == "StoreLockedError":
        return f"store locked: {e} — close the other memlora process or use --store DIR"
    if isinstance(e, (FileNotFoundError, ModuleNotFoundError)):
        return f"missing: {e}"
    return f"{name}: {e}" if str(e) else name
