"""How the answer op's refusal of an answer only another person's memory holds (`ops/answer.answer_of_another`) was
chosen (forty-third session).

    uv run python scripts/answer_of_another.py build runs/s43/dev10          # conv-26/30/41, ten memories shown
    uv run memlora eval ops --adapters adapters/Qwen2.5-Coder-0.5B-Instruct --data runs/s43/dev10 --ops answer \
        --skip-base --out runs/s43/ev_dev10
    uv run python scripts/answer_of_another.py score runs/s43/ev_dev10/answer_outputs.jsonl \
        runs/s43/dev10/answer/test.jsonl

`build` writes the questions of the training conversations (never conv-42) with ten memories shown instead of the
distiller's six, kept where two people's memories are shown, the question names one and `asked_of_another` does not
already refuse it. `score` prints token F1 with each candidate rule applied after the op's `final_answer` (held: the
share of the answer's content words, names aside, in the best memory of the person named / of another)."""

from memlora_mlx.engine import blas

blas.preload()

import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
from collections import Counter  # noqa: E402

from memlora_mlx.eval.metrics import is_refusal, score_answer  # noqa: E402
from memlora_mlx.ops.answer import (  # noqa: E402
    _DATED_SPEAKER, UNKNOWN_ANSWER, asked_of_another, clean_answer, dated_answer, example_leaks)
from memlora_mlx.ops.whose import asked_words, named, share  # noqa: E402

RULES = {"none (before)": lambda mine, other: False,
         "mine 0, other >= 0.5": lambda mine, other: mine == 0 and other >= 0.5,
         "other > mine": lambda mine, other: other > mine,
         "other >= mine + 0.5 (shipped)": lambda mine, other: other >= mine + 0.5,
         "other 1, mine < 1": lambda mine, other: other >= 1 and mine < 1}


def _shown(messages):
    shown, _, question = messages[-1]["content"].rpartition("\nQuestion: ")
    return question, [m.groups() for m in map(_DATED_SPEAKER.match, shown.splitlines()) if m]


def build(out: str) -> None:
    from memlora_mlx.distill.locomo_source import answer_examples
    from memlora_mlx.locomo import load_conversations
    from memlora_mlx.memory.embedder import load_embedder

    emb, rows = load_embedder(), []
    for c in load_conversations([f"../shared/data/locomo/conv-{n}.json" for n in (26, 30, 41)]):
        for r in answer_examples(c, [q for q in c.qa if q.evidence], emb, n_memories=10, rng=random.Random(7)):
            question, lines = _shown(r["messages"][:-1])
            people = sorted({p for p, _ in lines})
            if len(people) >= 2 and len(named(question, people)) == 1 and not asked_of_another(r["messages"][:-1]):
                rows.append(r)
    with open(f"{out}/answer/test.jsonl", "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    print(len(rows), dict(Counter(r["meta"]["category"] for r in rows)))


def held(answer: str, messages) -> tuple[float, float] | None:
    question, lines = _shown(messages)
    people = sorted({p for p, _ in lines})
    who, said = named(question, people), asked_words(answer, people)
    if len(people) < 2 or len(who) != 1 or not said:
        return None
    fit = {p: max(share(said, t, people) for q, t in lines if q == p) for p in people}
    return fit[who[0]], max(fit[p] for p in people if p != who[0])


def before(text: str, messages) -> str:
    """`final_answer` as it was before this rule."""
    ans = clean_answer(text)
    if example_leaks(ans, messages) or asked_of_another(messages):
        return UNKNOWN_ANSWER
    return dated_answer(ans, messages)


def score(outputs: str, data: str) -> None:
    outs = [json.loads(x) for x in open(outputs)]
    rows = [json.loads(x) for x in open(data)]
    for name, rule in RULES.items():
        total, refused = 0.0, Counter()
        for o, r in zip(outs, rows):
            messages, cat = r["messages"][:-1], o["meta"]["category"]
            ans = before(o["adapter"], messages)
            h = None if is_refusal(ans) else held(ans, messages)
            if h and rule(*h):
                refused["adversarial" if cat == 5 else "answerable"] += 1
                ans = UNKNOWN_ANSWER
            total += score_answer(ans, o["gold"], cat)["f1"]
        print(f"{name:32s} token F1 {total / len(outs):.4f}  more refused: {dict(refused)}")


if __name__ == "__main__":
    build(sys.argv[2]) if sys.argv[1] == "build" else score(sys.argv[2], sys.argv[3])
