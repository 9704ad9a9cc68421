"""Answer examples from an ingested store (`memlora distill --op answer --answer-stores DIR`): a real LanceDB store
and the real embedder; the memories shown are the ones `eval locomo` shows."""

import json

import memlora_mlx  # noqa: F401 - BLAS preload before mlx
from memlora_mlx.cli import main
from memlora_mlx.distill import read_jsonl
from memlora_mlx.distill.store_answers import coverage, label
from memlora_mlx.locomo import load_conversations
from memlora_mlx.memory import Memory
from memlora_mlx.memory.rerank import retrieve
from memlora_mlx.ops import answer as op

DATES = {1: "1:56 pm on 8 May, 2022", 2: "3:00 pm on 20 May, 2022", 3: "10:00 am on 12 June, 2022"}
QA = [  # question, gold, evidence, category
    ("What did Nate take to the beach in Tampa?", "turtles", "D1:1", 4),
    ("What is Nate's favourite snack?", "coconut ice cream", "D1:2", 4),  # in no memory: refusal
    ("What did Nate win at the chess club?", "a trophy", "D2:1", 5),  # adversarial, passes the speaker check
    ("What did Joanna take to the beach in Tampa?", "turtles", "D1:1", 5),  # Nate's: the speaker check refuses it
    ("Where did Joanna go hiking?", "Whispering Falls, Oregon, with her brother Tom", "D3:1", 4),  # partly there
    ("When did Joanna go hiking at Whispering Falls?", "12 June, 2022", "D3:1", 2),  # the memory's date
]
MEMORIES = {("Nate", 1): ["Nate took his turtles to the beach in Tampa."],
            ("Nate", 2): ["Nate won a video game tournament."],
            ("Joanna", 2): ["Joanna wrote a screenplay about loss."],
            ("Joanna", 3): ["Joanna went hiking at Whispering Falls."]}


def _conversation(tmp_path):
    data = {"speaker_a": "Nate", "speaker_b": "Joanna",
            "qa": [{"question": q, "adversarial_answer" if c == 5 else "answer": a, "evidence": [e], "category": c}
                   for q, a, e, c in QA]}
    for s, when in DATES.items():
        data[f"session_{s}_date_time"] = when
        data[f"session_{s}"] = [{"speaker": sp, "dia_id": f"D{s}:{i + 1}", "text": f"turn {i + 1}"}
                                for i, sp in enumerate(["Nate", "Joanna"])]
    f = tmp_path / "conv-s.json"
    f.write_text(json.dumps({"sample_id": "conv-s", "conversation": data, "qa": data["qa"]}))
    return f


def test_labels_follow_what_the_memories_shown_hold():
    shown = [{"text": "Nate took his turtles to the beach in Tampa.", "date": "8 June, 2022", "speaker": "Nate"}]
    assert coverage("The week before 8 June, 2022", shown) == 0.6  # the date in the memory's head counts
    assert label(4, "turtles", shown) == ("turtles", "answer")
    assert label(4, "coconut ice cream", shown) == (op.UNKNOWN_ANSWER, "missing")
    assert label(4, "turtles and a red bucket", shown) is None  # partly there: skipped
    assert label(5, "turtles", shown) == (op.UNKNOWN_ANSWER, "adversarial")


def test_distill_from_a_store_shows_what_the_eval_retrieves(tmp_path, embedder):
    conv_file = _conversation(tmp_path)
    conv = load_conversations([str(conv_file)])[0]
    stores = tmp_path / "run" / "stores"
    with Memory(engine=None, store=stores / "conv-s", embedder=embedder) as m:
        for (user, s), facts in MEMORIES.items():
            m.add(facts, user_id=user, infer=False, session_date=DATES[s])
    out = tmp_path / "answer"
    rc = main(["distill", "--op", "answer", "--inputs", str(conv_file), "--answer-stores", str(stores),
               "--valid-sessions", "1", "--out", str(out)])
    assert rc == 0
    train, valid = read_jsonl(out / "train.jsonl"), read_jsonl(out / "valid.jsonl")
    got = {r["messages"][-2]["content"].split("Question: ")[-1]: r["messages"][-1]["content"] for r in train + valid}
    assert got == {QA[0][0]: "turtles", QA[1][0]: op.UNKNOWN_ANSWER, QA[2][0]: op.UNKNOWN_ANSWER,
                   QA[5][0]: "12 June, 2022"}
    assert [r["meta"]["kind"] for r in valid] == ["answer"]  # session 3's question holds out
    stats = json.loads((out / "stats.json").read_text())
    assert stats["kinds"]["train"] == {"answer": 1, "missing": 1, "adversarial": 1, "partial": 0,
                                       "speaker_check": 1, "empty": 0}
    assert stats["kinds"]["valid"]["partial"] == 1
    with Memory(engine=None, store=stores / "conv-s", embedder=embedder, read_only=True) as m:
        shown = retrieve(m, QA[0][0], list(conv.speakers), 5)
    [row] = [r for r in train if r["meta"]["answer"] == "turtles"]
    assert row["messages"][:-1] == op.build_messages(QA[0][0], shown)  # the eval's prompt, word for word


def test_distill_names_the_conversations_without_a_store(tmp_path, capsys):
    conv_file = _conversation(tmp_path)
    (tmp_path / "stores").mkdir()
    rc = main(["distill", "--op", "answer", "--inputs", str(conv_file), "--answer-stores", str(tmp_path / "stores"),
               "--out", str(tmp_path / "o")])
    assert rc == 2 and "no store for conv-s" in capsys.readouterr().err
    rc = main(["distill", "--op", "update", "--inputs", str(conv_file), "--answer-stores", str(tmp_path / "stores"),
               "--out", str(tmp_path / "o")])
    assert rc == 2
