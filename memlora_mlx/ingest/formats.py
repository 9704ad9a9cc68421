"""Input formats for batch ingestion: LoCoMo JSON, JSONL turns, plain-text transcripts.

Every reader returns sessions of `SourceTurn`s (a Turn plus where it came from and its content hash) and a
list of `Issue`s (file, line, column, message) instead of raising on bad input, so one bad line never
loses the others. Long messages are split into chunks on sentence/whitespace boundaries, never truncated.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..types import Turn

FORMATS = ("auto", "locomo", "jsonl", "text")
MAX_TURN_CHARS = 1500  # longer messages are chunked (each chunk is its own turn, hash and journal row)


@dataclass
class Issue:
    path: str
    line: int | None
    col: int | None
    message: str
    level: str = "error"  # "error" (input skipped) | "warning" (input kept)

    def __str__(self):
        where = self.path + (f":{self.line}" if self.line else "") + (f":{self.col}" if self.col else "")
        return f"{where}: {self.level}: {self.message}"


@dataclass
class SourceTurn:
    turn: Turn
    source: str  # resolved path of the input file
    session: str  # session key within the file
    index: str  # position in the session ("3", or "3.2" for the third chunk of turn 3)
    user_id: str  # whose memory this turn feeds (speaker unless --user)
    session_date: str | None = None
    line: int | None = None

    @property
    def hash(self) -> str:
        return turn_hash(self.source, self.session, self.index, self.turn.speaker, self.turn.text)


@dataclass
class SourceSession:
    source: str
    key: str
    date: str | None
    when: datetime | None
    turns: list[SourceTurn] = field(default_factory=list)
    order: int = 0  # position in the file, tie-break for sorting


def turn_hash(source: str, session: str, index: str, speaker: str, text: str) -> str:
    h = hashlib.sha256("\x1f".join([source, session, index, speaker, text]).encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


# ---- encodings ---------------------------------------------------------------------------------------------

_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def decode_bytes(data: bytes, path: str = "") -> tuple[str, str, list[Issue]]:
    """(text, encoding, issues): BOM-detected UTF-8/16/32, else UTF-8, else BOM-less UTF-16, else latin-1."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc, []
            except UnicodeDecodeError as e:
                return data.decode(enc, errors="replace"), enc, [Issue(
                    path, None, None, f"invalid {enc} at byte {e.start}; bad bytes replaced", "warning")]
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as e:
        bad = e.start
    sample = data[:4096]
    if len(sample) >= 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        for enc, zeros in (("utf-16-le", odd), ("utf-16-be", even)):
            if zeros > len(sample) // 4:
                try:
                    return data.decode(enc), enc, []
                except UnicodeDecodeError:
                    pass
    return data.decode("latin-1"), "latin-1", [Issue(
        path, None, None, f"not UTF-8 (bad byte at offset {bad}); read as latin-1", "warning")]


# ---- dates, text helpers -----------------------------------------------------------------------------------

_DATE_FORMATS = ("%I:%M %p on %d %B, %Y", "%I:%M %p on %d %b, %Y", "%d %B, %Y", "%d %B %Y", "%B %d, %Y",
                 "%b %d, %Y", "%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y")


def parse_when(value) -> datetime | None:
    """Best-effort datetime of a date/time string; None when unknown."""
    if not isinstance(value, str) or not value.strip():
        return None
    s = " ".join(value.split())
    try:
        d = datetime.fromisoformat(s.replace("Z", "+00:00"))
        return d.replace(tzinfo=None)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    return None


_SENT_END = re.compile(r"(?<=[.!?。！？])\s+|\n\s*\n")


