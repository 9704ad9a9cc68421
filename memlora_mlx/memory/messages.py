"""Normalise what callers pass to `Memory.add` (a string, chat dicts, Turns) into turns, and cut long
conversations into extract-sized chunks."""

from ..ops import extract as extract_op
from ..types import Turn

# Extract calls see windows like the ones the extract adapter was trained on (distill --window 4, ~660
# characters): longer windows made it return as few facts per call, i.e. far fewer facts per turn.
MAX_EXTRACT_TURNS = 4
MAX_EXTRACT_CHARS = 1200


def to_turns(messages, user_id: str) -> list[Turn]:
    """str | list of chat dicts {role, content, name?} | list[Turn] -> turns (system messages dropped)."""
    if isinstance(messages, str):
        return [Turn(user_id, messages)] if messages.strip() else []
    if isinstance(messages, (Turn, dict)):
        messages = [messages]
    if not isinstance(messages, list):
        raise TypeError(f"messages must be a str, a list of chat dicts or a list of Turn, got {type(messages).__name__}")
    turns = []
    for i, m in enumerate(messages):
        if isinstance(m, Turn):
            turns.append(m)
        elif isinstance(m, dict):
            role, content = m.get("role", "user"), m.get("content")
            if not isinstance(content, str):
                raise TypeError(f"messages[{i}].content must be a str, got {type(content).__name__}")
            if role == "system" or not content.strip():
                continue
            turns.append(Turn(m.get("name") or (user_id if role == "user" else "Assistant"), content,
                              image=m.get("image"), timestamp=m.get("timestamp")))
        elif isinstance(m, str):
            turns.append(Turn(user_id, m))
        else:
            raise TypeError(f"messages[{i}] must be a chat dict, a str or a Turn, got {type(m).__name__}")
    return [t for t in turns if (t.text or "").strip() or t.caption or t.image]


def chunk_turns(turns: list[Turn], max_chars: int = MAX_EXTRACT_CHARS,
                max_turns: int = MAX_EXTRACT_TURNS) -> list[list[Turn]]:
    chunks, cur, size = [], [], 0
    for t in turns:
        n = len(extract_op.format_turn(t))
        if cur and (size + n > max_chars or len(cur) >= max_turns):
            chunks.append(cur)
            cur, size = [], 0
        cur.append(t)
        size += n
    return chunks + ([cur] if cur else [])
