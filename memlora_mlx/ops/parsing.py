"""Robust parsing of small-model JSON output: fences, chatter, truncation, wrong keys."""

from __future__ import annotations

import json
import logging
import re
from datetime import date, datetime

import json_repair

log = logging.getLogger(__name__)

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)(?:```|$)", re.S)


def _strip_fences(text: str) -> str:
    m = _FENCE.search(text)
    return m.group(1) if m else text


def parse_json(text) -> object | None:
    """Best-effort JSON value from model output; None when nothing JSON-like is there. Never raises."""
    if not isinstance(text, str):
        return None
    body = _strip_fences(text).strip()
    starts = [i for i in (body.find("{"), body.find("[")) if i >= 0]
    if "{" not in body and re.match(r'"?\w+"?\s*:', body):
        body = "{" + body  # a bare `"facts": [...]` without braces still counts
    elif not starts:
        return None
    else:
        body = body[min(starts):]
    try:
        return json.loads(body)
    except ValueError:
        pass
    try:
        # raw_decode takes the first complete value and ignores trailing chatter.
        return json.JSONDecoder().raw_decode(body)[0]
    except ValueError:
        pass
    try:
        value = json_repair.repair_json(body, return_objects=True)
    except Exception as e:  # noqa: BLE001 - the repairer must never take the pipeline down
        log.warning("json_repair failed: %s", e)
        return None
    return None if value in ("", None) else value


def parse_json_object(text) -> dict | None:
    """The first JSON object in `text` (a list's first object counts), or None."""
    value = parse_json(text)
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), None)
    return value if isinstance(value, dict) else None


def get_key(obj: dict, *names: str, default=None):
    """obj[name] for the first name present, matching keys case-insensitively."""
    lowered = {str(k).strip().lower(): v for k, v in obj.items()}
    for n in names:
        if n in lowered:
            return lowered[n]
    return default


_DEBRIS = " []{}\"'`,:"


def as_text(value) -> str | None:
    """A clean one-line string, or None for non-strings (numbers, lists, dicts, bools) and blanks.
    JSON debris a small model leaves at the edges (`]Alex ...`, `... ",`) is stripped."""
    if not isinstance(value, str):
        return None
    value = " ".join(value.split()).strip(_DEBRIS)
    return value or None


def normalize_text(text: str) -> str:
    """Key for exact-duplicate checks: casefold, single spaces, no trailing punctuation."""
    return " ".join(text.casefold().split()).strip(_DEBRIS).rstrip(".!?;, ")


_DATE_FORMATS = ("%I:%M %p on %d %B, %Y", "%I:%M %p on %d %b, %Y", "%d %B, %Y", "%d %B %Y", "%B %d, %Y",
                 "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f")


def format_date(value) -> str | None:
    """'1:56 pm on 8 May, 2023' / '2023-05-08' / datetime -> '8 May 2023'; unknown strings pass through."""
    if value is None:
        return None
    if isinstance(value, (datetime, date)):
        return f"{value.day} {value:%B %Y}"
    s = " ".join(str(value).split())
    if not s:
        return None
    for fmt in _DATE_FORMATS:
        try:
            d = datetime.strptime(s, fmt)
        except ValueError:
            continue
        return f"{d.day} {d:%B %Y}"
    try:
        d = datetime.fromisoformat(s)
        return f"{d.day} {d:%B %Y}"
    except ValueError:
        return s
