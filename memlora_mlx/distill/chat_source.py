"""Synthetic chat messages for the extract adapter: one message, as the chat sends it, and its facts.

LoCoMo's turns are long, two-speaker and annotated sparsely; a chat user writes one short message at a time,
in the first person, mostly questions and small talk. These examples teach that form:
- a statement -> facts in the third person that keep the relation, the name and the speaker ("My brother Tom
  is a chef in Oslo." from sam -> "sam's brother Tom is a chef in Oslo.") and add nothing the message lacks;
- a question about the user, a request or small talk -> {"facts": []}.
Follow-ups (`followup_examples`): the previous message of the chat as context, then a message that leans on it
("I just adopted a rabbit." / "She's called Luna." -> "sam's rabbit is called Luna."); the context's facts are
already stored, so only the new message's are the target (none for a question or small talk after a statement).
The fillers never name what `scripts/chat_drive_example.txt` tells (its sister, cats, job, hobby, trip, food
and their names), so the drive stays held out; a test checks it.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from . import chat_example, chat_family
from .chat_we import KIDS, PARTNER_WE, PARTNERS, WE, WE_QUIET

SPEAKERS = ["alex", "sam", "Jordan", "priya", "Tom", "lena", "Omar", "kim", "Rosa", "ben", "Yuki", "noah"]
RELATIONS = ["brother", "mother", "father", "cousin", "best friend", "aunt", "uncle", "son", "daughter",
             "wife", "husband", "partner", "grandmother", "roommate", "neighbour", "colleague"]
NAMES = ["Tom", "Elena", "Ravi", "Chloe", "Ahmed", "Sofia", "Lukas", "Mei", "Daniel", "Amara", "Jonas", "Ines",
         "Kofi", "Hannah", "Mateo", "Aiko", "Felix", "Nadia", "Oscar", "Leila"]
JOBS = ["firefighter", "chef", "teacher", "software engineer", "dentist", "architect", "lawyer", "plumber",
        "journalist", "pharmacist", "electrician", "baker", "librarian", "physiotherapist", "accountant",
        "vet", "photographer", "police officer"]
CITIES = ["Denver", "Oslo", "Lyon", "Nairobi", "Toronto", "Melbourne", "Seoul", "Krakow", "Dublin", "Austin",
          "Porto", "Mumbai", "Zurich", "Boston", "Cape Town", "Vienna", "Montreal", "Edinburgh"]
PLACES = ["the city library", "a bakery downtown", "Riverside School", "the town hall", "a small law firm",
          "Greenfield Clinic", "the central post office", "a bike shop", "Northgate Bank", "the local museum"]
PETS = [("dog", "dogs"), ("rabbit", "rabbits"), ("parrot", "parrots"), ("hamster", "hamsters"),
        ("turtle", "turtles")]
PET_NAMES = ["Biscuit", "Luna", "Rocky", "Ziggy", "Pepper", "Olive", "Bruno", "Nugget", "Sunny", "Toffee"]
HOBBIES = ["swimming", "running", "cycling", "yoga", "salsa dancing", "fishing", "chess club", "choir practice",
           "volunteering at the food bank", "tennis", "painting classes", "bouldering"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Sunday"]
MONTHS = ["January", "February", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
FOODS = ["pad thai", "lasagne", "sushi", "falafel", "ramen", "paella", "chicken curry", "tacos", "pho",
         "apple pie", "dumplings", "goulash"]
ALLERGENS = ["peanuts", "shellfish", "gluten", "dust mites", "pollen", "penicillin"]
SKILLS = ["Spanish", "the guitar", "piano", "Japanese", "woodworking", "sign language", "coding in Rust"]
TOPICS = ["photosynthesis", "how vaccines work", "black holes", "inflation", "how a bill becomes law",
          "the rules of cricket", "why leaves change colour"]

# (message, facts): {U} is the speaker; other fields are drawn per example.
STATEMENTS = [
    ("My {rel} {name} is {a_job} in {city}.", ["{U}'s {rel} {name} is {a_job} in {city}."]),
    ("My {rel} {name} works as {a_job} in {city}.", ["{U}'s {rel} {name} works as {a_job} in {city}."]),
    ("My {rel} is called {name}.", ["{U}'s {rel} is called {name}."]),
    ("I have two {pets} called {p1} and {p2}.", ["{U} has two {pets} called {p1} and {p2}."]),
    ("I have a {pet} named {p1}.", ["{U} has a {pet} named {p1}."]),
    ("I work as {a_job} at {place}.", ["{U} works as {a_job} at {place}."]),
    ("I'm {a_job}.", ["{U} is {a_job}."]),
    ("I live in {city}.", ["{U} lives in {city}."]),
    ("I go {hobby} every {day} evening.", ["{U} goes {hobby} every {day} evening."]),
    ("Every {day} I go {hobby}.", ["{U} goes {hobby} every {day}."]),
    ("My favourite food is {food}.", ["{U}'s favourite food is {food}."]),
    ("I'm allergic to {allergen}.", ["{U} is allergic to {allergen}."]),
    ("I'm going to {city} on the {ord} of {month} for a week.", ["{U} is going to {city} on the {ord} of {month} for a week."]),
    ("I just got back from {city}, have you ever been?", ["{U} just got back from {city}."]),
    ("I started learning {skill} last week.", ["{U} started learning {skill} the week before {date}."]),
    ("I moved to {city} last year and I work at {place}.", ["{U} moved to {city} in {year_before}.", "{U} works at {place}."]),
    ("My {rel} {name} just started a new job as {a_job}.", ["{U}'s {rel} {name} just started a new job as {a_job}."]),
    ("I'm vegetarian, so no meat for me.", ["{U} is vegetarian."]),
    ("Hi! I'm {U2}, by the way, and I'm {a_job}.", ["{U} is {a_job}."]),
    ("My {rel}'s birthday is on the {ord} of {month}.", ["{U}'s {rel}'s birthday is on the {ord} of {month}."]),
    ("I'm training for a half marathon in {month}.", ["{U} is training for a half marathon in {month}."]),
    ("Ugh, long day. I had three shifts at {place} this week.", ["{U} had three shifts at {place} the week of {date}."]),
    ("I used to live in {city}, but now I live in {city2}.", ["{U} used to live in {city}.", "{U} lives in {city2}."]),
    ("My {rel} {name} and I are planning a trip to {city} in {month}.", ["{U} and {U}'s {rel} {name} are planning a trip to {city} in {month}."]),
]
# One message, two or three facts (`chat_examples(compound_share=)`): the v5 adapter, trained on STATEMENTS (mostly one
# fact each), kept only the first of "My brother Jonas lives in Berlin and teaches maths …". {pron}: he/she of {rel}.
COMPOUND = [
    ("My {rel} {name} lives in {city} and works as {a_job}.",
     ["{U}'s {rel} {name} lives in {city}.", "{U}'s {rel} {name} works as {a_job}."]),
    ("My {rel} {name} is {a_job}, and {pron} loves {hobby}.",
     ["{U}'s {rel} {name} is {a_job}.", "{U}'s {rel} {name} loves {hobby}."]),
    ("My {rel} {name} is from {city} and now lives in {city2}.",
     ["{U}'s {rel} {name} is from {city}.", "{U}'s {rel} {name} lives in {city2}."]),
    ("My {rel} {name} goes {hobby} every {day} and is learning {skill}.",
     ["{U}'s {rel} {name} goes {hobby} every {day}.", "{U}'s {rel} {name} is learning {skill}."]),
    ("I'm {a_job}, and in my free time I go {hobby}.", ["{U} is {a_job}.", "{U} goes {hobby} in their free time."]),
    ("I have a {pet} called {p1} and I'm allergic to {allergen}.",
     ["{U} has a {pet} called {p1}.", "{U} is allergic to {allergen}."]),
    ("My favourite food is {food} and I'm learning {skill}.",
     ["{U}'s favourite food is {food}.", "{U} is learning {skill}."]),
    ("I work at {place} and I live in {city}.", ["{U} works at {place}.", "{U} lives in {city}."]),
    ("I'm from {city}, I work as {a_job} and I go {hobby} on {day}s.",
     ["{U} is from {city}.", "{U} works as {a_job}.", "{U} goes {hobby} on {day}s."]),
    ("I have a {pet} named {p1}, and my {rel} {name} lives in {city}.",
     ["{U} has a {pet} named {p1}.", "{U}'s {rel} {name} lives in {city}."]),
    ("My {rel} {name} is {a_job} who lives in {city}.",
     ["{U}'s {rel} {name} is {a_job}.", "{U}'s {rel} {name} lives in {city}."]),
    ("I grew up in {city}, but I've lived in {city2} since {year_before}.",
     ["{U} grew up in {city}.", "{U} has lived in {city2} since {year_before}."]),
]
QUIET = [
    "Hi!", "Hello there.", "Hey, how's it going?", "Good morning!", "Thanks a lot!", "Haha, that's funny.",
    "Okay, I see.", "Good night!", "That's all for today.", "See you tomorrow.", "Cool, thanks.",
    "What a {weather} day it is today.", "Hmm, let me think about it.", "Nice!", "You're right.",
    "What does my {rel} do?", "Where does my {rel} live?", "What are my {pets} called?", "Where do I work?",
    "What do I do on {day}s?", "Where am I going in {month}?", "What's my favourite food?", "Do you remember my {rel}'s name?",
    "What am I allergic to?", "Where do I live again?", "What did I tell you about my {rel}?",
    "Can you explain {topic} in two sentences?", "Tell me a joke.", "What's a good recipe for {food}?",
    "How do I say thank you in {skill}?", "Can you recommend a good book?", "What's the capital of Canada?",
    "Should I get a {pet}, what do you think?", "Maybe I should visit {city} someday?",
    "Any tips for staying focused while working?", "How long should I boil an egg?",
]
# Short statements about health, diet, likes and habits (`short_examples`, `--extract-chat-short`): xmix24 left
# "I'm allergic to peanuts." from noor and "Oh and I can't eat gluten." with {"facts": []} (the first token a coin
# toss that the speaker's name tips). Values and names are kept apart from the probe's (`--short`), which is held out.
MORE_SPEAKERS = ["zara", "leo", "Ines", "farah", "Hugo", "amir", "Nia", "oli", "Sven", "tara", "Dev", "ruth",
                 "yusuf", "Elif", "marco", "Chen", "abby", "Tariq"]
CONDITIONS = ["migraines", "eczema", "hay fever", "a bad back", "high blood pressure", "arthritis", "insomnia",
              "a heart murmur", "tinnitus"]
DIETS = ["vegetarian", "pescatarian", "on a keto diet", "on a low-carb diet", "intolerant to soy"]
AVOIDS = ["red meat", "sugar", "dairy", "spicy food", "shellfish", "fried food", "eggs", "nuts", "beef"]
DRINKS = ["kombucha", "soda", "energy drinks", "black tea", "wine", "beer"]
FEARS = ["heights", "spiders", "the dark", "deep water", "dogs", "crowds"]
LIKES = ["jazz", "horror films", "board games", "gardening", "crosswords", "long walks", "spicy food", "opera"]
DISLIKES = ["mushrooms", "cilantro", "raisins", "blue cheese", "bananas", "liquorice", "tomatoes"]
INSTRUMENTS = ["the drums", "the flute", "the saxophone", "the ukulele", "the harp", "the trumpet"]
LANGUAGES = ["Arabic", "Portuguese", "Korean", "Dutch", "Swahili", "Greek", "Polish"]
MEDICINES = ["blood pressure pills", "an inhaler", "vitamin D", "iron tablets", "allergy pills"]
SHORT = [
    ("I have {condition}.", ["{U} has {condition}."]),
    ("I suffer from {condition}.", ["{U} suffers from {condition}."]),
    ("Just so you know, I have {condition}.", ["{U} has {condition}."]),
    ("I'm {diet}.", ["{U} is {diet}."]),
    ("By the way, I'm {diet}.", ["{U} is {diet}."]),
    ("I don't eat {avoid}.", ["{U} doesn't eat {avoid}."]),
    ("I can't eat {avoid}.", ["{U} can't eat {avoid}."]),
    ("Oh, and I can't have {avoid}.", ["{U} can't have {avoid}."]),
    ("I never drink {drink}.", ["{U} never drinks {drink}."]),
    ("I gave up {drink} for good.", ["{U} gave up {drink}."]),
    ("By the way, I'm allergic to {allergen}.", ["{U} is allergic to {allergen}."]),
    ("Also, I'm allergic to {allergen}.", ["{U} is allergic to {allergen}."]),
    ("I'm scared of {fear}.", ["{U} is scared of {fear}."]),
    ("I love {like}.", ["{U} loves {like}."]),
    ("I really like {like}.", ["{U} really likes {like}."]),
    ("I hate {dislike}.", ["{U} hates {dislike}."]),
    ("I can't stand {dislike}.", ["{U} can't stand {dislike}."]),
    ("I play {instrument}.", ["{U} plays {instrument}."]),
    ("I speak {language}.", ["{U} speaks {language}."]),
    ("I take {medicine} every morning.", ["{U} takes {medicine} every morning."]),
    ("I'm an early riser.", ["{U} is an early riser."]),
    ("I don't have a car.", ["{U} doesn't have a car."]),
    ("I work from home.", ["{U} works from home."]),
    ("I'm {age}.", ["{U} is {age}."]),
]
# questions and small talk on the same topics: no fact (a question names a topic, it does not tell one)
SHORT_QUIET = [
    "Is {drink} bad for you?", "What helps with {condition}?", "Any good {diet} recipes?", "Which foods should I avoid?",
    "Do you know anything about {like}?", "Why do people hate {dislike}?", "Is it hard to learn {language}?",
    "Is there anything I shouldn't eat?", "Can you remind me what I take in the morning?", "How do I get over a fear of {fear}?",
    "Ugh, I'm so tired today.", "What a week it's been.", "Not much, just relaxing.", "That sounds lovely.",
]
# general requests and remarks, also no fact: x9 (trained with SHORT_QUIET alone) stored "noor is a virus." from
# "What's the difference between a virus and a bacterium?" (12 of 32 such messages left a fact; xmix24 3 of 32)
REQUESTS = [
    "Write a limerick about a cat.", "Give me five ideas for a birthday party.", "Explain how a rainbow forms.",
    "How do airplanes stay in the air?", "What's the difference between weather and climate?",
    "Can you summarise Pride and Prejudice?", "Tell me a fun fact about octopuses.", "How do I say good morning in {language}?",
    "Make me a packing list for a weekend trip.", "What causes earthquakes?", "List three healthy breakfasts.",
    "The bus was late again this morning.", "It's freezing outside today.", "Such a nice sunset tonight.",
    "The wifi keeps dropping.", "What a busy morning.", "Pretty quiet day so far.",
    "Can you help me write an email to my landlord?", "Recommend a podcast about history.",
    "What's the best way to learn to code?",
]
AGES = ["29", "34", "41", "52", "23", "67"]


def short_examples(n: int, *, rng: random.Random, quiet_share: float = 0.25, we: bool = False,
                   partner: bool = False) -> list[dict]:
    """`n` short chat messages (SHORT; `quiet_share` of them SHORT_QUIET or REQUESTS with {"facts": []}; with `we`,
    WE and WE_QUIET; with `partner`, PARTNER_WE and WE_QUIET), from speakers of SPEAKERS + MORE_SPEAKERS, lower- and
    capitalised names alike."""
    from ..ops import extract as op
    from ..ops.dates import month_shift
    from ..types import Turn

    statements, quiet, kind = ((PARTNER_WE, WE_QUIET, "chat_partner_we") if partner else
                               (WE, WE_QUIET, "chat_we") if we else (SHORT, SHORT_QUIET + REQUESTS, "chat_short"))

    rows = []
    for _ in range(n):
        speaker = rng.choice(SPEAKERS + MORE_SPEAKERS)
        day = date(2023, 1, 1) + timedelta(days=rng.randrange(4 * 365))
        f = draw_fields(rng, speaker, day) | {
            "condition": rng.choice(CONDITIONS), "diet": rng.choice(DIETS), "avoid": rng.choice(AVOIDS),
            "drink": rng.choice(DRINKS), "fear": rng.choice(FEARS), "like": rng.choice(LIKES),
            "dislike": rng.choice(DISLIKES), "instrument": rng.choice(INSTRUMENTS),
            "language": rng.choice(LANGUAGES), "medicine": rng.choice(MEDICINES), "age": rng.choice(AGES)}
        if we or partner:  # drawn only here, so that a build without WE is the same as before
            f |= {"partner": rng.choice(PARTNERS), "kid": rng.choice(KIDS),
                  "next_month": f"{month_shift(day, 1):%B %Y}"}
        if rng.random() < quiet_share:
            text, facts, variant = rng.choice(quiet).format(**f), [], kind + "_quiet"
        else:
            message, templates = rng.choice(statements)
            text, facts, variant = message.format(**f), [t.format(**f) for t in templates], kind
        target = json.dumps({"facts": facts}, ensure_ascii=False)
        rows.append(chat_example(op.build_messages([Turn(speaker, text)], day.isoformat()), target, op="extract",
                                 conv="synthetic-chat", n_facts=len(facts), facts=facts, variant=variant))
    return rows


WEATHER = ["rainy", "sunny", "windy", "cold", "hot", "foggy", "grey"]
ORDINALS = ["1st", "2nd", "3rd", "5th", "8th", "14th", "20th", "21st", "23rd", "28th"]


def draw_fields(rng: random.Random, speaker: str, day: date) -> dict:
    """One draw of every template field (names, places, jobs, dates …) for `speaker` on `day`."""
    name, job = rng.choice([n for n in NAMES if n != speaker]), rng.choice(JOBS)
    (pet, pets), (p1, p2) = rng.choice(PETS), rng.sample(PET_NAMES, 2)
    city, city2 = rng.sample(CITIES, 2)
    return {"U": speaker, "U2": speaker.capitalize(), "rel": rng.choice(RELATIONS), "name": name,
            "job": job, "a_job": ("an " if job[0] in "aeiou" else "a ") + job, "city": city, "city2": city2, "place": rng.choice(PLACES), "pet": pet,
            "pets": pets, "p1": p1, "p2": p2, "hobby": rng.choice(HOBBIES), "day": rng.choice(DAYS),
            "month": rng.choice(MONTHS), "ord": rng.choice(ORDINALS), "food": rng.choice(FOODS),
            "allergen": rng.choice(ALLERGENS), "skill": rng.choice(SKILLS), "topic": rng.choice(TOPICS),
            "weather": rng.choice(WEATHER), "date": f"{day.day} {day:%B %Y}", "year_before": str(day.year - 1)}


def chat_examples(n: int, *, quiet_share: float = 0.4, rng: random.Random, compound_share: float = 0.0) -> list[dict]:
    """`n` single-message chat examples in the runtime's extract prompt; `quiet_share` of them fact-free, and
    `compound_share` of the statements one of COMPOUND (several facts; its draw only happens when it is > 0, so a
    build without it is the same as before)."""
    from ..ops import extract as op
    from ..types import Turn

    rows = []
    for _ in range(n):
        speaker = rng.choice(SPEAKERS)
        day = date(2023, 1, 1) + timedelta(days=rng.randrange(4 * 365))
        f = draw_fields(rng, speaker, day)
        if rng.random() < quiet_share:
            text, facts, kind = rng.choice(QUIET).format(**f), [], "chat_quiet"
        elif compound_share and rng.random() < compound_share:
            message, templates = rng.choice(COMPOUND)
            f = _gendered(f, rng)
            f["pron"] = f["Pron"].lower()
            text, facts, kind = message.format(**f), [t.format(**f) for t in templates], "chat_compound"
        else:
            message, templates = rng.choice(STATEMENTS)
            text, facts, kind = message.format(**f), [t.format(**f) for t in templates], "chat_statement"
        target = json.dumps({"facts": facts}, ensure_ascii=False)
        rows.append(chat_example(op.build_messages([Turn(speaker, text)], day.isoformat()), target, op="extract",
                                 conv="synthetic-chat", n_facts=len(facts), facts=facts, variant=kind))
    return rows


HE = {"brother", "father", "uncle", "son", "husband"}
SHE = {"mother", "aunt", "daughter", "wife", "grandmother"}

# (previous message, follow-up, facts of the follow-up with what it refers to spelled out)
FOLLOWUPS = [
    ("I just adopted a {pet}.", "{Pron} is called {p1}.", ["{U}'s {pet} is called {p1}."]),
    ("We got a {pet} last week!", "Her name is {p1}.", ["{U}'s {pet} is called {p1}."]),
    ("My {rel} {name} lives in {city}.", "{Pron} works as {a_job} there.", ["{U}'s {rel} {name} works as {a_job} in {city}."]),
    ("My {rel} {name} is visiting next week.", "{Pron} lives in {city}.", ["{U}'s {rel} {name} lives in {city}."]),
    ("I started a new job last week.", "It's at {place}, as {a_job}.", ["{U} works as {a_job} at {place}."]),
    ("I'm planning a trip in {month}.", "We're going to {city} for a week.", ["{U} is going to {city} in {month} for a week."]),
    ("I have a {pet} named {p1}.", "{P1Pron} is three years old.", ["{U}'s {pet} {p1} is three years old."]),
    ("My {rel} is called {name}.", "{Pron}'s {a_job}.", ["{U}'s {rel} {name} is {a_job}."]),
    ("I've been learning {skill}.", "I practise every {day} evening.", ["{U} practises {skill} every {day} evening."]),
    ("My favourite food is {food}.", "I'm also allergic to {allergen}.", ["{U} is allergic to {allergen}."]),
    ("I live in {city}.", "I work at {place} there.", ["{U} works at {place} in {city}."]),
    ("My {rel} {name} came to visit.", "{Pron}'s learning {skill} at the moment.", ["{U}'s {rel} {name} is learning {skill}."]),
    ("My {rel} {name} called me today.", "{Pron}'s moving to {city} in {month}.", ["{U}'s {rel} {name} is moving to {city} in {month}."]),
    ("My {rel} {name} is in college.", "{Pron}'s studying to be {a_job}.", ["{U}'s {rel} {name} is studying to be {a_job}."]),
    ("My {rel} {name} loves the outdoors.", "{Pron} goes {hobby} every {day}.", ["{U}'s {rel} {name} goes {hobby} every {day}."]),
    ("I have a {pet} named {p1}.", "{P1Pron} sleeps on my bed every night.", ["{U}'s {pet} {p1} sleeps on {U}'s bed every night."]),
    ("We moved last month.", "Our new flat is in {city}.", ["{U}'s new flat is in {city}."]),
    ("I joined a new gym.", "It's near {place}, and I go every {day}.", ["{U} goes to a gym near {place} every {day}."]),
    ("My {rel} {name} got a new job.", "{Pron} works at {place} now, as {a_job}.", ["{U}'s {rel} {name} works as {a_job} at {place}."]),
]


def _pronouns(f: dict, rng: random.Random) -> dict:
    rel = f["rel"]
    pron = "He" if rel in HE else "She" if rel in SHE else "They"
    return {**f, "Pron": pron, "P1Pron": rng.choice(["He", "She"])}


def _gendered(f: dict, rng: random.Random) -> dict:
    """`_pronouns`, with {rel} redrawn among he/she relations when it was a "they" one ("They works" reads wrong)."""
    f = _pronouns(f, rng)
    if f["Pron"] == "They":
        f["rel"] = rng.choice(sorted(HE | SHE))
        f = _pronouns(f, rng)
    return f


def followup_examples(n: int, *, rng: random.Random, follow_share: float = 0.6) -> list[dict]:
    """`n` two-message examples: the previous message as context, then a message whose facts are the target.
    `follow_share` of them lean on the context (FOLLOWUPS); of the rest, 60 % are a quiet message after a statement
    or another quiet one ({"facts": []}: the context's facts are not extracted again, nothing is made up from a
    question) and 40 % an unrelated statement (its facts only)."""
    from ..ops import extract as op
    from ..types import Turn

    rows = []
    for _ in range(n):
        speaker = rng.choice(SPEAKERS)
        day = date(2023, 1, 1) + timedelta(days=rng.randrange(4 * 365))
        f = draw_fields(rng, speaker, day)
        kind = rng.random()
        if kind < follow_share:
            prev, text, templates = rng.choice(FOLLOWUPS)
            f = _gendered(f, rng) if "{Pron}" in text else _pronouns(f, rng)
            prev, text, facts, variant = prev.format(**f), text.format(**f), [t.format(**f) for t in templates], \
                "chat_followup"
        elif kind < follow_share + (1 - follow_share) * 0.6:  # after a statement, or after another quiet one
            prev = (rng.choice(STATEMENTS)[0] if rng.random() < 0.6 else rng.choice(QUIET)).format(**f)
            text, facts, variant = rng.choice(QUIET).format(**f), [], "chat_followup_quiet"
        else:
            prev = rng.choice(QUIET + [s for s, _ in STATEMENTS]).format(**f)
            message, templates = rng.choice(STATEMENTS)
            text, facts, variant = message.format(**f), [t.format(**f) for t in templates], "chat_followup_other"
        target = json.dumps({"facts": facts}, ensure_ascii=False)
        messages = op.build_messages([Turn(speaker, text)], day.isoformat(), context=[Turn(speaker, prev)])
        rows.append(chat_example(messages, target, op="extract", conv="synthetic-chat", n_facts=len(facts),
                                 facts=facts, variant=variant))
    return rows


def add_chat_examples(out: dict, n_chat: int, quiet_share: float, n_followups: int, seed: int,
                      compound_share: float = 0.0, n_short: int = 0, short_quiet: float = 0.25, n_we: int = 0,
                      n_partner: int = 0, n_family: int = 0) -> None:
    """Insert `n_chat` single messages, `n_followups` two-message examples, `n_short` short statements, `n_we`
    news said with "we", `n_partner` messages with a named partner and "we" news and `n_family` a relative's news or a
    trip to see family (`chat_family`; `short_quiet` of the last four fact-free) into train (and a tenth as many into
    valid) at random places, each kind from its own stream: the rest of the build is the same without them."""
    crng = random.Random(seed + 4)
    for name, n in (("train", n_chat), ("valid", max(1, n_chat // 10))) if n_chat else ():
        for r in chat_examples(n, quiet_share=quiet_share, rng=crng, compound_share=compound_share):
            out[name].insert(crng.randint(0, len(out[name])), r)
    frng = random.Random(seed + 5)
    for name, n in (("train", n_followups), ("valid", max(1, n_followups // 10))) if n_followups else ():
        for r in followup_examples(n, rng=frng):
            out[name].insert(frng.randint(0, len(out[name])), r)
    srng = random.Random(seed + 6)
    for name, n in (("train", n_short), ("valid", max(1, n_short // 10))) if n_short else ():
        for r in short_examples(n, rng=srng, quiet_share=short_quiet):
            out[name].insert(srng.randint(0, len(out[name])), r)
    wrng = random.Random(seed + 7)
    for name, n in (("train", n_we), ("valid", max(1, n_we // 10))) if n_we else ():
        for r in short_examples(n, rng=wrng, quiet_share=short_quiet, we=True):
            out[name].insert(wrng.randint(0, len(out[name])), r)
    prng = random.Random(seed + 8)
    for name, n in (("train", n_partner), ("valid", max(1, n_partner // 10))) if n_partner else ():
        for r in short_examples(n, rng=prng, quiet_share=short_quiet, partner=True):
            out[name].insert(prng.randint(0, len(out[name])), r)
    frng = random.Random(seed + 9)
    for name, n in (("train", n_family), ("valid", max(1, n_family // 10))) if n_family else ():
        for r in chat_family.family_examples(n, rng=frng, speakers=SPEAKERS + MORE_SPEAKERS, draw_fields=draw_fields,
                                             quiet_share=short_quiet):
            out[name].insert(frng.randint(0, len(out[name])), r)
