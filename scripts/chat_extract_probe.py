"""Extract on the chat drive scripts, one message at a time as the chat sends it: do statements give facts, and
do questions and small talk give none?

    uv run python scripts/chat_extract_probe.py [--adapters DIR|none] [--model qwen2.5-coder-0.5b]
        [--dates 2026-12-01,2026-12-02,...] [--statements-only]

A message is a statement when it is one of FACTS below (the fact-bearing lines of the four scripts); every other
message should leave no fact. The session date is part of the extract prompt, so each date is a separate run.
"""

import argparse
import json
from pathlib import Path

import memlora_mlx  # noqa: F401 - BLAS preload before mlx
from memlora_mlx.chat.drive import read_script
from memlora_mlx.engine import Engine
from memlora_mlx.ops import extract as extract_op
from memlora_mlx.types import Turn

ROOT = Path(__file__).resolve().parent
SCRIPTS = [(ROOT / "chat_drive_example.txt", "alex"), (ROOT / "chat_drive_second.txt", "sam"),
           (ROOT / "chat_drive_third.txt", "jo"), (ROOT / "chat_drive_fourth.txt", "rui")]
FACTS = {"My sister Maria works as a pilot in Lisbon.", "I have two cats called Pixel and Mochi.",
         "I work as a nurse at St. Mary's Hospital.", "I go rock climbing every Saturday morning.",
         "I'm flying to Tokyo on the 12th of March for a two-week trip.", "My favourite food is mushroom risotto.",
         "My dad Jorge runs a small bookshop in Valencia.", "We adopted a rescue greyhound named Comet.",
         "I've been learning the cello since September.", "My best friend Kenji just moved to Osaka for work.",
         "I drive a blue Honda Civic.", "My daughter Ana turns seven in June.",
         "I just started a new job as a baker at Crumb & Co.", "My brother Luis lives in Mexico City with his wife.",
         "I'm allergic to peanuts.", "I'm training for the Berlin marathon in September.", "My partner Tessa is a vet.",
         "Oh and I can't eat gluten."}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--adapters", default="default", help="default (the shipped ones) | none | DIR of <op>/ adapters")
    p.add_argument("--model", default=None)
    p.add_argument("--dates", default="2026-12-01", help="comma-separated session dates, one run each")
    p.add_argument("--statements-only", action="store_true", help="skip the questions and small talk")
    args = p.parse_args()
    engine = Engine(args.model, adapters=None if args.adapters == "none" else args.adapters)
    for day in args.dates.split(","):
        said = quiet = n_said = n_quiet = 0
        for script, user in SCRIPTS:
            for line in read_script(script):
                fact_line = line in FACTS
                if line.startswith("/") or (args.statements_only and not fact_line):
                    continue
                facts = extract_op.extract_facts(engine, [Turn(user, line)], day)
                n_said, n_quiet = n_said + fact_line, n_quiet + (not fact_line)
                said, quiet = said + (fact_line and bool(facts)), quiet + (not fact_line and not facts)
                print(f"{day} {'statement' if fact_line else 'quiet    '} {line!r} -> {facts}", flush=True)
        print(json.dumps({"model": engine.model_id, "adapters": args.adapters, "date": day,
                          "statements_with_facts": f"{said}/{n_said}",
                          "quiet_without_facts": f"{quiet}/{n_quiet}" if n_quiet else None}), flush=True)


if __name__ == "__main__":
    main()
