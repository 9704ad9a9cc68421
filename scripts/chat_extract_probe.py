"""Extract on the chat drive scripts, one message at a time as the chat sends it: do statements give facts, and
do questions and small talk give none?

    uv run python scripts/chat_extract_probe.py [--adapters DIR|none] [--model qwen2.5-coder-0.5b]
        [--dates 2026-12-01,2026-12-02,...] [--statements-only] [--context] [--followups [--sets ABC] [--resolve]]
        [--compound] [--dated [--date-form mark|replace|none]] [--short] [--requests] [--we] [--partner-we]

A message is a statement when it is one of FACTS below (the fact-bearing lines of the four scripts); every other
message should leave no fact. The session date is part of the extract prompt, so each date is a separate run.
`--context` shows each message with the previous one of its chat as context, as the chat does with
`Conversation(extract_context=1)`. `--compound` runs COMPOUND (one message, several facts: how many are kept).
`--short` runs SHORT (short statements about health, diet, likes and habits, each from five users; and questions on
those topics). `--requests` runs REQUESTS (general requests and remarks: none may leave a fact). `--we` runs WE
(news said with "we" or "our": kept, and the user's). `--partner-we` runs PARTNER_WE (a named partner and news with
"we" in one message: both kept, the news as the user's). `--followups` runs the sets FOLLOWUPS, FOLLOWUPS_B and
FOLLOWUPS_C instead
(`--resolve`: each follow-up rewritten first by the chat's resolver, as the chat sends it; with `--context`: the
previous message as context; without: the follow-up alone, as the chat sends it with the shipped adapter): a
message that leans on the previous one ("He works as a chef there.") must give a fact that names what it refers to,
and a question or small talk after a statement must give none (not the statement's fact again). They were written
for this probe, not drawn from the training templates (`distill/chat_source.py: FOLLOWUPS`).
"""
import re

import argparse
import json
from pathlib import Path

import memlora_mlx  # noqa: F401 - BLAS preload before mlx
from memlora_mlx.chat import followup
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


# (user, previous message, follow-up, patterns its facts must all match; none: the follow-up must give no fact)
FOLLOWUPS = [
    ("mia", "I just adopted a puppy.", "She's called Bean and she's a beagle.", [r"bean", r"puppy|dog|beagle"]),
    ("mia", "My brother Sam lives in Oslo.", "He works as a chef there.", [r"chef", r"brother|sam"]),
    ("jo", "I started a new job last week.", "It's at a bakery called Crumb & Co.", [r"crumb|bakery"]),
    ("kim", "My son Theo is 12.", "He plays the violin.", [r"violin", r"theo|son"]),
    ("lee", "My girlfriend Priya is a dentist.", "She works at a clinic in Leeds.", [r"leeds|clinic", r"priya|girlfriend"]),
    ("ana", "We bought a house last month.", "It's in Porto, near the river.", [r"porto"]),
    ("ben", "I have a cat called Miso.", "He's five years old.", [r"five|\b5\b", r"miso|cat"]),
    ("rui", "My partner Tessa is a vet.", "She's also learning to play the drums.", [r"drum", r"tessa|partner"]),
    ("mia", "My brother Sam lives in Oslo.", "What a rainy day it is here.", None),
    ("alex", "My sister Maria works as a pilot in Lisbon.", "Can you explain why the sky is blue?", None),
    ("jo", "I'm allergic to peanuts.", "Thanks!", None),
    ("sam", "I drive a blue Honda Civic.", "What's my dog's name?", None),
]
# a second set, written after the first follow-up adapter was measured on the set above and before the second was
FOLLOWUPS_B = [
    ("nina", "My grandpa Walter turned 90 on Sunday.", "He still walks to the market every morning.",
     [r"market", r"walter|grandpa"]),
    ("omar", "I bought a bike last weekend.", "It's a green Trek, second-hand.", [r"trek|green", r"bike"]),
    ("tara", "My niece Lily started school.", "She's in year one at Hillside Primary.", [r"hillside", r"lily|niece"]),
    ("dev", "I've got a job interview on Friday.", "It's with a design agency in Bristol.", [r"bristol|design agency"]),
    ("eva", "My roommate Jonah is from Chile.", "He teaches salsa on weekends.", [r"salsa", r"jonah|roommate"]),
    ("max", "We have a parrot called Kiwi.", "She can say about twenty words.", [r"twenty|\b20\b", r"kiwi|parrot"]),
    ("zoe", "My mum had surgery yesterday.", "She's recovering at home now.", [r"recover", r"mum|mother"]),
    ("liam", "I'm reading a great book.", "It's called The Overstory, by Richard Powers.", [r"overstory"]),
    ("nina", "My grandpa Walter turned 90 on Sunday.", "Haha, time flies.", None),
    ("omar", "I bought a bike last weekend.", "Do you know any good cycling routes?", None),
    ("tara", "My niece Lily started school.", "Anyway, how are you?", None),
    ("dev", "I've got a job interview on Friday.", "Wish me luck!", None),
]

