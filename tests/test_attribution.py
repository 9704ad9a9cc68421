"""The speaker check (memory/attribution.py): a question about one person whose answer is someone else's memory is
refused; real embedder, real store, a scripted engine where a model would write."""

import json

import pytest

import memlora_mlx  # noqa: F401 - BLAS preload before mlx
from memlora_mlx.eval import report
from memlora_mlx.eval.locomo_eval import EvalConfig, Run
from memlora_mlx.memory import Memory
from memlora_mlx.memory.attribution import MARGIN, attribute
from memlora_mlx.ops.whose import named, without_names

from support.scripted_engine import ScriptedEngine

NATE = ["Nate has three pet turtles named Tank, Shelly and Bubbles.", "Nate won a regional video game tournament.",
        "Nate makes coconut milk ice cream."]
JOANNA = ["Joanna finished her first screenplay, a drama.", "Joanna is allergic to most pets.",
          "Joanna went hiking at Woodhaven with friends."]


def test_names_are_found_and_taken_out():
    assert named("What did Joanna write?", ["Nate", "Joanna"]) == ["Joanna"]
    assert named("What do Nate and joanna share?", ["Nate", "Joanna"]) == ["Nate", "Joanna"]
    assert named("Who is Natalie?", ["Nate", "Joanna"]) == []  # whole words only
    assert without_names("Nate's turtles and Joanna", ["Nate", "Joanna"]) == "someone turtles and someone"


def test_a_question_about_one_person_that_fits_the_other_is_flagged(tmp_path, embedder):
    with Memory(engine=ScriptedEngine(), store=tmp_path / "store", embedder=embedder) as m:
        for user, facts in (("Nate", NATE), ("Joanna", JOANNA)):
            for f in facts:
                m.add(f, user_id=user, infer=False)
        users = ["Nate", "Joanna"]
        wrong = attribute(m, "What are the names of Joanna's turtles?", users)
        assert wrong.asked_about == "Joanna" and wrong.fits_best == "Nate" and wrong.elsewhere
        assert wrong.fit["Nate"] > wrong.fit["Joanna"] + MARGIN
        right = attribute(m, "What are the names of Nate's turtles?", users)
        assert right.asked_about == "Nate" and not right.elsewhere
        assert not attribute(m, "What kind of screenplay did Joanna finish?", users).elsewhere
        # a margin wider than the gap keeps the named person
        assert not attribute(m, "What are the names of Joanna's turtles?", users, margin=1.0).elsewhere
        # nobody or both named, or one user: no judgement
        assert attribute(m, "What are the names of the turtles?", users) is None
        assert attribute(m, "What do Nate and Joanna both like?", users) is None
        assert attribute(m, "What are Joanna's turtles called?", ["Joanna"]) is None
        # the Memory API over both: refused without a model call; about the right person: answered
        got = m.answer("What are the names of Joanna's turtles?", user_id=users)
        assert got["answer"] == "I don't know" and got["attribution"]["fits_best"] == "Nate"
        assert not [a for a, _ in m.engine.calls if a == "answer"]
        got = m.answer("What are the names of Nate's turtles?", user_id=users)
        assert "turtles" in got["answer"] and "attribution" not in got


def test_a_topic_both_talk_about_stays_with_the_person_asked_about(tmp_path, embedder):
    """Both talk about films: by cosine, Joanna's "favorite fantasy or sci-fi movie" fit a question about Nate's
    films better than Nate's own memory (0.57 against 0.48, the twenty-third session's rule refused it); by the
    question's words they hold, neither holds more."""
    with Memory(engine=ScriptedEngine(), store=tmp_path / "store", embedder=embedder) as m:
        for user, facts in (("Nate", [*NATE, "Nate loves action and sci-fi movies, the effects are so cool!"]),
                            ("Joanna", [*JOANNA, "Joanna has a favorite fantasy or sci-fi movie."])):
            for f in facts:
                m.add(f, user_id=user, infer=False)
        users = ["Nate", "Joanna"]
        att = attribute(m, "What type of movies does Nate enjoy watching the most?", users)
        assert not att.elsewhere and att.fit["Nate"] == att.fit["Joanna"] > 0
        assert attribute(m, "What are the names of Joanna's turtles?", users).elsewhere


def test_the_answer_op_refuses_what_another_persons_memory_shown_answers():
    """Memories of two people shown (cosine retrieval, answer distillation, a transcript of two speakers): a question
    about one answered by the other's memory gets the refusal, whatever the model wrote (conv-42's first 60 per-op
    questions: 7 of 12 adversarial, 1 of 48 answerable)."""
    from memlora_mlx.ops import answer

    shown = [{"text": "Joanna made a cute little bookmark for one of the ladies at her writing club.",
              "date": "2022-10-06", "speaker": "Joanna"},
             {"text": "Nate made something for Joanna to encourage her.", "date": "2022-10-06", "speaker": "Nate"},
             {"text": "Nate watched 'Little Women' recently.", "date": "2022-10-06", "speaker": "Nate"}]
    wrong = answer.build_messages("What did Nate make for one of the ladies at his writing club?", shown)
    assert answer.asked_of_another(wrong) == "Joanna"
    assert answer.final_answer("A bookmark", wrong) == answer.UNKNOWN_ANSWER
    right = answer.build_messages("What did Joanna make for one of the ladies at her writing club?", shown)
    assert answer.asked_of_another(right) is None and answer.final_answer("A bookmark", right) == "A bookmark"
    engine = ScriptedEngine()  # `memlora ask`'s path: refused before the model is called
    assert answer.answer_question(engine, "What did Nate make for one of the ladies at his writing club?",
                                  shown) == answer.UNKNOWN_ANSWER and not engine.calls
    # one person's memories, no speakers, or nobody named: no judgement
    for q, mems in (("What did Nate make for the ladies at his writing club?", shown[1:]),
                    ("What did Nate make for the ladies at his writing club?", [m["text"] for m in shown]),
                    ("What was made for one of the ladies at the writing club?", shown)):
        assert answer.asked_of_another(answer.build_messages(q, mems)) is None