def chunk_text(text: str, limit: int = MAX_TURN_CHARS) -> list[str]:
    """Split `text` into pieces of at most `limit` chars on sentence ends, else whitespace, else hard.
    Concatenating the pieces with single spaces gives back all words of `text` (nothing dropped)."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    chunks, cur = [], ""
    for sent in _SENT_END.split(text):
        sent = sent.strip()
        while len(sent) > limit:
            cut = max(sent.rfind(" ", 0, limit + 1), sent.rfind("\n", 0, limit + 1))
            cut = cut if cut > 0 else limit
            if cur:
                chunks.append(cur)
                cur = ""
            chunks.append(sent[:cut].strip())
            sent = sent[cut:].strip()
        if not sent:
            continue
        if cur and len(cur) + 1 + len(sent) > limit:
            chunks.append(cur)
            cur = ""
        cur = f"{cur} {sent}" if cur else sent
    if cur:
        chunks.append(cur)
    return [c for c in chunks if c]


def _add_turn(sess: SourceSession, turn: Turn, index: int, user: str | None, line: int | None,
              issues: list[Issue]) -> None:
    text = turn.text.strip() if isinstance(turn.text, str) else ""
    if not text and not turn.image and not turn.caption:
        return  # empty turn: nothing to remember
    pieces = chunk_text(text) or [""]
    if len(pieces) > 1:
        issues.append(Issue(sess.source, line, None, f"message of {len(text)} chars split into "
                            f"{len(pieces)} chunks", "warning"))
    for c, piece in enumerate(pieces):
        t = Turn(**{**turn.__dict__, "text": piece})
        if c:  # the image/caption belongs to the first chunk only
            t.image = t.caption = None
        idx = str(index) if len(pieces) == 1 else f"{index}.{c}"
        sess.turns.append(SourceTurn(t, sess.source, sess.key, idx, user or turn.speaker, sess.date, line))


def _sorted(sessions: list[SourceSession]) -> list[SourceSession]:
    """Time order; undated sessions keep their file position (stable)."""
    sessions = [s for s in sessions if s.turns]
    for i, s in enumerate(sessions):
        s.order = i
    if all(s.when is not None for s in sessions):
        return sorted(sessions, key=lambda s: (s.when, s.order))
    return sessions


# ---- LoCoMo ------------------------------------------------------------------------------------------------

def read_locomo(path, user: str | None = None) -> tuple[list[SourceSession], list[Issue]]:
    from ..locomo import LocomoFormatError, load_conversations

    src = str(Path(path).resolve())
    try:
        convs = load_conversations([path])
    except (LocomoFormatError, OSError, UnicodeDecodeError) as e:
        m = re.search(r"line (\d+) column (\d+)", str(e))
        return [], [Issue(src, int(m.group(1)) if m else None, int(m.group(2)) if m else None,
                          f"not a valid LoCoMo file: {e}")]
    sessions, issues = [], []
    for conv in convs:
        for s in conv.sessions:
            key = f"{conv.sample_id}/session_{s.index}" if len(convs) > 1 else f"session_{s.index}"
            sess = SourceSession(src, key, s.date_time, s.date)
            for i, t in enumerate(s.turns):
                _add_turn(sess, t, i, user, None, issues)
            sessions.append(sess)
    return _sorted(sessions), issues


# ---- JSONL -------------------------------------------------------------------------------------------------

def _jsonl_turn(obj, src: str, lineno: int, issues: list[Issue]) -> tuple[Turn, str | None] | None:
    if not isinstance(obj, dict):
        issues.append(Issue(src, lineno, 1, f"expected a JSON object, got {type(obj).__name__}"))
        return None
    speaker = obj.get("speaker", obj.get("role"))
    text = obj.get("content", obj.get("text"))
    if not isinstance(speaker, str) or not speaker.strip():
        issues.append(Issue(src, lineno, None, "missing 'speaker' or 'role' (a non-empty string)"))
        return None
    if text is None:
        text = ""
    if not isinstance(text, str):
        issues.append(Issue(src, lineno, None, f"'content'/'text' must be a string, got {type(text).__name__}"))
        return None
    image = obj.get("image")
    if image is not None and not isinstance(image, str):
        issues.append(Issue(src, lineno, None, "'image' must be a path string; image ignored", "warning"))
        image = None
    ts = obj.get("timestamp")
    ts = None if ts is None else str(ts)
    session = obj.get("session")
    session = None if session is None else str(session)
    caption = obj.get("caption") if isinstance(obj.get("caption"), str) else None
    return Turn(speaker=speaker.strip(), text=text, timestamp=ts, image=image, caption=caption), session


def read_jsonl_text(text: str, src: str, user: str | None = None) -> tuple[list[SourceSession], list[Issue]]:
    issues: list[Issue] = []
    sessions: dict[str, SourceSession] = {}
    counts: dict[str, int] = {}
    stripped = text.lstrip()
    if stripped.startswith("["):  # a JSON array of turn objects is accepted too
        try:
            rows = [(None, o) for o in json.loads(text)]
        except json.JSONDecodeError as e:
            return [], [Issue(src, e.lineno, e.colno, f"malformed JSON: {e.msg}")]
    else:
        rows = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append((lineno, json.loads(line)))
            except (json.JSONDecodeError, RecursionError) as e:
                col = getattr(e, "colno", None)
                issues.append(Issue(src, lineno, col, f"malformed JSON: {getattr(e, 'msg', str(e))}"))
    for lineno, obj in rows:
        parsed = _jsonl_turn(obj, src, lineno, issues)
        if parsed is None:
            continue
        turn, skey = parsed
        when = parse_when(turn.timestamp)
        if skey is None:  # no session given: one session per calendar day (or one overall)
            skey = when.date().isoformat() if when else "1"
        sess = sessions.get(skey)
        if sess is None:
            sess = sessions[skey] = SourceSession(src, skey, turn.timestamp, when)
        elif sess.when is None and when is not None:
            sess.date, sess.when = turn.timestamp, when
        i = counts.get(skey, 0)
        counts[skey] = i + 1
        _add_turn(sess, turn, i, user, lineno, issues)
    return _sorted(list(sessions.values())), issues


# ---- plain text ----------------------------------------------------------------------------------------------

_SPEAKER = re.compile(r"^\s*([^\W\d_][\w .'\-]{0,39}?)\s*:\s?(.*)$")
_IMAGE = re.compile(r"\[image:\s*([^\]]+)\]", re.I)


def read_text_transcript(text: str, src: str, user: str | None = None) -> tuple[list[SourceSession], list[Issue]]:
    """`Speaker: text` lines; a blank line or a `# date` header starts a new session; other lines continue
    the previous message. `[image: path]` in a message attaches an image."""
    issues: list[Issue] = []
    sessions: list[SourceSession] = []
    pending: list[tuple[str, list[str], int]] = []  # (speaker, lines, lineno) of the current session
    header: str | None = None

    def flush():
        nonlocal pending, header
        if pending:
            key = str(len(sessions) + 1)
            sess = SourceSession(src, key, header, parse_when(header))
            for i, (speaker, lines, lineno) in enumerate(pending):
                body = "\n".join(lines)
                m = _IMAGE.search(body)
                image = m.group(1).strip() if m else None
                body = _IMAGE.sub("", body).strip()
                _add_turn(sess, Turn(speaker=speaker, text=body, image=image), i, user, lineno, issues)
            sessions.append(sess)
        pending = []

    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            flush()
            continue
        if line.lstrip().startswith("#"):
            flush()
            header = line.lstrip().lstrip("#").strip() or None
            continue
        m = _SPEAKER.match(line)
        if m:
            pending.append((m.group(1).strip(), [m.group(2)], lineno))
        elif pending:
            pending[-1][1].append(line.strip())
        else:
            issues.append(Issue(src, lineno, 1, "expected 'Speaker: text'; line skipped"))
    flush()
    return _sorted(sessions), issues


# ---- dispatch ----------------------------------------------------------------------------------------------

def detect_format(path: Path, text: str) -> str:
    ext = path.suffix.lower()
    if ext == ".jsonl":
        return "jsonl"
    head = text.lstrip()[:4096]
    if ext == ".json" or head.startswith(("{", "[")):
        if head.startswith("[") and '"speaker_a"' not in head and '"conversation"' not in head:
            return "jsonl"
        if '"speaker_a"' in head or '"conversation"' in head or '"session_1"' in head:
            return "locomo"
        return "jsonl"
    return "text"


def read_file(path, fmt: str = "auto", user: str | None = None) -> tuple[list[SourceSession], list[Issue], str]:
    """(sessions in time order, issues, format used) for one input file. Never raises on bad content."""
    p = Path(path)
    src = str(p.resolve())
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    try:
        data = p.read_bytes()
    except OSError as e:
        return [], [Issue(src, None, None, f"cannot read: {e.strerror or e}")], fmt
    text, enc, issues = decode_bytes(data, src)
    if fmt == "auto":
        fmt = detect_format(p, text)
    if fmt == "locomo":
        if enc not in ("utf-8", "utf-8-sig"):
            issues.append(Issue(src, None, None, f"LoCoMo files must be UTF-8 (found {enc})"))
            return [], issues, fmt
        sessions, more = read_locomo(p, user)
    elif fmt == "jsonl":
        sessions, more = read_jsonl_text(text, src, user)
    else:
        sessions, more = read_text_transcript(text, src, user)
    return sessions, issues + more, fmt
