"""Per-operation evaluation: the scoring rules, and a full base-vs-adapter run on a tiny real model."""

import json
from types import SimpleNamespace

import pytest

import memlora_mlx  # noqa: F401
from memlora_mlx.engine import worker
from memlora_mlx.distill import chat_example
from memlora_mlx.distill.locomo_source import decision_json
from memlora_mlx.eval import ops as ev
from memlora_mlx.ops import answer as op_answer
from memlora_mlx.ops import extract as op_extract
from memlora_mlx.ops import update as op_update
from memlora_mlx.types import Turn


def test_fact_matching_uses_the_calibrated_threshold(embedder):
    gold = ["Caroline attended an LGBTQ support group recently and found the transgender stories inspiring.",
            "Melanie is going swimming with the kids after the conversation."]
    pred = ["Caroline went to an LGBTQ support group and was inspired by transgender stories.",
            "Melanie is currently managing kids and work and finds it overwhelming."]
    assert ev.match_facts(pred, gold, embedder, ev.DEFAULT_THRESHOLD) == 1
    assert ev.match_facts(pred + pred, gold, embedder, ev.DEFAULT_THRESHOLD) == 1  # one-to-one
    assert ev.match_facts(pred, gold, embedder, 0.2) == 2
    window = ("Session date: 3 May 2023\n\nCaroline: I went to an LGBTQ support group, the transgender stories "
              "were so inspiring.\nMelanie: Kids and work are overwhelming.")
    target = {"role": "assistant", "content": json.dumps({"facts": gold})}
    rows = [{"messages": [{"role": "user", "content": window}, target], "meta": {"facts": gold}}]
    s = ev.score_extract([json.dumps({"facts": pred}), ], rows, embedder, ev.DEFAULT_THRESHOLD)
    assert (s["fact_precision"], s["fact_recall"], s["fact_f1"], s["json_valid_rate"]) == (0.5, 0.5, 0.5, 1.0)
    s = ev.score_extract(["- " + pred[0]], rows, embedder, ev.DEFAULT_THRESHOLD)  # bullets: facts, but not JSON
    assert s["json_valid_rate"] == 0.0 and s["fact_precision"] == 1.0


def test_applied_extract_scores_what_the_runtime_stores(embedder):
    turns = [Turn("Nate", "I adopted a turtle named Shelly last week!"), Turn("Joanna", "Aww, congrats!")]
    prompt = op_extract.build_messages(turns, "8 May 2023")
    assert ev.window_speakers(prompt[-1]["content"]) == ["Nate", "Joanna"]
    earlier = op_extract.build_messages(turns[1:], "8 May 2023", context=[Turn("Maria", "Hi all!")])
    assert ev.window_speakers(earlier[-1]["content"]) == ["Joanna"]  # the context's speakers are not the window's
    gold = ["Nate adopted a turtle named Shelly the week before 8 May 2023."]
    out = json.dumps({"facts": ["Anna loves hiking.", "Nate adopted a turtle named Shelly."]})  # the example copied
    row = {"messages": [*prompt, {"role": "assistant", "content": ""}], "meta": {"facts": gold}}
    s = ev.score_extract([out], [row], embedder, ev.DEFAULT_THRESHOLD)
    assert (s["fact_precision"], s["fact_recall"]) == (0.5, 1.0)
    assert (s["applied_fact_precision"], s["applied_fact_recall"], s["applied_facts"]) == (1.0, 1.0, 1)


def test_update_scores():
    def row(event, idx=None, text=None):
        mems = ["Jon lives in Rome.", "Jon likes tea."]
        return chat_example(op_update.build_messages("x", mems), decision_json(event, idx, text), memories=mems,
                            event=event)

    rows = [row("ADD"), row("UPDATE", 0, "Jon lives in Paris."), row("DELETE", 1), row("NONE", 1)]
    outs = ['{"event": "ADD", "id": null, "text": null}', '{"event": "UPDATE", "id": 1, "text": "t"}',
            "no idea", '{"event": "ADD", "id": null, "text": null}']
    s = ev.score_update(outs, rows)
    assert s["accuracy"] == 0.5 and s["strict_accuracy"] == 0.25 and s["json_valid_rate"] == 0.75
    # ADD: p=1/2 r=1 f=2/3; UPDATE: 1; DELETE: 0; NONE: 0 -> macro (2/3 + 1) / 4
    assert s["macro_f1"] == pytest.approx((2 / 3 + 1) / 4)
    m, per = ev.macro_f1(["ADD", "ADD"], ["ADD", "NONE"])
    assert m == pytest.approx(2 / 3) and per["NONE"] == 0.0  # classes absent from gold are not averaged