# a third set, written in the twelfth session before the chat's follow-up resolver (chat/followup.py) was: held out
FOLLOWUPS_C = [
    ("ivy", "My uncle Bruno owns a vineyard.", "He makes a red wine called Casa Alta.", [r"casa alta", r"bruno|uncle"]),
    ("leo", "I just bought a used car.", "It's a silver Toyota Corolla.", [r"corolla|toyota", r"car"]),
    ("ada", "My best friend Noor got married in May.", "She lives in Cairo now.", [r"cairo", r"noor|friend"]),
    ("tom", "We got a kitten last week.", "Her name is Pepper.", [r"pepper", r"kitten|cat"]),
    ("sol", "My daughter Emma plays football.", "She's the goalkeeper for her school team.",
     [r"goalkeeper", r"emma|daughter"]),
    ("kai", "I've started a pottery class.", "It's every Tuesday evening at the community centre.",
     [r"tuesday", r"pottery|class"]),
    ("rio", "My dad retired in March.", "He was a train driver for forty years.", [r"train driver", r"dad|father"]),
    ("uma", "My cousin Felix is visiting next week.", "He's coming from Berlin.", [r"berlin", r"felix|cousin"]),
    ("ivy", "My uncle Bruno owns a vineyard.", "That's about it for today.", None),
    ("leo", "I just bought a used car.", "It's so cold outside today.", None),  # a pronoun that leans on nothing
    ("ada", "My best friend Noor got married in May.", "What should I cook tonight?", None),
    ("tom", "We got a kitten last week.", "Lol, ok.", None),
]
SETS = {"A": FOLLOWUPS, "B": FOLLOWUPS_B, "C": FOLLOWUPS_C}

# Sixteenth session, written before `chat_source.COMPOUND` and its training run (held out): one message, two or three
# facts. (user, message, one list of patterns per fact: a fact is kept when one extracted fact matches all of them;
# the relation word is among them, so "nora lives in Berlin" for the brother does not count)
COMPOUND = [
    ("nora", "My brother Jonas lives in Berlin and teaches maths at a high school.",
     [[r"brother", r"berlin"], [r"brother", r"math"]]),
    ("nora", "I work as a dentist and I play the drums in a band.", [[r"dentist"], [r"drum"]]),
    ("nora", "My wife Clara is from Madrid and she loves painting.", [[r"wife", r"madrid"], [r"wife", r"paint"]]),
    ("nora", "I have a dog called Rex and a cat called Tom.", [[r"dog", r"rex"], [r"cat", r"tom"]]),
    ("nora", "I moved to Leeds last year and started working at a bank.", [[r"leeds"], [r"bank"]]),
    ("nora", "I'm vegetarian, and my favourite band is Radiohead.", [[r"vegetarian"], [r"radiohead"]]),
    ("nora", "My son Leo is nine and plays football every Sunday.", [[r"son", r"nine|\b9\b"], [r"son", r"football"]]),
    ("nora", "My mum is a retired teacher who lives in Cork.", [[r"mum|mother", r"teacher"], [r"mum|mother", r"cork"]]),
    ("ivan", "I grew up in Glasgow but now I live in Bristol with my girlfriend Ana.",
     [[r"glasgow"], [r"bristol"], [r"girlfriend"]]),
    ("ivan", "My best friend Ravi just had a baby girl and he's moving to Dubai in March.",
     [[r"friend", r"baby"], [r"friend", r"dubai"]]),
    ("ivan", "I speak French and German, and I'm learning Korean.", [[r"french|german"], [r"korean"]]),
    ("ivan", "My grandma Rosa is 88 and still gardens every day.", [[r"grandm", r"88"], [r"grandm", r"garden"]]),
]