def test_the_answer_op_refuses_an_answer_only_another_persons_memory_holds():
    """The question's words fit both people alike (no refusal before the model), but the answer's words are the
    other person's memory: conv-26/30/41's questions, ten memories shown, 11 adversarial refused, 1 answerable."""
    from memlora_mlx.ops import answer

    shown = [{"text": "Joanna loves hosting a gaming night with friends.", "date": "2022-06-03", "speaker": "Joanna"},
             {"text": "Nate bought custom controller decorations for the gaming night.", "date": "2022-06-03",
              "speaker": "Nate"}]
    asked_of_joanna = answer.build_messages("What did Joanna buy for her gaming night?", shown)
    assert answer.asked_of_another(asked_of_joanna) is None  # the question alone does not tell
    assert answer.answer_of_another("custom controller decorations", asked_of_joanna) == "Nate"
    assert answer.final_answer("Custom controller decorations", asked_of_joanna) == answer.UNKNOWN_ANSWER
    asked_of_nate = answer.build_messages("What did Nate buy for the gaming night?", shown)
    assert answer.final_answer("Custom controller decorations", asked_of_nate) == "Custom controller decorations"
    # words of both (half in each: under the margin), or of nobody's memory: the answer stands
    for said in ("controller decorations and friends", "a new console"):
        assert answer.final_answer(said, asked_of_joanna) == said


def test_speaker_margin_option():
    from memlora_mlx.eval.cli import _margin

    assert _margin(None) == MARGIN and _margin("off") is None and _margin("0.1") == 0.1
    for bad in ("x", "-0.1", "1.5"):
        with pytest.raises(SystemExit, match="--speaker-margin"):
            _margin(bad)


FIXTURE = {
    "speaker_a": "Ann", "speaker_b": "Bob",
    "session_1_date_time": "1:56 pm on 8 May, 2023",
    "session_1": [
        {"speaker": "Ann", "dia_id": "D1:1", "text": "I adopted a cat named Miso last week."},
        {"speaker": "Bob", "dia_id": "D1:2", "text": "Nice! I am training for the Lisbon marathon."},
        {"speaker": "Bob", "dia_id": "D1:3", "text": "I moved to Porto yesterday for my new job as a nurse."},
    ],
    "qa": [
        {"question": "What is the name of Ann's cat?", "answer": "Miso", "evidence": ["D1:1"], "category": 4},
        {"question": "Which city did Bob move to?", "answer": "Porto", "evidence": ["D1:3"], "category": 4},
        {"question": "What is Bob's cat called?", "evidence": ["D1:1"], "category": 5, "adversarial_answer": "Miso"},
    ],
}


def test_locomo_refuses_the_adversarial_question_without_a_model_call(tmp_path, embedder):
    conv = tmp_path / "conv-t.json"
    conv.write_text(json.dumps(FIXTURE))
    results = {}
    for margin in (MARGIN, None):
        engine = ScriptedEngine()
        out = tmp_path / f"run-{margin}"
        Run(EvalConfig(files=[str(conv)], out=str(out), speaker_margin=margin), engine=engine,
            memory_factory=lambda p, e=engine: Memory(engine=e, store=p, embedder=embedder)).run()
        results[margin] = {r["index"]: r for r in report.read_results(out / "results.jsonl")}
        results[margin]["answer_calls"] = sum(1 for a, _ in engine.calls if a == "answer")
    on, off = results[MARGIN], results[None]
    assert on[2]["refused"] and on[2]["f1"] == 1.0 and on[2]["attribution"]["fits_best"] == "Ann"
    assert on[2]["retrieved"] == [] and on["answer_calls"] == 2
    assert not on[0]["refused"] and not on[1]["refused"] and "Porto" in on[1]["answer"]
    assert on[0]["attribution"]["fits_best"] == "Ann" and on[1]["attribution"]["fits_best"] == "Bob"
    assert not off[2]["refused"] and off[2]["attribution"] is None and off["answer_calls"] == 3
    s = json.loads((tmp_path / f"run-{MARGIN}" / "summary.json").read_text())
    assert s["refused_as_someone_elses"] == {"adversarial": 1, "answerable": 0}
    assert "Refused by the speaker check" in (tmp_path / f"run-{MARGIN}" / "summary.md").read_text()
