"""LoCoMo conversations (snap-research/locomo) as plain dataclasses.

Reads the per-conversation JSON of the release (`multimodal_dialog/locomo10_v2/conv-26.json`: a flat
object with `speaker_a`, `session_N`, `session_N_date_time`, `session_N_observation`, `qa`, ...) and the
combined `locomo10.json` (a list of `{sample_id, conversation: {...}, qa, observation, session_summary}`).
Only sessions that have turns are kept (files list `session_N_date_time` for empty sessions too).
Every malformed field raises `LocomoFormatError` naming the file and the field path.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .types import Turn
from .paths import expand_inputs

CATEGORY_NAMES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july",
     "august", "september", "october", "november", "december"])}
_DATE_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*([ap]m)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})\s*$", re.I)
_SESSION_RE = re.compile(r"^session_(\d+)$")


class LocomoFormatError(ValueError):
    """A LoCoMo file is missing a field or has a field of the wrong type."""


@dataclass
class QA:
    question: str
    answer: str | None
    evidence: list[str]
    category: int
    adversarial_answer: str | None = None

    @property
    def category_name(self) -> str:
        return CATEGORY_NAMES.get(self.category, str(self.category))


@dataclass
class Session:
    index: int
    date_time: str
    date: datetime | None
    turns: list[Turn]
    observations: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    summary: str | None = None


@dataclass
class Conversation:
    sample_id: str
    speaker_a: str
    speaker_b: str
    sessions: list[Session]
    qa: list[QA]
    path: Path | None = None

    @property
    def speakers(self) -> list[str]:
        return [self.speaker_a, self.speaker_b]

    @property
    def turns(self) -> list[Turn]:
        return [t for s in self.sessions for t in s.turns]

    @property
    def n_image_turns(self) -> int:
        return sum(1 for t in self.turns if t.img_url)


def parse_date(text: str) -> datetime | None:
    """"1:56 pm on 8 May, 2023" -> datetime(2023, 5, 8, 13, 56); None if it does not parse."""
    m = _DATE_RE.match(text or "")
    if not m:
        return None
    hour, minute, ampm, day, month, year = m.groups()
    mon = _MONTHS.get(month.lower())
    if mon is None:
        return None
    h = int(hour) % 12 + (12 if ampm.lower() == "pm" else 0)
    try:
        return datetime(int(year), mon, int(day), h, int(minute))
    except ValueError:
        return None


class _Ctx:
    """Builds error messages `conv-26.json: session_3[4].text: expected str, got int`."""

    def __init__(self, name: str):
        self.name = name

    def fail(self, where: str, msg: str):
        raise LocomoFormatError(f"{self.name}: {where}: {msg}")

    def get(self, obj: dict, key: str, types, where: str, required=True):
        if key not in obj or (obj[key] is None and required):
            if required:
                self.fail(f"{where}.{key}" if where else key, "missing")
            return None
        val = obj[key]
        if val is not None and not isinstance(val, types) or isinstance(val, bool):
            self.fail(f"{where}.{key}" if where else key, f"expected {_tname(types)}, got {type(val).__name__}")
        return val


def _tname(types) -> str:
    types = types if isinstance(types, tuple) else (types,)
    return "|".join(t.__name__ for t in types)


def _turn(ctx: _Ctx, raw, where: str, date_time: str) -> Turn:
    if not isinstance(raw, dict):
        ctx.fail(where, f"expected object, got {type(raw).__name__}")
    url = ctx.get(raw, "img_url", (str, list), where, required=False)
    if isinstance(url, list):
        if not all(isinstance(u, str) for u in url):
            ctx.fail(f"{where}.img_url", "expected list of str")
        url = url[0] if url else None
    return Turn(
        speaker=ctx.get(raw, "speaker", str, where),
        text=ctx.get(raw, "text", str, where),
        dia_id=ctx.get(raw, "dia_id", str, where),
        timestamp=date_time,
        caption=ctx.get(raw, "blip_caption", str, where, required=False),
        img_url=url,
        query=ctx.get(raw, "query", str, where, required=False),
    )


def _observations(ctx: _Ctx, raw, where: str) -> dict[str, list[tuple[str, str]]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        ctx.fail(where, f"expected object, got {type(raw).__name__}")
    out = {}
    for speaker, items in raw.items():
        w = f"{where}.{speaker}"
        if not isinstance(items, list):
            ctx.fail(w, f"expected list, got {type(items).__name__}")
        facts = []
        for i, it in enumerate(items):
            if not (isinstance(it, list) and len(it) == 2 and isinstance(it[0], str)):
                ctx.fail(f"{w}[{i}]", "expected [fact, dia_id]")
            dia = it[1]
            if isinstance(dia, list) and all(isinstance(d, str) for d in dia):
                dia = "; ".join(dia)  # a few facts cite several turns
            if not isinstance(dia, str):
                ctx.fail(f"{w}[{i}][1]", f"expected str, got {type(dia).__name__}")
            facts.append((it[0], dia))
        out[speaker] = facts
    return out


def _qa(ctx: _Ctx, raw, where: str) -> QA:
    if not isinstance(raw, dict):
        ctx.fail(where, f"expected object, got {type(raw).__name__}")
    cat = ctx.get(raw, "category", int, where)
    if cat not in CATEGORY_NAMES:
        ctx.fail(f"{where}.category", f"expected 1..5, got {cat}")
    answer = ctx.get(raw, "answer", (str, int, float), where, required=cat != 5)
    adversarial = ctx.get(raw, "adversarial_answer", (str, int, float), where, required=cat == 5)
    evidence = ctx.get(raw, "evidence", list, where)
    ev = []
    for i, e in enumerate(evidence):
        if not isinstance(e, str):
            ctx.fail(f"{where}.evidence[{i}]", f"expected str, got {type(e).__name__}")
        ev += [x.strip() for x in e.split(";") if x.strip()]  # one item reads "D8:6; D9:17"
    return QA(
        question=ctx.get(raw, "question", str, where),
        answer=None if answer is None else str(answer),  # some answers are bare years (ints)
        evidence=ev,
        category=cat,
        adversarial_answer=None if adversarial is None else str(adversarial),
    )


def _from_dict(ctx: _Ctx, d, sample_id: str, path: Path | None, prefix: str = "") -> Conversation:
    if not isinstance(d, dict):
        ctx.fail(prefix or "(top level)", f"expected object, got {type(d).__name__}")
    conv, obs_src, sum_src, cp = d, d, d, prefix
    if "conversation" in d:  # locomo10.json layout
        conv = ctx.get(d, "conversation", dict, prefix)
        cp = f"{prefix}.conversation" if prefix else "conversation"
        obs_src = ctx.get(d, "observation", dict, prefix, required=False) or {}
        sum_src = ctx.get(d, "session_summary", dict, prefix, required=False) or {}
        sample_id = ctx.get(d, "sample_id", str, prefix, required=False) or sample_id

    def p(key):
        return f"{cp}.{key}" if cp else key

    speaker_a = ctx.get(conv, "speaker_a", str, cp)
    speaker_b = ctx.get(conv, "speaker_b", str, cp)
    sessions = []
    for key in conv:
        m = _SESSION_RE.match(key)
        if not m:
            continue
        raw = conv[key]
        if raw is None:
            continue
        if not isinstance(raw, list):
            ctx.fail(p(key), f"expected list, got {type(raw).__name__}")
        if not raw:
            continue
        n = int(m.group(1))
        date_time = ctx.get(conv, f"{key}_date_time", str, cp)
        turns = [_turn(ctx, t, f"{p(key)}[{i}]", date_time) for i, t in enumerate(raw)]
        obs_key, sum_key = f"{key}_observation", f"{key}_summary"
        nested = obs_src is not conv
        obs_where = f"{prefix}.observation.{obs_key}".lstrip(".") if nested else p(obs_key)
        summary = sum_src.get(sum_key)
        if summary is not None and not isinstance(summary, str):
            w = f"{prefix}.session_summary.{sum_key}".lstrip(".") if nested else p(sum_key)
            ctx.fail(w, f"expected str, got {type(summary).__name__}")
        sessions.append(Session(n, date_time, parse_date(date_time), turns,
                                _observations(ctx, obs_src.get(obs_key), obs_where), summary))
    sessions.sort(key=lambda s: s.index)
    qa_raw = ctx.get(d, "qa", list, prefix)
    qa_where = f"{prefix}.qa" if prefix else "qa"
    qa = [_qa(ctx, q, f"{qa_where}[{i}]") for i, q in enumerate(qa_raw)]
    return Conversation(sample_id, speaker_a, speaker_b, sessions, qa, path)


def _read(path: Path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise LocomoFormatError(f"{path.name}: not valid JSON: {e}") from e


def _load_file(path) -> list[Conversation]:
    path = Path(path)
    data, ctx = _read(path), _Ctx(path.name)
    if isinstance(data, list):
        return [_from_dict(ctx, d, f"{path.stem}-{i}", path, f"[{i}]") for i, d in enumerate(data)]
    return [_from_dict(ctx, data, path.stem, path)]


def load_conversation(path) -> Conversation:
    """One conversation from a per-conversation file (or a one-item locomo10-style list)."""
    convs = _load_file(path)
    if len(convs) != 1:
        raise LocomoFormatError(f"{Path(path).name}: holds {len(convs)} conversations; use load_conversations")
    return convs[0]


def load_conversations(paths_or_globs) -> list[Conversation]:
    """Conversations from files, directories (their *.json) or glob patterns, in the order given."""
    try:
        files = expand_inputs(paths_or_globs, (".json",))
    except FileNotFoundError as e:
        raise FileNotFoundError(f"no LoCoMo file matches: {e}") from e
    out = []
    for f in files:
        out += _load_file(f)
    return out


def session_windows(conv: Conversation, window: int, sessions=None):
    """(session, turns) for consecutive windows of `window` turns, optionally only in `sessions` (indices)."""
    for s in conv.sessions:
        if sessions is not None and s.index not in sessions:
            continue
        for i in range(0, len(s.turns), window):
            yield s, s.turns[i : i + window]
