"""Synthetic chats for the reply adapter: the runtime's reply prompt (recent turns + retrieved memories + the
message) and a reply written by rules, the teacher where no large model is at hand.

Each chat has a user, a few facts they told earlier (stored memories, dated) and a few turns so far. The message is:
- a statement -> "Got it — <what was understood, to "you">.";
- a question about a fact in the memories or earlier in this chat -> that fact, to "you";
- a question whose fact is nowhere in the prompt -> the refusal (`ops.reply.UNKNOWN_REPLY`), no invention;
- small talk -> a short warm line; a general request -> a short answer written here by hand.
The fillers are `chat_source`'s, which never name what the chat drive tells; its general request (why the sky is
blue) is not among the hand-written ones either.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from . import chat_example
from .chat_source import SPEAKERS, draw_fields

# (statement, stored fact, the fact to "you", questions that it answers)
FACTS = [
    ("My {rel} {name} is {a_job} in {city}.", "{U}'s {rel} {name} is {a_job} in {city}.",
     "your {rel} {name} is {a_job} in {city}", ["What does my {rel} do?", "Where does my {rel} {name} work?"]),
    ("I have two {pets} called {p1} and {p2}.", "{U} has two {pets} called {p1} and {p2}.",
     "you have two {pets} called {p1} and {p2}", ["What are my {pets} called?", "What are my {pets}' names?"]),
    ("I have a {pet} named {p1}.", "{U} has a {pet} named {p1}.", "you have a {pet} named {p1}",
     ["What's my {pet}'s name?", "Do you remember my {pet}'s name?"]),
    ("I work as {a_job} at {place}.", "{U} works as {a_job} at {place}.", "you work as {a_job} at {place}",
     ["Where do I work?", "What's my job?"]),
    ("I live in {city}.", "{U} lives in {city}.", "you live in {city}", ["Where do I live?", "Which city do I live in?"]),
    ("I go {hobby} every {day} evening.", "{U} goes {hobby} every {day} evening.",
     "you go {hobby} every {day} evening", ["What do I do on {day} evenings?", "What's my {day} evening routine?"]),
    ("My favourite food is {food}.", "{U}'s favourite food is {food}.", "your favourite food is {food}",
     ["What's my favourite food?", "What food do I like best?"]),
    ("I'm allergic to {allergen}.", "{U} is allergic to {allergen}.", "you're allergic to {allergen}",
     ["What am I allergic to?", "Do I have any allergies?"]),
    ("I'm going to {city} on the {ord} of {month} for a week.", "{U} is going to {city} on the {ord} of {month} for a week.",
     "you're going to {city} on the {ord} of {month} for a week", ["Where am I going in {month}?", "When is my trip to {city}?"]),
    ("My {rel}'s birthday is on the {ord} of {month}.", "{U}'s {rel}'s birthday is on the {ord} of {month}.",
     "your {rel}'s birthday is on the {ord} of {month}", ["When is my {rel}'s birthday?"]),
    ("I'm training for a half marathon in {month}.", "{U} is training for a half marathon in {month}.",
     "you're training for a half marathon in {month}", ["What am I training for?", "What's my race in {month}?"]),
    ("I'm learning {skill} at the moment.", "{U} is learning {skill}.", "you're learning {skill}",
     ["What am I learning these days?"]),
]
HISTORY_TOKENS = 1024  # earlier turns in the examples' prompts (`ops.reply.build_messages` budget)
ACKS = ["Got it — {you}.", "Thanks for telling me — {you}.", "Noted: {you}.", "Good to know — {you}."]
ANSWERS = ["{You}.", "From what you told me, {you}.", "{You}, as you told me."]
UNKNOWN = ["{unknown}. You haven't told me about that.", "{unknown} — tell me and I'll remember it."]
SMALL_TALK = [
    (["Hi!", "Hello there.", "Hey, how's it going?", "Good morning!"],
     ["Hi! I'm doing well, thanks. How are you?", "Hello! Nice to hear from you. How's your day going?",
      "Hey! All good here. What's on your mind?"]),
    (["Thanks a lot!", "Cool, thanks.", "Thank you, that helps."], ["You're welcome!", "Happy to help!", "Anytime!"]),
    (["Good night!", "See you tomorrow.", "That's all for today."],
     ["Good night! Talk to you soon.", "See you! Take care.", "Okay, talk to you later!"]),
    (["What a {weather} day it is today.", "It's so {weather} outside."],
     ["Sounds like a {weather} one! I hope it doesn't spoil your plans.", "A {weather} day, then. Stay comfortable!"]),
    (["Haha, that's funny.", "Okay, I see.", "Hmm, let me think about it."],
     ["Glad you liked it!", "Sure, take your time. I'm here if you need anything."]),
]
GENERAL = [
    ("Tell me a joke.", "Why don't skeletons fight each other? They don't have the guts."),
    ("What's the capital of Canada?", "The capital of Canada is Ottawa."),
    ("How long should I boil an egg?", "About 7 minutes for a soft-centred egg, 10 for hard-boiled; then cool it in cold water."),
    ("Can you recommend a good book?", "Try \"The Martian\" by Andy Weir: a funny, fast-paced survival story."),
    ("Can you explain photosynthesis in two sentences?", "Plants use sunlight to turn water and carbon dioxide into "
     "sugar, which feeds them. Oxygen is released along the way."),
    ("Any tips for staying focused while working?", "Work in short blocks of about 25 minutes with breaks in "
     "between, and keep your phone out of reach."),
    ("How many days are in a leap year?", "A leap year has 366 days."),
    ("What's a quick healthy breakfast?", "Oatmeal with fruit and a handful of nuts: quick, filling and healthy."),
    ("What is the boiling point of water?", "Water boils at 100 °C (212 °F) at sea level."),
    ("Can you explain inflation in two sentences?", "Inflation is the general rise of prices over time. It means "
     "the same money buys a little less each year."),
    ("Give me an idea for a weekend activity.", "How about a walk or a picnic in a park nearby, if the weather is good?"),
    ("Why do leaves change colour in autumn?", "In autumn trees stop making green chlorophyll, so the yellow and "
     "orange pigments already in the leaves show through."),
]
# kind -> weight
KINDS = {"statement": 0.28, "known": 0.24, "history": 0.08, "unknown": 0.14, "small_talk": 0.14, "general": 0.12}


def _fact(rng, f: dict) -> dict:
    stmt, stored, you, questions = rng.choice(FACTS)
    return {"statement": stmt.format(**f), "stored": stored.format(**f), "you": you.format(**f),
            "question": rng.choice(questions).format(**f), "template": stmt}


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _exchange(rng, kind: str, fact: dict | None, f: dict) -> tuple[str, str]:
    from ..ops.reply import UNKNOWN_REPLY

    if kind == "statement":
        return fact["statement"], rng.choice(ACKS).format(you=fact["you"])
    if kind in ("known", "history"):
        return fact["question"], rng.choice(ANSWERS).format(you=fact["you"], You=_cap(fact["you"]))
    if kind == "unknown":
        return fact["question"], rng.choice(UNKNOWN).format(unknown=UNKNOWN_REPLY)
    if kind == "small_talk":
        said, replies = rng.choice(SMALL_TALK)
        return rng.choice(said).format(**f), rng.choice(replies).format(**f)
    return rng.choice(GENERAL)


def reply_examples(n: int, *, rng: random.Random, unknown_share: float | None = None) -> list[dict]:
    """`n` reply examples in the runtime's reply prompt (`ops.reply.build_messages`); `unknown_share` sets the
    share of refusals (the other kinds keep their proportions)."""
    from ..ops import reply as op

    kinds, weights = list(KINDS), list(KINDS.values())
    if unknown_share is not None:
        rest = 1.0 - KINDS["unknown"]
        weights = [unknown_share if k == "unknown" else w * (1.0 - unknown_share) / rest for k, w in KINDS.items()]
    rows = []
    for _ in range(n):
        user = rng.choice(SPEAKERS)
        today = date(2023, 1, 1) + timedelta(days=rng.randrange(4 * 365))
        f = draw_fields(rng, user, today)
        facts, seen = [], set()
        while len(facts) < 6:  # six different kinds of fact about this user, each with its own fillers
            x = _fact(rng, draw_fields(rng, user, today))
            if x["template"] not in seen:
                seen.add(x["template"])
                facts.append(x)
        target_fact, others = facts[0], facts[1:]
        history: list[dict] = []
        for _ in range(rng.randint(0, 3)):  # earlier turns of this chat, never about the target fact
            k = rng.choice(["statement", "small_talk", "general"])
            msg, rep = _exchange(rng, k, others.pop() if k == "statement" else None, f)
            history += [{"role": "user", "content": msg}, {"role": "assistant", "content": rep}]
        kind = rng.choices(kinds, weights)[0]
        if kind == "history":  # told earlier in this chat, not yet in memory
            history += [{"role": "user", "content": target_fact["statement"]},
                        {"role": "assistant", "content": rng.choice(ACKS).format(you=target_fact["you"])}]
        message, reply = _exchange(rng, kind, target_fact, f)
        # as the chat recalls them (`Conversation.recall`): a few memories close to the best one, the answer's
        # usually first
        shown = rng.sample(others, rng.randint(0, min(2, len(others))))
        if kind == "known":
            shown.insert(0 if rng.random() < 0.7 else rng.randint(0, len(shown)), target_fact)
        memories = [{"text": m["stored"], "date": (today - timedelta(days=rng.randrange(1, 200))).isoformat()}
                    for m in shown]
        # with history: an adapter trained on it is run with `memlora chat --history-tokens N` (the default is none)
        messages = op.build_messages(message, memories, history, user=user, today=today, budget=HISTORY_TOKENS)
        rows.append(chat_example(messages, reply, op="reply", kind=kind, user=user, message=message,
                                 memories=[m["text"] for m in memories]))
    return rows


def build(n_train: int, n_valid: int, seed: int = 0, unknown_share: float | None = None) -> dict[str, list[dict]]:
    """train/valid from separate random streams (a valid example is never a train one by construction)."""
    return {"train": reply_examples(n_train, rng=random.Random(seed), unknown_share=unknown_share),
            "valid": reply_examples(n_valid, rng=random.Random(seed + 1_000_003), unknown_share=unknown_share)}


if __name__ == "__main__":  # python -m memlora_mlx.distill.reply_source: a few examples to read
    for r in reply_examples(6, rng=random.Random(0)):
        print(json.dumps(r["meta"], ensure_ascii=False), "->", r["messages"][-1]["content"])
