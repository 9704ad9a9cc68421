"""How much the answer op loses to its own refusals: for each row where the answer adapter refused ("I don't know"),
the first-token margin (logit of "I" minus the best other start) and the answer it gives with "I" barred; then token
F1 and adversarial refusals if it refused only by a margin above tau.

    uv run memlora eval ops --adapters DIR --data data/answer-s35 --ops answer --skip-base --out runs/ev
    uv run python scripts/refusal_margins.py --data data/answer-s35/test.jsonl \
        --outputs runs/ev/answer_outputs.jsonl --out runs/margins.jsonl

Resumable: rows already in --out are not computed again. Thirty-seventh session: see docs/distillation.md §6.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from memlora_mlx.engine import blas

blas.preload()

import mlx.core as mx  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from memlora_mlx.engine import Engine, worker  # noqa: E402
from memlora_mlx.eval.metrics import score_answer  # noqa: E402
from memlora_mlx.eval.ops import MAX_TOKENS  # noqa: E402
from memlora_mlx.ops.answer import STOP, UNKNOWN_ANSWER, final_answer  # noqa: E402

TAUS = [0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, float("inf")]


def margin(engine: Engine, messages: list[dict], token: int) -> float:
    """Logit of `token` minus the best other one, at the answer's first position (answer adapter)."""
    def run():
        engine.use("answer")
        logits = engine.model(mx.array(engine.prompt_tokens(messages))[None])[0, -1]
        row = np.array(logits.astype(mx.float32))
        return float(row[token] - np.delete(row, token).max())

    return worker.run(run)


def measure(engine: Engine, rows: list[dict], outputs: list[str], out: Path) -> dict[int, dict]:
    token = engine.tokenizer.encode(UNKNOWN_ANSWER, add_special_tokens=False)[0]
    done = {(r := json.loads(line))["i"]: r for line in out.read_text().splitlines()} if out.exists() else {}
    todo = [i for i, o in enumerate(outputs) if o.lstrip().startswith(UNKNOWN_ANSWER[0]) and i not in done]
    with out.open("a") as f:
        for i in tqdm(todo, desc="refused rows", unit="row"):
            msgs = rows[i]["messages"][:-1]
            m = margin(engine, msgs, token)
            alt = engine.generate(msgs, adapter="answer", max_tokens=MAX_TOKENS["answer"], stop=STOP,
                                  logit_bias={token: -100.0}) if m > 0 else None
            done[i] = {"i": i, "margin": m, "alt": alt}
            f.write(json.dumps(done[i]) + "\n")
            f.flush()
    return done


def sweep(rows: list[dict], outputs: list[str], found: dict[int, dict]) -> list[tuple[float, float, int]]:
    """(tau, token F1, adversarial refused) with the rows refused by a margin <= tau answered instead."""
    table = []
    for tau in TAUS:
        f1 = adv = 0
        for i, r in enumerate(rows):
            g = found.get(i)
            text = g["alt"] if g and g["alt"] is not None and g["margin"] <= tau else outputs[i]
            cat = int(r["meta"].get("category", 4))
            s = score_answer(final_answer(text, r["messages"][:-1]), r["meta"].get("answer"), cat)
            f1 += s["f1"]
            adv += cat == 5 and s["refused"]
        table.append((tau, f1 / len(rows), adv))
    return table


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="an answer split (test.jsonl) of `memlora distill --op answer`")
    p.add_argument("--outputs", required=True, help="answer_outputs.jsonl of `memlora eval ops` on that split")
    p.add_argument("--out", required=True, help="JSONL of margins and barred answers (appended, resumable)")
    p.add_argument("--model", default=None)
    p.add_argument("--adapters", default="default")
    a = p.parse_args(argv)
    rows = [json.loads(line) for line in Path(a.data).read_text().splitlines()]
    outputs = [json.loads(line)["adapter"] for line in Path(a.outputs).read_text().splitlines()]
    if len(rows) != len(outputs):
        p.error(f"{a.outputs} has {len(outputs)} outputs for {len(rows)} rows")
    found = measure(Engine(a.model, adapters=a.adapters), rows, outputs, Path(a.out))
    n_adv = sum(int(r["meta"].get("category", 4)) == 5 for r in rows)
    print(f"{sum(g['margin'] > 0 for g in found.values())} of {len(rows)} rows refused by the answer adapter")
    print("| refuse when margin > | token F1 | adversarial refused |\n|---|---|---|")
    for tau, f1, adv in sweep(rows, outputs, found):
        print(f"| {tau:g} | {f1:.4f} | {adv}/{n_adv} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
