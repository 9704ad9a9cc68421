"""Replay three chats through `Conversation` with a fixed memory outcome per message, so only the reply varies.

    uv run python scripts/reply_replay.py [alex sam jo] [--out FILE.jsonl]

The first chat's statements are stored as the shipped extract + update stored them in the real drives
(`memlora chat --script scripts/chat_drive_example.txt` / `chat_drive_second.txt`; "jo" is a third, unscripted
check), verbatim (`infer=False`); the second chat (new chat, same memories) asks about each fact. Prints, per chat,
the questions whose reply holds the fact's key words (for "jo", the unknown mother must be refused), and writes
every reply with its first-token time and recalled memories as JSON lines. ~6 minutes on a 2-core CPU (0.5B).
"""
import json
import re
import tempfile
import time
from pathlib import Path
from memlora_mlx.chat.conversation import Conversation
from memlora_mlx.memory.memory import Memory

CHATS = {
 "alex": [
  ("Hi! How are you today?", None),
  ("My sister Maria works as a pilot in Lisbon.", "alex's sister Maria works as a pilot in Lisbon."),
  ("I have two cats called Pixel and Mochi.", "alex has two cats called Pixel and Mochi."),
  ("I work as a nurse at St. Mary's Hospital.", "alex works as a nurse at St. Mary's Hospital."),
  ("I go rock climbing every Saturday morning.", "alex goes rock climbing every Saturday morning."),
  ("What a rainy day it is here.", None),
  ("I'm flying to Tokyo on the 12th of March for a two-week trip.", "alex is flying to Tokyo on the 12th of March for a 2-week trip."),
  ("My favourite food is mushroom risotto.", "alex's favourite food is mushroom risotto."),
  ("Can you explain in two sentences why the sky is blue?", None),
  ("Thanks, that's all for now!", None),
  "/new",
  ("Hello again!", None),
  ("What does my sister do, and where?", ["pilot", "lisbon"]),
  ("What are my cats called?", ["pixel", "mochi"]),
  ("Where do I work?", ["st. mary"]),
  ("What do I do on Saturday mornings?", ["climbing"]),
  ("Where am I going in March?", ["tokyo"]),
  ("What is my favourite food?", ["risotto"]),
  ("Anyway, have a nice evening.", None)],
 "sam": [
  ("Good evening!", None),
  ("My dad Jorge runs a small bookshop in Valencia.", "sam's dad Jorge runs a small bookshop in Valencia."),
  ("We adopted a rescue greyhound named Comet.", "sam adopted a rescue greyhound named Comet."),
  ("I've been learning the cello since September.", "sam has been learning the cello since September."),
  ("Honestly I'm exhausted today.", None),
  ("My best friend Kenji just moved to Osaka for work.", "sam's best friend Kenji just moved to Osaka for work."),
  ("I drive a blue Honda Civic.", "sam drives a blue Honda Civic."),
  ("My daughter Ana turns seven in June.", "sam's daughter Ana turns seven in June."),
  ("What's a good way to fall asleep faster?", None),
  ("Okay, talk soon.", None),
  "/new",
  ("Hey, it's me again.", None),
  ("What does my dad do?", ["bookshop"]),
  ("What's my dog's name?", ["comet"]),
  ("Which instrument am I learning?", ["cello"]),
  ("Where does Kenji live now?", ["osaka"]),
  ("What car do I drive?", ["honda|civic"]),
  ("How old is my daughter turning?", ["seven|\\b7\\b"]),
  ("Bye for now!", None)],
 "jo": [
  ("Hey there!", None),
  ("I just started a new job as a baker at Crumb & Co.", "jo just started a new job as a baker at Crumb & Co."),
  ("My brother Luis lives in Mexico City with his wife.", "jo's brother Luis lives in Mexico City with his wife."),
  ("Can you suggest a quick dinner idea?", None),
  ("I'm allergic to peanuts.", "jo is allergic to peanuts."),
  "/new",
  ("Hi again, how's it going?", None),
  ("Where do I work now?", ["baker|crumb"]),
  ("Where does my brother live?", ["mexico city"]),
  ("What am I allergic to?", ["peanut"]),
  ("What's my mother's name?", ["don't know|do not know|haven't told|not sure"])],
}

