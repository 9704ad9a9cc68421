"""A relative's news told with a he/she clause, and trips to see family (`chat_source.add_chat_examples(n_family=)`,
`memlora distill --extract-chat-family N`).

x12 kept one fact of "My daughter Amira turned five last week and she loves dinosaurs." (the clause after "and she"
was lost) and stored "We're going to Istanbul in March to see my parents." also as the parents' trip. Here two
facts, both the relative's, when a message tells two things of one relative; one fact, the user's, when the user
travels to see family. Values are kept apart from the probe's (`scripts/chat_extract_probe.py --family`, held out)
and from yusuf's drive (`scripts/chat_drive_thirty_first.txt`); a test checks both.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

# (relation, he/she, his/her); the young ones are the ones a child's age and likes are told of
YOUNG = [("son", "he", "his"), ("daughter", "she", "her"), ("nephew", "he", "his"), ("granddaughter", "she", "her"),
         ("grandson", "he", "his"), ("little sister", "she", "her")]
RELATIVES = YOUNG[:2] + [("brother", "he", "his"), ("sister", "she", "her"), ("mother", "she", "her"),
                         ("father", "he", "his"), ("aunt", "she", "her"), ("uncle", "he", "his"),
                         ("best friend", "she", "her"), ("cousin", "he", "his")]
HIS_NAMES = ["Elias", "Marek", "Tobias", "Yannick", "Kwame", "Rohan", "Emil", "Diego"]
HER_NAMES = ["Sienna", "Mira", "Olga", "Zainab", "Clara", "Esme", "Noemi", "Priti"]
FAMILY_GROUPS = ["parents", "grandparents", "sister", "brother", "aunt", "grandmother", "grandfather", "family",
                 "old school friends", "godmother"]
KID_LIKES = ["Lego", "football", "ballet", "drawing horses", "space rockets", "comic books", "karate", "puzzles",
             "baking cookies", "climbing trees"]
PAST = ["last week", "yesterday", "last month", "last year", "last weekend"]
COMING = ["next week", "next month", "tomorrow", "next weekend", "in {month}"]
AGES_SAID = ["three", "four", "six", "eight", "nine", "ten", "eleven", "twelve"]

# (message, facts): two facts of one relative; {when} a past relative date, written as the runtime writes it
FAMILY_YOUNG = [
    ("My {rel} {name} turned {age} {when} and {pron} loves {kid_like}.",
     ["{U}'s {rel} {name} turned {age} {when}.", "{U}'s {rel} {name} loves {kid_like}."]),
    ("My {rel} {name} is {age} and {pron} is really into {kid_like}.",
     ["{U}'s {rel} {name} is {age}.", "{U}'s {rel} {name} is really into {kid_like}."]),
    ("My {rel} {name} started school {when}, and {pron}'s mad about {kid_like}.",
     ["{U}'s {rel} {name} started school {when}.", "{U}'s {rel} {name} is mad about {kid_like}."]),
]
FAMILY = [
    ("My {rel} {name} got engaged {when}, and {pron} lives in {city} now.",
     ["{U}'s {rel} {name} got engaged {when}.", "{U}'s {rel} {name} lives in {city}."]),
    ("My {rel} started a new job {when} and {pron}'s {a_job} now.",
     ["{U}'s {rel} started a new job {when}.", "{U}'s {rel} is {a_job}."]),
    ("My {rel} {name} broke {poss} wrist {when}, so {pron} can't go {hobby} for a while.",
     ["{U}'s {rel} {name} broke {poss} wrist {when}.", "{U}'s {rel} {name} can't go {hobby} for a while."]),
    ("My {rel} {name} moved to {city} {when}; {pron} works at {place}.",
     ["{U}'s {rel} {name} moved to {city} {when}.", "{U}'s {rel} {name} works at {place}."]),
    ("My {rel} passed {poss} driving test {when} and {pron}'s saving up for a car.",
     ["{U}'s {rel} passed {poss} driving test {when}.", "{U}'s {rel} is saving up for a car."]),
    ("My {rel} {name} came home from hospital {when}, and {pron} is feeling much better.",
     ["{U}'s {rel} {name} came home from hospital {when}.", "{U}'s {rel} {name} is feeling much better."]),
]
# (message, facts): the user travels to see family; {soon} a coming date. The trip is the user's alone.
TRIPS = [
    ("I'm flying to {city} {soon} to visit my {group}.", ["{U} is flying to {city} {soon} to visit {U}'s {group}."]),
    ("We're going to {city} {soon} to see my {group}.", ["{U} is going to {city} {soon} to see {U}'s {group}."]),
    ("I'm visiting my {group} in {city} {soon}.", ["{U} is visiting {U}'s {group} in {city} {soon}."]),
    ("I'm taking the bus to {city} {soon} to see my {group}.",
     ["{U} is taking the bus to {city} {soon} to see {U}'s {group}."]),
    ("Heading to {city} {soon} for a family birthday.", ["{U} is heading to {city} {soon} for a family birthday."]),
]
FAMILY_QUIET = [
    "What should I get my {rel} for {poss} birthday?", "Any ideas for a day out with my {group}?",
    "How do I tell my {rel} I can't come this weekend?", "What's a good present for a {age}-year-old?",
    "Is it weird to visit my {group} twice a month?", "My {rel} would love that, haha.",
]


def family_examples(n: int, *, rng: random.Random, speakers: list[str], draw_fields,
                    quiet_share: float = 0.2) -> list[dict]:
    """`n` chat messages of FAMILY (FAMILY_YOUNG for a child) and TRIPS (half each), `quiet_share` of them
    FAMILY_QUIET with {"facts": []}; the relative dates in the targets are the absolute ones the prompt shows
    (`dates.mark_relative_dates`). `speakers` and `draw_fields(rng, speaker, day)` are `chat_source`'s (passed in:
    that module imports this one)."""
    from ..ops import extract as op
    from ..ops.dates import mark_relative_dates
    from ..types import Turn
    from . import chat_example

    rows = []
    for _ in range(n):
        speaker = rng.choice(speakers)
        day = date(2023, 1, 1) + timedelta(days=rng.randrange(4 * 365))
        f = draw_fields(rng, speaker, day)
        young = rng.random() < 0.4
        rel, pron, poss = rng.choice(YOUNG if young else RELATIVES)
        f |= {"rel": rel, "pron": pron, "poss": poss, "name": rng.choice(HIS_NAMES if pron == "he" else HER_NAMES),
              "group": rng.choice(FAMILY_GROUPS),
              "kid_like": rng.choice(KID_LIKES), "age": rng.choice(AGES_SAID), "when": rng.choice(PAST),
              "soon": rng.choice(COMING).format(month=f["month"])}
        if rng.random() < quiet_share:
            text, facts, variant = rng.choice(FAMILY_QUIET).format(**f), [], "chat_family_quiet"
        else:
            trip = rng.random() < 0.5
            message, templates = rng.choice(TRIPS if trip else FAMILY_YOUNG if young else FAMILY)
            text, variant = message.format(**f), "chat_trip" if trip else "chat_family"
            facts = [mark_relative_dates(t.format(**f), day.isoformat(), op.DATE_FORM) for t in templates]
        target = json.dumps({"facts": facts}, ensure_ascii=False)
        rows.append(chat_example(op.build_messages([Turn(speaker, text)], day.isoformat()), target, op="extract",
                                 conv="synthetic-chat", n_facts=len(facts), facts=facts, variant=variant))
    return rows
