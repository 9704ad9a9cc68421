"""Replay the three chat-drive scripts through `Conversation` with a fixed memory outcome per message, so only the
reply varies (the real drive, `memlora chat --script`, runs the memory pipeline too, and a prompt change there can
move an extraction as well).

    uv run python scripts/reply_replay.py [alex sam jo rui] [--out FILE.jsonl] [--min-relevance X]

Each statement of the first chat is stored as the shipped extract + update stored it in the real drives, verbatim
(`infer=False`); the second chat (new chat, same memories) asks about each fact. Prints per chat: questions whose
reply holds the fact's key words (jo's mother, never mentioned, must be refused), statements whose reply names what
was said and no other statement's fact, and replies repeating five words of the system text. Questions about
things never told (jo's mother, rui's brother and cat) count as recalled only when refused. Every reply, with its
first-token time and recalled memories, goes to --out as JSON lines. ~6 minutes on a 2-core CPU (0.5B).
"""
import argparse
import json
import re
import tempfile
import time
from pathlib import Path

from memlora_mlx.chat.conversation import MIN_RELEVANCE, Conversation
from memlora_mlx.chat.drive import read_script
from memlora_mlx.memory.memory import Memory
from memlora_mlx.ops.reply import SYSTEM_PROMPT

SCRIPTS = Path(__file__).parent
CHATS = {"alex": SCRIPTS / "chat_drive_example.txt", "sam": SCRIPTS / "chat_drive_second.txt",
         "jo": SCRIPTS / "chat_drive_third.txt", "rui": SCRIPTS / "chat_drive_fourth.txt"}

# statement -> (the memory the shipped pipeline stored for it, what a reply that acknowledges it names)
STATEMENTS = {
    "My sister Maria works as a pilot in Lisbon.": ("alex's sister Maria works as a pilot in Lisbon.", "pilot|lisbon"),
    "I have two cats called Pixel and Mochi.": ("alex has two cats called Pixel and Mochi.", "pixel|mochi"),
    "I work as a nurse at St. Mary's Hospital.": ("alex works as a nurse at St. Mary's Hospital.", r"nurse|st\. mary"),
    "I go rock climbing every Saturday morning.": ("alex goes rock climbing every Saturday morning.", "climb"),
    "I'm flying to Tokyo on the 12th of March for a two-week trip.":
        ("alex is flying to Tokyo on the 12th of March for a 2-week trip.", "tokyo"),
    "My favourite food is mushroom risotto.": ("alex's favourite food is mushroom risotto.", "risotto"),
    "My dad Jorge runs a small bookshop in Valencia.":
        ("sam's dad Jorge runs a small bookshop in Valencia.", "bookshop|valencia"),
    "We adopted a rescue greyhound named Comet.": ("sam adopted a rescue greyhound named Comet.", "comet|greyhound"),
    "I've been learning the cello since September.": ("sam has been learning the cello since September.", "cello"),
    "My best friend Kenji just moved to Osaka for work.":
        ("sam's best friend Kenji just moved to Osaka for work.", "kenji|osaka"),
    "I drive a blue Honda Civic.": ("sam drives a blue Honda Civic.", "honda|civic"),
    "My daughter Ana turns seven in June.": ("sam's daughter Ana turns seven in June.", r"\bana\b|seven"),
    "I just started a new job as a baker at Crumb & Co.":
        ("jo just started a new job as a baker at Crumb & Co.", "baker|crumb"),
    "My brother Luis lives in Mexico City with his wife.":
        ("jo's brother Luis lives in Mexico City with his wife.", "luis|mexico"),
    "I'm allergic to peanuts.": ("jo is allergic to peanuts.", "peanut"),
    "I'm training for the Berlin marathon in September.":
        ("rui is training for the Berlin marathon in September.", "berlin|marathon"),
    "My partner Tessa is a vet.": ("rui's partner Tessa is a vet.", r"tessa|\bvet\b"),
    "Oh and I can't eat gluten.": ("rui can't eat gluten.", "gluten"),
}
REFUSED = "don't know|do not know|haven't told|have not told|not sure|didn't tell|did not tell"
# question of a second chat -> key words its reply must all hold
QUESTIONS = {
    "What does my sister do, and where?": ["pilot", "lisbon"], "What are my cats called?": ["pixel", "mochi"],
    "Where do I work?": [r"st\. mary"], "What do I do on Saturday mornings?": ["climbing"],
    "Where am I going in March?": ["tokyo"], "What is my favourite food?": ["risotto"],
    "What does my dad do?": ["bookshop"], "What's my dog's name?": ["comet"],
    "Which instrument am I learning?": ["cello"], "Where does Kenji live now?": ["osaka"],
    "What car do I drive?": ["honda|civic"], "How old is my daughter turning?": [r"seven|\b7\b"],
    "Where do I work now?": ["baker|crumb"], "Where does my brother live?": ["mexico city"],
    "What am I allergic to?": ["peanut"], "What's my mother's name?": [REFUSED],
    "What race am I training for?": ["berlin|marathon"], "What does Tessa do?": [r"\bvet\b|veterinar"],
    "What can't I eat?": ["gluten"], "What's my brother's name?": [REFUSED], "What's my cat called?": [REFUSED],
}