def test_applied_events_are_what_memory_acts_on(embedder):
    mems = ["Jon lives in Rome.", "Jon loves playing basketball with his friends."]

    def row(fact, event, idx=None):
        return chat_example(op_update.build_messages(fact, mems), decision_json(event, idx), fact=fact,
                            memories=mems, event=event)

    rows = [row("Jon really loves playing basketball with his friends.", "NONE", 1),  # near restatement
            row("Jon adopted a puppy called Max.", "ADD"),  # nothing close is stored
            row("Jon got a job at a bakery.", "ADD")]
    outs = ['{"event": "NONE", "id": 1, "text": null}', '{"event": "NONE", "id": 0, "text": null}', "garbage"]
    s = ev.score_update(outs, rows, embedder)
    assert s["pred_events"] == {"NONE": 2, "INVALID": 1} and s["accuracy"] == pytest.approx(1 / 3)
    # Memory keeps the first NONE (cosine >= 0.8), turns the far NONE and the invalid output into ADD
    assert s["applied_events"] == {"NONE": 1, "ADD": 2} and s["applied_accuracy"] == 1.0
    assert s["applied_macro_f1"] == 1.0
    assert "applied_macro_f1" not in ev.score_update(outs, rows)  # no embedder: raw scores only


def test_answer_scores_and_selection():
    mems = [{"text": "Ann adopted a cat named Miso.", "date": "2023-05-07", "speaker": "Ann"}]
    q = op_answer.build_messages
    rows = [chat_example(q("When did Ann adopt Miso?", mems), "7 May 2023", category=2, answer="7 May 2023"),
            chat_example(q("What is Ann's dog called?", mems), op_answer.UNKNOWN_ANSWER, category=5,
                         answer=op_answer.UNKNOWN_ANSWER),
            chat_example(q("What is Bob's cat called?", mems), op_answer.UNKNOWN_ANSWER, category=5,
                         answer=op_answer.UNKNOWN_ANSWER)]
    # "Paris" is the worked example's answer: scored as the runtime returns it, the refusal (right for category 5).
    s = ev.score_answers(["7 May 2023", "Paris", "Miso"], rows)
    assert s["token_f1_per_category"] == {"2": 1.0, "5": 0.5}
    upd = [{"meta": {"event": e}} for e in ["ADD"] * 6 + ["NONE", "DELETE", "UPDATE"]]
    assert sorted(r["meta"]["event"] for r in ev.select(upd, "update", 4)) == ["ADD", "DELETE", "NONE", "UPDATE"]


def _data(root):
    turns = [Turn("Ann", "I adopted a cat named Miso yesterday."), Turn("Bob", "Cute!")]
    ex = chat_example(op_extract.build_messages(turns, "1:00 pm on 3 May, 2023"),
                      json.dumps({"facts": ["Ann adopted a cat named Miso on 2 May 2023."]}),
                      facts=["Ann adopted a cat named Miso on 2 May 2023."], n_facts=1)
    mems = ["Ann has a cat named Miso.", "Ann likes tea."]
    fact = "Ann no longer has a cat named Miso."
    up = chat_example(op_update.build_messages(fact, mems), decision_json("DELETE", 0), fact=fact, memories=mems,
                      event="DELETE")
    an = chat_example(op_answer.build_messages("What is Ann's cat called?", [{"text": mems[0]}]), "Miso",
                      category=4, answer="Miso")
    for op, r in (("extract", ex), ("update", up), ("answer", an)):
        (root / op).mkdir(parents=True)
        (root / op / "test.jsonl").write_text(json.dumps(r) + "\n")


