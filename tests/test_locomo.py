"""LoCoMo loader: fixture files written here, plus the shared real files when present."""

import copy
import json
from datetime import datetime
from pathlib import Path

import pytest

from memlora_mlx.locomo import (
    CATEGORY_NAMES,
    LocomoFormatError,
    load_conversation,
    load_conversations,
    parse_date,
)

REAL_DIR = Path("/work/shared/data/locomo")

CONV = {
    "speaker_a": "Ann",
    "speaker_b": "Bob",
    "session_1_date_time": "1:56 pm on 8 May, 2023",
    "session_1": [
        {"speaker": "Ann", "dia_id": "D1:1", "text": "I adopted a cat named Miso."},
        {"speaker": "Bob", "dia_id": "D1:2", "text": "Cute! Look at my bike.",
         "img_url": ["https://example.invalid/bike.jpg"], "blip_caption": "a photo of a red bike",
         "query": "red bike", "re-download": True},
    ],
    "session_2_date_time": "10:37 am on 27 June, 2023",
    "session_2": [
        {"speaker": "Bob", "dia_id": "D2:1", "text": "I moved to Lisbon.", "blip_caption": "a map"},
    ],
    "session_3_date_time": "9:00 am on 1 July, 2023",  # listed without turns: skipped
    "session_1_observation": {"Ann": [["Ann adopted a cat named Miso.", "D1:1"]],
                              "Bob": [["Bob has a red bike.", ["D1:2", "D1:1"]]]},
    "session_1_summary": "Ann and Bob talk about pets.",
    "qa": [
        {"question": "What is Ann's cat called?", "answer": "Miso", "evidence": ["D1:1"], "category": 4},
        {"question": "When did Bob move?", "answer": 2023, "evidence": ["D2:1; D1:2"], "category": 2},
        {"question": "What is Bob's cat called?", "evidence": ["D1:1"], "category": 5,
         "adversarial_answer": "Miso"},
    ],
}


def write(tmp_path, data, name="conv-1.json"):
    p = tmp_path / name
    p.write_text(json.dumps(data))
    return p


def test_loads_fixture(tmp_path):
    c = load_conversation(write(tmp_path, CONV))
    assert (c.sample_id, c.speaker_a, c.speaker_b) == ("conv-1", "Ann", "Bob")
    assert [s.index for s in c.sessions] == [1, 2]
    s1, s2 = c.sessions
    assert s1.date == datetime(2023, 5, 8, 13, 56) and s2.date == datetime(2023, 6, 27, 10, 37)
    assert s1.turns[0].timestamp == "1:56 pm on 8 May, 2023"
    img = s1.turns[1]
    assert (img.img_url, img.caption, img.query, img.image) == (
        "https://example.invalid/bike.jpg", "a photo of a red bike", "red bike", None)
    assert s2.turns[0].caption == "a map" and s2.turns[0].img_url is None
    assert c.n_image_turns == 1 and len(c.turns) == 3
    assert s1.observations["Bob"] == [("Bob has a red bike.", "D1:2; D1:1")]
    assert s1.summary == "Ann and Bob talk about pets." and s2.summary is None
    q1, q2, q5 = c.qa
    assert q1.answer == "Miso" and q1.category_name == "single-hop"
    assert q2.answer == "2023" and q2.evidence == ["D2:1", "D1:2"]
    assert q5.answer is None and q5.adversarial_answer == "Miso" and q5.category == 5


def test_sessions_sorted_numerically(tmp_path):
    d = copy.deepcopy(CONV)
    d["session_10_date_time"] = "1:00 pm on 1 August, 2023"
    d["session_10"] = [{"speaker": "Ann", "dia_id": "D10:1", "text": "Later."}]
    d = {"session_10": d.pop("session_10"), **d}  # key order must not matter
    assert [s.index for s in load_conversation(write(tmp_path, d)).sessions] == [1, 2, 10]