# greetings, goodbyes and remarks of the four scripts: a reply a person would take as a reply to them
SMALL_TALK = {"Hi! How are you today?", "What a rainy day it is here.", "Thanks, that's all for now!", "Hello again!",
              "Anyway, have a nice evening.", "Good evening!", "Honestly I'm exhausted today.", "Okay, talk soon.",
              "Hey, it's me again.", "Bye for now!", "Hey there!", "Hi again, how's it going?",
              "Morning! Just made coffee.", "Hey, back again."}
REFUSES_TO_HELP = r"can(?:'|no)t (?:assist|help)"


def social_ok(msg: str, reply: str) -> bool:
    """Small talk answered as such: no "You're welcome" unless thanked, no "I can't assist with that", not the message
    said back."""
    words = lambda t: re.findall(r"[a-z']+", t.lower())  # noqa: E731
    echo = set(words(reply)) <= set(words(msg)) | {"you", "your", "you're"}
    return not ((re.search(r"welcome", reply, re.I) and not re.search(r"thank", msg, re.I))
                or re.search(REFUSES_TO_HELP, reply, re.I) or echo)


def as_the_user(reply: str) -> bool:
    """An answer said as if the assistant were the user ("I drive a blue Honda Civic.", "My sister Maria …")."""
    return bool(re.match(r"\W*(?:i|i'm|my)\b", reply, re.I)) and not re.match(r"\W*i (?:don't|do not)\b", reply, re.I)


def acknowledged(msg: str, reply: str) -> bool:
    text = reply.lower()
    others = [k for m, (_, k) in STATEMENTS.items() if m != msg and not re.search(k, msg.lower())]
    return bool(re.search(STATEMENTS[msg][1], text)) and not any(re.search(k, text) for k in others)


def system_leak(reply: str, user: str) -> bool:
    """Five words in a row from the system prompt (the chat's rules), not from the user."""
    sys_words = re.findall(r"[a-z']+", SYSTEM_PROMPT.format(user=user, today="").lower())
    runs = {" ".join(sys_words[i:i + 5]) for i in range(len(sys_words) - 4)}
    words = re.findall(r"[a-z']+", reply.lower())
    return any(" ".join(words[i:i + 5]) in runs for i in range(len(words) - 4))