def compound(engine, day: str) -> None:
    kept = total = whole = 0
    for user, line, facts_wanted in COMPOUND:
        facts = extract_op.extract_facts(engine, [Turn(user, line)], day)
        got = [any(all(re.search(p, f, re.I) for p in pats) for f in facts) for pats in facts_wanted]
        kept, total, whole = kept + sum(got), total + len(got), whole + all(got)
        print(f"{day} compound {sum(got)}/{len(got)} {line!r} -> {facts}", flush=True)
    print(json.dumps({"model": engine.model_id, "date": day, "set": "compound", "facts_kept": f"{kept}/{total}",
                      "messages_whole": f"{whole}/{len(COMPOUND)}"}), flush=True)


def followups(engine, day: str, with_context: bool, sets: str = "ABC", resolve: bool = False) -> None:
    for name in sets:
        followup_set(engine, day, with_context, name, SETS[name], resolve)


def followup_set(engine, day: str, with_context: bool, name: str, pairs: list, resolve: bool = False) -> None:
    resolved = quiet = n_res = n_quiet = 0
    for user, prev, line, patterns in pairs:
        said = followup.resolve(line, prev) if resolve else line
        facts = extract_op.extract_facts(engine, [Turn(user, said)], day,
                                         context=[Turn(user, prev)] if with_context else None)
        if patterns is None:
            n_quiet, quiet = n_quiet + 1, quiet + (not facts)
        else:
            n_res += 1
            resolved += any(all(re.search(p, f, re.I) for p in patterns) for f in facts)
        shown = line if said == line else f"{line!r} (as {said!r})"
        print(f"{day} {'follow-up' if patterns else 'quiet    '} {prev!r} / {shown} -> {facts}", flush=True)
    print(json.dumps({"model": engine.model_id, "date": day, "set": name, "context": with_context, "resolve": resolve,
                      "followups_resolved": f"{resolved}/{n_res}",
                      "quiet_without_facts": f"{quiet}/{n_quiet}"}), flush=True)

# Eighteenth session, written before the extract prompt's dates were (`ops/dates.py`): a relative date in the message;
# the fact must carry the absolute date it means on 1 December 2026 (run with --dates 2026-12-01).
DATED = [
    ("nora", "I moved to Leeds last year and started working at a bank.", r"2025"),
    ("ivan", "My sister got married yesterday.", r"30 November 2026|29 November 2026"),
    ("kim", "We're moving to Spain next month.", r"January 2027"),
    ("lee", "I quit smoking two years ago.", r"2024"),
    ("omar", "I ran my first marathon last month.", r"November 2026"),
    ("dev", "I start my new job tomorrow.", r"2 December 2026"),
    ("eva", "I adopted my cat three months ago.", r"September 2026"),
    ("tara", "My brother finished his degree last year.", r"2025"),
]


def dated(engine, day: str) -> None:
    right = 0
    for user, line, when in DATED:
        facts = extract_op.extract_facts(engine, [Turn(user, line)], day)
        ok = any(re.search(when, f, re.I) for f in facts)
        right += ok
        print(f"{day} dated {'ok' if ok else '--'} {line!r} -> {facts}", flush=True)
    print(json.dumps({"model": engine.model_id, "date": day, "set": "dated", "date_form": extract_op.DATE_FORM,
                      "dated_right": f"{right}/{len(DATED)}"}), flush=True)


# Twenty-ninth session, written before `chat_source.SHORT` and its training run (held out; a test checks that no
# value of the templates is here): xmix24 gave {"facts": []} for "I'm allergic to peanuts." from noor (not from jo).
# (message, pattern the fact must match; None: a question or small talk, no fact)
SHORT = [
    ("I'm allergic to peanuts.", r"peanut"), ("Oh and I can't eat gluten.", r"gluten"), ("I have asthma.", r"asthma"),
    ("I don't drink alcohol.", r"alcohol"), ("I'm lactose intolerant.", r"lactose"), ("I'm vegan.", r"vegan"),
    ("I don't eat pork.", r"pork"), ("I'm afraid of flying.", r"flying|fly"), ("I wear contact lenses.", r"lens"),
    ("I'm left-handed.", r"left.handed"), ("I hate olives.", r"olive"), ("I play the violin.", r"violin"),
    ("I'm a night owl.", r"night owl"), ("I've got type 1 diabetes.", r"diabet"),
    ("I take insulin every morning.", r"insulin"), ("I'm on a low-salt diet.", r"salt"),
    ("I can't have caffeine after noon.", r"caffeine"), ("I'm colour-blind.", r"colou?r.blind"),
    ("Is coffee bad for asthma?", None), ("What's a good vegan lunch?", None), ("Do olives go with pasta?", None),
    ("How much sleep does a night owl need?", None), ("I'm exhausted today.", None), ("Sounds good to me.", None),
]
SHORT_USERS = ["noor", "maya", "jo", "Greta", "kate"]