@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda d: d["session_2"][0].__setitem__("text", 5), "conv-1.json: session_2[0].text: expected str, got int"),
        (lambda d: d["session_1"][1].pop("speaker"), "conv-1.json: session_1[1].speaker: missing"),
        (lambda d: d.pop("session_2_date_time"), "conv-1.json: session_2_date_time: missing"),
        (lambda d: d.pop("speaker_b"), "conv-1.json: speaker_b: missing"),
        (lambda d: d["qa"][0].pop("answer"), "conv-1.json: qa[0].answer: missing"),
        (lambda d: d["qa"][2].pop("adversarial_answer"), "conv-1.json: qa[2].adversarial_answer: missing"),
        (lambda d: d["qa"][1].__setitem__("category", "2"), "conv-1.json: qa[1].category: expected int, got str"),
        (lambda d: d["qa"][1].__setitem__("category", 9), "conv-1.json: qa[1].category: expected 1..5"),
        (lambda d: d["qa"][0].__setitem__("evidence", [1]), "conv-1.json: qa[0].evidence[0]: expected str"),
        (lambda d: d.__setitem__("session_1", {"x": 1}), "conv-1.json: session_1: expected list, got dict"),
        (lambda d: d["session_1_observation"]["Ann"].append(["only fact"]),
         "conv-1.json: session_1_observation.Ann[1]: expected [fact, dia_id]"),
        (lambda d: d.pop("qa"), "conv-1.json: qa: missing"),
    ],
)
def test_errors_name_file_and_field(tmp_path, mutate, where):
    d = copy.deepcopy(CONV)
    mutate(d)
    with pytest.raises(LocomoFormatError) as e:
        load_conversation(write(tmp_path, d))
    assert str(e.value).startswith(where), str(e.value)


def test_bad_json_and_missing_glob(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text("{not json")
    with pytest.raises(LocomoFormatError, match="broken.json: not valid JSON"):
        load_conversation(p)
    with pytest.raises(FileNotFoundError, match="nothing-here"):
        load_conversations([str(tmp_path / "nothing-here*.json")])


def test_locomo10_list_layout_and_globs(tmp_path):
    flat = copy.deepcopy(CONV)
    obs = {"session_1_observation": flat.pop("session_1_observation")}
    summ = {"session_1_summary": flat.pop("session_1_summary")}
    qa = flat.pop("qa")
    item = {"sample_id": "conv-x", "conversation": flat, "qa": qa, "observation": obs, "session_summary": summ}
    bad = copy.deepcopy(item)
    bad["conversation"]["session_1"][0]["dia_id"] = None
    write(tmp_path, [item, item], "locomo10.json")
    write(tmp_path, CONV, "conv-2.json")
    convs = load_conversations([tmp_path / "locomo10.json", str(tmp_path / "conv-*.json")])
    assert [c.sample_id for c in convs] == ["conv-x", "conv-x", "conv-2"]
    assert convs[0].sessions[0].observations["Ann"][0][1] == "D1:1"
    assert convs[0].sessions[0].summary == "Ann and Bob talk about pets."
    assert len(load_conversations(tmp_path)) == 3  # a directory loads its *.json
    with pytest.raises(LocomoFormatError, match="holds 2 conversations"):
        load_conversation(tmp_path / "locomo10.json")
    write(tmp_path, [item, bad], "bad10.json")
    with pytest.raises(LocomoFormatError, match=r"bad10.json: \[1\].conversation.session_1\[0\].dia_id: missing"):
        load_conversations([tmp_path / "bad10.json"])


def test_parse_date():
    assert parse_date("12:09 am on 13 September, 2023") == datetime(2023, 9, 13, 0, 9)
    assert parse_date("12:30 pm on 1 January, 2024") == datetime(2024, 1, 1, 12, 30)
    assert parse_date("sometime in May") is None
    assert parse_date("1:00 pm on 31 February, 2023") is None


def test_category_names():
    assert CATEGORY_NAMES == {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}


# counts from /work/shared/data/README.md
REAL = {
    "conv-26": ("Caroline", "Melanie", 19, 419, 77, 199),
    "conv-30": ("Jon", "Gina", 19, 369, 30, 105),
    "conv-41": ("John", "Maria", 32, 663, 77, 193),
    "conv-42": ("Joanna", "Nate", 29, 629, 80, 260),
}


@pytest.mark.skipif(not all((REAL_DIR / f"{k}.json").exists() for k in REAL), reason="shared LoCoMo data absent")
def test_real_files_match_readme():
    convs = load_conversations([REAL_DIR / f"{k}.json" for k in REAL])
    for c in convs:
        got = (c.speaker_a, c.speaker_b, len(c.sessions), len(c.turns), c.n_image_turns, len(c.qa))
        assert got == REAL[c.sample_id], c.sample_id
        dates = [s.date for s in c.sessions]
        assert all(dates) and dates == sorted(dates)
        assert all(q.answer is not None for q in c.qa if q.category != 5)
        assert all(q.adversarial_answer is not None for q in c.qa if q.category == 5)