def replay(user: str, script: Path, out, **conv_args) -> dict:
    """Counts for one chat script; every reply is written to `out` as a JSON line."""
    counts = {"recalled": 0, "asked": 0, "as_user": 0, "acknowledged": 0, "told": 0, "small_ok": 0, "small": 0,
              "leaks": 0}
    with tempfile.TemporaryDirectory() as tmp, Memory(store=Path(tmp) / "store") as mem:
        conv, chat = Conversation(mem, user, **conv_args), 1
        conv.warm()
        for msg in read_script(script):
            if msg == "/new":
                conv, chat = conv.new(), 2
                continue
            reply = conv.turn(msg)
            for _ in reply:  # stream to the end
                pass
            row = {"user": user, "chat": chat, "msg": msg, "reply": reply.text, "ft": reply.first_token_s,
                   "recalled": reply.memory_texts, "system_leak": system_leak(reply.text, user),
                   "ungrounded": reply.ungrounded}
            score(row, counts)
            if chat == 1 and msg in STATEMENTS:
                mem.add([{"role": "user", "content": STATEMENTS[msg][0]}], user_id=user, infer=False)
            print(json.dumps(row, ensure_ascii=False), file=out, flush=True)
    return counts


def score(row: dict, counts: dict) -> None:
    """Marks `row` (ok / as_user / ack / small_ok) and adds it to `counts`."""
    chat, msg, text = row["chat"], row["msg"], row["reply"]
    counts["leaks"] += row["system_leak"]
    if chat == 2 and msg in QUESTIONS:
        row["ok"] = all(re.search(k, text.lower()) for k in QUESTIONS[msg])
        row["as_user"] = row["ok"] and as_the_user(text)
        counts["recalled"] += row["ok"]
        counts["as_user"] += row["as_user"]
        counts["asked"] += 1
    if chat == 1 and msg in STATEMENTS:
        row["ack"] = acknowledged(msg, text) and not re.search(REFUSES_TO_HELP, text, re.I)
        counts["acknowledged"] += row["ack"]
        counts["told"] += 1
    if msg in SMALL_TALK:
        row["small_ok"] = social_ok(msg, text)
        counts["small_ok"] += row["small_ok"]
        counts["small"] += 1


def summary(user: str, c: dict) -> str:
    return (f"{user} {c['recalled']}/{c['asked']} recalled ({c['as_user']} said as the user), {c['acknowledged']}/"
            f"{c['told']} acknowledged, {c['small_ok']}/{c['small']} small talk, {c['leaks']} leaks")


def rescore(path: str) -> None:
    """Counts of a saved replay (--out file) under this script's current checks."""
    by_user: dict = {}
    for line in open(path):
        row = json.loads(line)
        score(row, by_user.setdefault(row["user"], dict.fromkeys(
            ("recalled", "asked", "as_user", "acknowledged", "told", "small_ok", "small", "leaks"), 0)))
    print("; ".join(summary(u, c) for u, c in by_user.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("users", nargs="*", help=f"chats to replay: {', '.join(CHATS)} (default: all)")
    ap.add_argument("--out", default="runs/reply_replay.jsonl")
    ap.add_argument("--history-tokens", type=int, default=None,
                    help="earlier turns of the chat in the reply prompt, in tokens (default: the chat's, none)")
    ap.add_argument("--rescore", metavar="FILE", help="score a saved --out file instead of replaying")
    ap.add_argument("--min-relevance", type=float, default=MIN_RELEVANCE,
                    help=f"the chat's recall gate (default {MIN_RELEVANCE}); a negative value turns it off")
    args = ap.parse_args()
    if args.rescore:
        return rescore(args.rescore)
    if unknown := set(args.users) - set(CHATS):
        ap.error(f"unknown chat(s) {', '.join(sorted(unknown))}; choose from {', '.join(CHATS)}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    lines = []
    with open(args.out, "w") as out:
        for user in args.users or list(CHATS):
            t0 = time.time()
            extra = {} if args.history_tokens is None else {"history_budget": args.history_tokens}
            c = replay(user, CHATS[user], out, min_relevance=args.min_relevance if args.min_relevance >= 0 else None,
                       **extra)
            lines.append(summary(user, c))
            print(lines[-1], f"({time.time() - t0:.0f} s)", flush=True)
    print("total:", "; ".join(lines), f"(replies in {args.out})")


if __name__ == "__main__":
    main()
