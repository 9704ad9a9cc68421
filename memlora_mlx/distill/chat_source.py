"""Synthetic chat messages for the extract adapter: one message, as the chat sends it, and its facts.

LoCoMo's turns are long, two-speaker and annotated sparsely; a chat user writes one short message at a time,
in the first person, mostly questions and small talk. These examples teach that form:
- a statement -> facts in the third person that keep the relation, the name and the speaker ("My brother Tom
  is a chef in Oslo." from sam -> "sam's brother Tom is a chef in Oslo.") and add nothing the message lacks;
- a question about the user, a request or small talk -> {"facts": []}.
The fillers never name what `scripts/chat_drive_example.txt` tells (its sister, cats, job, hobby, trip, food
and their names), so the drive stays held out; a test checks it.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from . import chat_example

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


def chat_examples(n: int, *, quiet_share: float = 0.4, rng: random.Random) -> list[dict]:
    """`n` single-message chat examples in the runtime's extract prompt; `quiet_share` of them fact-free."""
    from ..ops import extract as op
    from ..types import Turn

    rows = []
    for _ in range(n):
        speaker = rng.choice(SPEAKERS)
        day = date(2023, 1, 1) + timedelta(days=rng.randrange(4 * 365))
        f = draw_fields(rng, speaker, day)
        if rng.random() < quiet_share:
            text, facts, kind = rng.choice(QUIET).format(**f), [], "chat_quiet"
        else:
            message, templates = rng.choice(STATEMENTS)
            text, facts, kind = message.format(**f), [t.format(**f) for t in templates], "chat_statement"
        target = json.dumps({"facts": facts}, ensure_ascii=False)
        rows.append(chat_example(op.build_messages([Turn(speaker, text)], day.isoformat()), target, op="extract",
                                 conv="synthetic-chat", n_facts=len(facts), facts=facts, variant=kind))
    return rows
