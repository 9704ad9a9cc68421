"""Fuzz: malformed model outputs and malformed input lines never raise out of the parsers.

1,000 generated cases in total (deterministic: derandomize=True), no deadline.
"""

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memlora_mlx.ingest.formats import chunk_text, decode_bytes, read_jsonl_text, read_text_transcript
from memlora_mlx.ops.extract import parse_facts
from memlora_mlx.ops.parsing import parse_json, parse_json_object
from memlora_mlx.ops.update import Decision, parse_decision

FUZZ = settings(max_examples=330, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

# JSON-ish values and text built from the fragments small models actually emit.
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
        st.sampled_from(["facts", "fact", "event", "id", "text", "memory", "Event", "ID", "x"]) | st.text(max_size=8),
        kids, max_size=4),
    max_leaves=12,
)
_fragments = st.sampled_from([
    "{", "}", "[", "]", '"facts":', '"event": "UPDATE"', '"id": 2', '"id": "1"', '"text": ', "```json", "```",
    ",", ":", "null", "NaN", "\\u12", "\\", "'", '"', "- ", "1. ", "\n", "ADD", "DELETE", "Here is the JSON:",
    "{\"facts\": [\"Ana likes tea\",", "<|im_end|>", "\x00", "\ud800", "9" * 400, "[" * 50,
])


@st.composite
def model_outputs(draw):
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.text(max_size=200))
    if kind == 1:
        return "".join(draw(st.lists(_fragments, max_size=25)))
    value = json.dumps(draw(_json))
    if kind == 2:
        return value
    cut = draw(st.integers(0, len(value)))  # truncated JSON, with chatter around it
    return draw(st.sampled_from(["", "Sure! ", "```json\n"])) + value[:cut] + draw(st.sampled_from(["", "\n```", " hope it helps"]))


@settings(FUZZ, max_examples=340)
@given(model_outputs())
def test_ops_parsers_never_raise(text):
    parse_json(text)
    obj = parse_json_object(text)
    assert obj is None or isinstance(obj, dict)
    facts, rejects = parse_facts(text)
    assert all(isinstance(f, str) and f.strip() for f in facts)
    assert isinstance(rejects, list)


@FUZZ
@given(model_outputs(), st.integers(0, 6))
def test_update_parser_never_raises(text, n):
    d = parse_decision(text, n, errors=[])
    assert d is None or (isinstance(d, Decision) and d.event in ("ADD", "UPDATE", "DELETE", "NONE"))
    if d is not None and d.event in ("UPDATE", "DELETE"):
        assert 0 <= d.index < n


_line = st.one_of(
    st.text(max_size=120),
    st.builds(lambda v: json.dumps(v), _json),
    st.builds(lambda s, t, extra: json.dumps({"speaker": s, "text": t, **extra}),
              st.text(max_size=10) | st.integers(), st.text(max_size=80) | st.none() | st.integers(),
              st.dictionaries(st.sampled_from(["timestamp", "image", "session", "role", "content"]), _json, max_size=3)),
    st.builds(lambda s: s[: len(s) // 2], st.builds(json.dumps, _json)),  # truncated JSON line
)


@FUZZ
@given(st.lists(_line, max_size=8), st.binary(max_size=64))
def test_input_readers_never_raise(lines, raw):
    text = "\n".join(lines)
    src = str(Path("/nonexistent/fuzz.jsonl"))
    for reader in (read_jsonl_text, read_text_transcript):
        sessions, issues = reader(text, src)
        for s in sessions:
            for t in s.turns:
                assert isinstance(t.turn.text, str) and len(t.turn.text) <= 1500 and len(t.hash) == 32
        for i in issues:
            assert i.path == src and str(i)
    decoded, enc, _ = decode_bytes(raw + text.encode("utf-8", "surrogatepass"))
    assert isinstance(decoded, str) and enc
    pieces = chunk_text(text, limit=40)
    assert all(len(p) <= 40 for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())  # nothing dropped (hard cuts split words)