def _random_adapters(model_dir, root):
    def run():
        import mlx.core as mx

        from memlora_mlx.engine.adapters import adapter_config, apply_lora, lora_params, save_adapter
        from memlora_mlx.engine.models import load_model

        m, _, _, _ = load_model(str(model_dir), "fp32")
        apply_lora(m)
        for op in ("extract", "update", "answer"):
            mx.random.seed(len(op))
            m.update(__import__("mlx.utils", fromlist=["x"]).tree_unflatten(
                [(k, mx.random.normal(v.shape) * 0.05) for k, v in lora_params(m).items()]))
            save_adapter(m, root / op, adapter_config(m, model_dir.name))

    worker.run(run)


def test_run_compares_base_and_adapter(tmp_path, tiny_model_dir):
    _data(tmp_path / "data")
    _random_adapters(tiny_model_dir, tmp_path / "adapters")
    args = SimpleNamespace(adapters=str(tmp_path / "adapters"), data=str(tmp_path / "data"), ops="extract,update,answer",
                           split="test", limit=1, threshold=0.7, constrained=False, out=str(tmp_path / "out"),
                           write_card=True, eval_model=str(tiny_model_dir), skip_base=False)
    old = ev.MAX_TOKENS.copy()
    ev.MAX_TOKENS.update(extract=24, update=16, answer=8)  # a random tiny model never stops on its own
    try:
        assert ev.run(args) == 0
    finally:
        ev.MAX_TOKENS.update(old)
    res = json.loads((tmp_path / "out" / "ops_eval.json").read_text())
    for op, key in (("extract", "fact_f1"), ("update", "macro_f1"), ("answer", "token_f1")):
        r = res["ops"][op]
        assert 0.0 <= r["base"][key] <= 1.0 and 0.0 <= r["adapter"][key] <= 1.0
        # the adapter really changed the model's output (same prompt, different weights)
        assert r["base"]["samples"][0]["output"] != r["adapter"]["samples"][0]["output"]
        card = json.loads((tmp_path / "adapters" / op / "card.json").read_text())
        assert set(card["eval"]) >= {"base", "adapter", "n"} and key in card["eval"]["adapter"]
    for op in ("extract", "update", "answer"):  # every prediction kept, base and adapter side by side
        rows = [json.loads(line) for line in (tmp_path / "out" / f"{op}_outputs.jsonl").read_text().splitlines()]
        assert len(rows) == 1 and rows[0]["adapter"] == res["ops"][op]["adapter"]["samples"][0]["output"]
    md = (tmp_path / "out" / "ops_eval.md").read_text()
    assert "| extract | 1 | fact_f1 |" in md and "| update | 1 | macro_f1 |" in md
    assert "| update | 1 | applied_macro_f1 |" in md and "| extract | 1 | applied_fact_f1 |" in md
    card_base = json.loads((tmp_path / "adapters" / "answer" / "card.json").read_text())["eval"]["base"]
    args.ops, args.skip_base, args.out = "answer", True, str(tmp_path / "out2")
    with_base = res["ops"]["answer"]["adapter"]["token_f1"]
    old = ev.MAX_TOKENS.copy()
    ev.MAX_TOKENS.update(answer=8)
    try:
        assert ev.run(args) == 0
    finally:
        ev.MAX_TOKENS.update(old)
    res = json.loads((tmp_path / "out2" / "ops_eval.json").read_text())["ops"]["answer"]
    assert "base" not in res and res["adapter"]["token_f1"] == with_base  # the adapter alone: the same scores
    assert "| answer | 1 | token_f1 | – |" in (tmp_path / "out2" / "ops_eval.md").read_text()
    assert json.loads((tmp_path / "adapters" / "answer" / "card.json").read_text())["eval"]["base"] == card_base


def test_run_names_missing_inputs(tmp_path, capsys):
    args = SimpleNamespace(adapters=str(tmp_path), data=str(tmp_path), ops="extract", split="test", limit=None,
                           threshold=0.7, constrained=False, out=str(tmp_path / "o"), write_card=False, eval_model=None,
                           skip_base=False)
    assert ev.run(args) == 2
    assert "no test.jsonl for extract" in capsys.readouterr().err
    args.ops = "summarise"
    assert ev.run(args) == 2