# Chat one: a statement is acknowledged when the reply names what it said (and no other statement's fact).
ACK = {
    "My sister Maria works as a pilot in Lisbon.": "pilot|lisbon", "I have two cats called Pixel and Mochi.": "pixel|mochi",
    "I work as a nurse at St. Mary's Hospital.": r"nurse|st\. mary", "I go rock climbing every Saturday morning.": "climb",
    "I'm flying to Tokyo on the 12th of March for a two-week trip.": "tokyo",
    "My favourite food is mushroom risotto.": "risotto", "My dad Jorge runs a small bookshop in Valencia.": "bookshop|valencia",
    "We adopted a rescue greyhound named Comet.": "comet|greyhound", "I've been learning the cello since September.": "cello",
    "My best friend Kenji just moved to Osaka for work.": "kenji|osaka", "I drive a blue Honda Civic.": "honda|civic",
    "My daughter Ana turns seven in June.": r"\bana\b|seven", "I just started a new job as a baker at Crumb & Co.": "baker|crumb",
    "My brother Luis lives in Mexico City with his wife.": "luis|mexico", "I'm allergic to peanuts.": "peanut",
}


def acknowledged(msg: str, reply: str) -> bool:
    text = reply.lower()
    others = [k for m, k in ACK.items() if m != msg and not re.search(k, msg.lower())]
    return bool(re.search(ACK[msg], text)) and not any(re.search(k, text) for k in others)


def system_leak(reply: str, user: str) -> bool:
    """Five words in a row from the system prompt (the chat's rules), not from the user."""
    from memlora_mlx.ops.reply import SYSTEM_PROMPT

    sys_words = re.findall(r"[a-z']+", SYSTEM_PROMPT.format(user=user, today="").lower())
    runs = {" ".join(sys_words[i:i + 5]) for i in range(len(sys_words) - 4)}
    words = re.findall(r"[a-z']+", reply.lower())
    return any(" ".join(words[i:i + 5]) in runs for i in range(len(words) - 4))


def run(user, lines, out):
    tmp = tempfile.TemporaryDirectory()
    mem = Memory(store=Path(tmp.name) / "s")
    conv = Conversation(mem, user)
    conv.warm()
    chat, hits, n, acks, n_ack, rows = 1, 0, 0, 0, 0, []
    for item in lines:
        if item == "/new":
            conv, chat = conv.new(), 2
            continue
        msg, extra = item
        rep = conv.turn(msg)
        "".join(rep)
        row = {"user": user, "chat": chat, "msg": msg, "reply": rep.text, "ft": rep.first_token_s,
               "recalled": rep.memory_texts}
        if chat == 2 and isinstance(extra, list):
            ok = all(re.search(k, rep.text.lower()) for k in extra)
            row["ok"] = ok; hits += ok; n += 1
        row["system_leak"] = system_leak(rep.text, user)
        if chat == 1 and isinstance(extra, str):
            row["ack"] = acknowledged(msg, rep.text)
            acks += row["ack"]
            n_ack += 1
            mem.add([{"role": "user", "content": extra}], user_id=user, infer=False)
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), file=out, flush=True)
    mem.close()
    tmp.cleanup()
    leaks = sum(r["system_leak"] for r in rows)
    return hits, n, acks, n_ack, leaks

if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("users", nargs="*", help=f"chats to replay: {', '.join(CHATS)} (default: all)")
    ap.add_argument("--out", default="runs/reply_replay.jsonl")
    args = ap.parse_args()
    if unknown := set(args.users) - set(CHATS):
        ap.error(f"unknown chat(s) {', '.join(sorted(unknown))}; choose from {', '.join(CHATS)}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as out:
        tot = []
        for u in args.users or list(CHATS):
            t0 = time.time()
            h, n, a, na, lk = run(u, CHATS[u], out)
            tot.append(f"{u} {h}/{n} recalled, {a}/{na} acknowledged, {lk} leaks")
            print(tot[-1], f"({time.time() - t0:.0f} s)", flush=True)
    print("total:", "; ".join(tot), f"(replies in {args.out})")