def short(engine, day: str) -> None:
    per_user(engine, day, "short", SHORT_USERS, SHORT, lambda user, line, pattern, facts: any(
        re.search(pattern, f, re.I) for f in facts))


def per_user(engine, day: str, name: str, users: list[str], pairs: list, kept) -> None:
    """Each of `pairs` (message, pattern; None: no fact wanted) from each user; `kept(user, line, pattern, facts)`
    says whether a statement's facts count."""
    said = quiet = n_said = n_quiet = 0
    counts = {u: 0 for u in users}
    for user in users:
        for line, pattern in pairs:
            facts = extract_op.extract_facts(engine, [Turn(user, line)], day)
            if pattern is None:
                n_quiet, quiet = n_quiet + 1, quiet + (not facts)
            else:
                ok = kept(user, line, pattern, facts)
                n_said, said, counts[user] = n_said + 1, said + ok, counts[user] + ok
            print(f"{day} {user} {'statement' if pattern else 'quiet    '} {line!r} -> {facts}", flush=True)
    print(json.dumps({"model": engine.model_id, "date": day, "set": name, "statements_kept": f"{said}/{n_said}",
                      "per_user": counts, "quiet_without_facts": f"{quiet}/{n_quiet}"}), flush=True)


# Twenty-ninth session, written after x9 stored "Photosynthesis is the process …" from a general request in a
# person-style chat and before `chat_source.REQUESTS` (held out; a test keeps them out of the templates)
REQUESTS = [
    "Can you explain how photosynthesis works, briefly?", "It's been raining all week here.", "How do volcanoes form?",
    "What's the difference between a virus and a bacterium?", "Write me a haiku about autumn.",
    "The traffic was awful this morning.", "Give me three tips for a job interview.", "Why is the ocean salty?",
    "It's so hot today.", "Can you summarise the plot of Hamlet?", "What's a good name for a goldfish?",
    "Lovely weather for a walk.", "How many planets are there?", "Explain compound interest simply.", "Ugh, Mondays.",
    "What time zone is Tokyo in?",
]


def requests(engine, day: str) -> None:
    left = 0
    for user in ("noor", "dara"):
        for line in REQUESTS:
            facts = extract_op.extract_facts(engine, [Turn(user, line)], day)
            left += bool(facts)
            print(f"{day} {user} request {line!r} -> {facts}", flush=True)
    print(json.dumps({"model": engine.model_id, "date": day, "set": "requests",
                      "messages_with_facts": f"{left}/{2 * len(REQUESTS)}"}), flush=True)


# Thirty-first session, written before `chat_source.WE` and its training run (held out; a test keeps its values out of
# the templates): x10 gave no fact for "We just got back from a week in Lisbon." and "We're moving to Spain next
# month.", and gave "we have a dog called Pepper" to noor's husband. (message, pattern a fact must match; None: no
# fact). A kept fact must be the user's: it may name a partner only when the message does.
WE = [
    ("We just got back from a week in Lisbon.", r"lisbon"), ("We're moving to Spain next month.", r"spain"),
    ("We have a dog called Waffles.", r"waffles"), ("My wife and I just bought a flat in Galway.", r"galway"),
    ("Our daughter starts school in September.", r"school"), ("We got married last summer.", r"married"),
    ("We're expecting our first baby in March.", r"baby"), ("My husband and I run a café together.", r"caf"),
    ("We go skiing in the Dolomites every February.", r"dolomites|ski"), ("Our cat Pumpkin is twelve now.", r"pumpkin"),
    ("We're renovating our kitchen this winter.", r"kitchen"), ("We just adopted two guinea pigs.", r"guinea"),
    ("We should chat more often.", None), ("Where were we?", None), ("Can we talk about something else?", None),
    ("Shall we start?", None), ("We'll see how it goes.", None), ("What should we cook for dinner tonight?", None),
]
WE_USERS = ["lin", "marek", "Bea"]
PARTNER_WORDS = "husband|wife|partner|boyfriend|girlfriend|fianc"
PARTNER = rf"\b(?:{PARTNER_WORDS})"


def we(engine, day: str) -> None:
    per_user(engine, day, "we", WE_USERS, WE, lambda user, line, pattern, facts: any(
        re.search(pattern, f, re.I) and f.lower().startswith(user.lower())
        and (re.search(PARTNER, line, re.I) or not re.search(PARTNER, f, re.I)) for f in facts))


# Thirty-second session, written before `chat_source.PARTNER_WE` and its training run (held out; a test keeps its
# values and shapes out of the templates): x11 stored noor's "My husband Omar is a nurse and we have a dog called
# Pepper." as the husband's dog. (message, pattern of the partner's fact, pattern of the "we" fact.) Right when one fact
# names the partner with what is said of them, and another, the user's (not "<user>'s husband …"), has the "we" news.
PARTNER_WE = [
    ("My husband Karim is a nurse and we've got a puppy named Mochi.", r"karim.*nurse|nurse.*karim", r"mochi"),
    ("My wife Ingrid teaches maths, and we live just outside Bergen.", r"ingrid.*(math|teach)", r"bergen"),
    ("My partner Sacha bakes bread for a living; we just moved to Ghent.", r"sacha.*(bak|bread)", r"ghent"),
    ("My girlfriend Maya works at the zoo and we're saving up for a trip to Peru.", r"maya.*zoo", r"peru"),
    ("My boyfriend Ezra plays the cello in an orchestra, and we have two cats.", r"ezra.*cello", r"\bcats?\b"),
    ("My wife Lotte is pregnant and we're moving to Utrecht in May.", r"lotte.*pregnan", r"utrecht"),
    ("My husband Joao grew up in Recife; we met at university.", r"joao.*recife", r"universit"),
    ("We have a son called Theo, and my wife Anja flies planes for a living.", r"anja.*(pilot|plane|fl[iy])",
     r"\btheo\b"),
]
PARTNER_WE_USERS = ["wren", "Caio", "ottilie"]


def partner_we(engine, day: str) -> None:
    def kept(user, line, patterns, facts):
        partner, news = patterns
        theirs = re.compile(rf"{re.escape(user)}'s\s+(?:{PARTNER_WORDS})", re.I)
        return any(re.search(partner, f, re.I) for f in facts) and any(
            re.search(news, f, re.I) and f.lower().startswith(user.lower()) and not theirs.match(f) for f in facts)

    per_user(engine, day, "partner_we", PARTNER_WE_USERS, [(m, (a, b)) for m, a, b in PARTNER_WE], kept)


# Thirty-fourth session, written before `chat_family.FAMILY` and its training run (held out; a test keeps its values
# and shapes out of the templates): x12 stored nothing for "… and she loves dinosaurs." after "My daughter Amira turned
# five last week" (yusuf's chat), and "We're going to Istanbul in March to see my parents." also as the parents' trip.
# (message, one list of patterns per fact; a trip's place must be in a fact of the user's, and every fact of a trip
# the user's: tightened after x12's first run, which gave "bilal's cousins are seeing bilal in May.", before x13's)
FAMILY = [
    ("My son Anton turned seven on Sunday and he's obsessed with trains.", [[r"son|anton", r"seven|\b7\b"],
                                                                            [r"son|anton", r"train"]]),
    ("My brother Idris got married in June and he lives in Aarhus now.", [[r"brother|idris", r"married"],
                                                                          [r"brother|idris", r"aarhus"]]),
    ("My mum retired last year and she spends every morning in her garden.", [[r"mum|mother", r"retir"],
                                                                              [r"mum|mother", r"garden"]]),
    ("My daughter Lucia learned to swim this summer and she wants a bike for her birthday.",
     [[r"daughter|lucia", r"swim"], [r"daughter|lucia", r"bike"]]),
    ("My dad had knee surgery last week, and he hates sitting still.", [[r"dad|father", r"knee|surgery"],
                                                                        [r"dad|father", r"sit"]]),
    ("My niece Freya started university in September and she's studying law.", [[r"niece|freya", r"universit"],
                                                                                [r"niece|freya", r"\blaw\b"]]),
    ("I'm flying to Lagos next week to visit my grandmother.", [[r"lagos"]]),
    ("We're driving to Galicia at Easter to see my in-laws.", [[r"galicia"]]),
    ("Next weekend I'm taking the train to Dresden to see my brother.", [[r"dresden"]]),
    ("I'm off to Accra in May to see my cousins.", [[r"accra"]]),
]
FAMILY_USERS = ["bilal", "Wanjiru", "petra"]


def family(engine, day: str) -> None:
    def kept(user, line, patterns, facts):
        found = [next((f for f in facts if all(re.search(p, f, re.I) for p in pats)), None) for pats in patterns]
        if len(patterns) > 1:
            return sum(f is not None for f in found)
        # a trip: the user's, and no fact of the family seen ("bilal's cousins are seeing bilal in May.")
        return int(found[0] is not None and all(f.lower().startswith(user.lower() + " ") for f in facts))

    said = total = whole = 0
    for user in FAMILY_USERS:
        for line, patterns in FAMILY:
            facts = extract_op.extract_facts(engine, [Turn(user, line)], day)
            got = kept(user, line, patterns, facts)
            n = len(patterns)
            said, total, whole = said + got, total + n, whole + (got == n)
            print(f"{day} {user} family {got}/{n} {line!r} -> {facts}", flush=True)
    print(json.dumps({"model": engine.model_id, "date": day, "set": "family", "facts_kept": f"{said}/{total}",
                      "messages_whole": f"{whole}/{len(FAMILY) * len(FAMILY_USERS)}"}), flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--adapters", default="default", help="default (the shipped ones) | none | DIR of <op>/ adapters")
    p.add_argument("--model", default=None)
    p.add_argument("--dates", default="2026-12-01", help="comma-separated session dates, one run each")
    p.add_argument("--statements-only", action="store_true", help="skip the questions and small talk")
    p.add_argument("--context", action="store_true", help="the previous message of the chat goes along as context")
    p.add_argument("--followups", action="store_true", help="run the follow-up pairs instead of the scripts")
    p.add_argument("--sets", default="ABC", help="follow-up sets to run (A, B, C)")
    p.add_argument("--compound", action="store_true", help="run the messages with two or three facts instead")
    p.add_argument("--resolve", action="store_true",
                   help="the chat's follow-up resolver (chat/followup.py) rewrites each follow-up first")
    p.add_argument("--requests", action="store_true", help="run the general requests and remarks instead")
    p.add_argument("--short", action="store_true", help="run the short health, diet and habit statements instead")
    p.add_argument("--we", action="store_true", help="run the news said with we / our instead")
    p.add_argument("--partner-we", action="store_true",
                   help="run messages that say something of a named partner and news with we instead")
    p.add_argument("--family", action="store_true",
                   help="run a relative's news with a he/she clause, and trips to see family, instead")
    p.add_argument("--dated", action="store_true", help="run the messages with relative dates instead")
    p.add_argument("--date-form", choices=["mark", "replace", "none"], default=None,
                   help="how the extract prompt writes relative dates (default: the shipped extract.DATE_FORM)")
    args = p.parse_args()
    if args.date_form:
        extract_op.DATE_FORM = args.date_form
    engine = Engine(args.model, adapters=None if args.adapters == "none" else args.adapters)
    sets = {"compound": compound, "dated": dated, "short": short, "we": we, "partner_we": partner_we,
            "requests": requests, "family": family}
    for day in args.dates.split(","):
        chosen = [run for flag, run in sets.items() if getattr(args, flag)]
        if chosen:
            chosen[0](engine, day)
            continue
        if args.followups:
            followups(engine, day, args.context, args.sets, args.resolve)
            continue
        said = quiet = n_said = n_quiet = 0
        for script, user in SCRIPTS:
            prev = None
            for line in read_script(script):
                context = [Turn(user, prev)] if args.context and prev else None
                prev = None if line == "/new" else line
                fact_line = line in FACTS
                if line.startswith("/") or (args.statements_only and not fact_line):
                    continue
                facts = extract_op.extract_facts(engine, [Turn(user, line)], day, context=context)
                n_said, n_quiet = n_said + fact_line, n_quiet + (not fact_line)
                said, quiet = said + (fact_line and bool(facts)), quiet + (not fact_line and not facts)
                print(f"{day} {'statement' if fact_line else 'quiet    '} {line!r} -> {facts}", flush=True)
        print(json.dumps({"model": engine.model_id, "adapters": args.adapters, "date": day,
                          "statements_with_facts": f"{said}/{n_said}",
                          "quiet_without_facts": f"{quiet}/{n_quiet}" if n_quiet else None}), flush=True)


if __name__ == "__main__":
    main()
