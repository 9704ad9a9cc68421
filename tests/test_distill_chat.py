"""Chat messages that hold several facts (`chat_source.COMPOUND`) for the extract adapter."""
import json
import random
import re
import sys
from pathlib import Path

import memlora_mlx  # noqa: F401
from memlora_mlx.distill import chat_source as cs
from memlora_mlx.distill import chat_we

ROOT = Path(__file__).parents[1]
MONTHS = "January February March April May June July August September October November December"


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def test_compound_messages_target_every_fact_and_add_nothing():
    rows = cs.chat_examples(400, quiet_share=0.3, rng=random.Random(3), compound_share=0.5)
    kinds = [r["meta"]["variant"] for r in rows]
    assert 100 < kinds.count("chat_compound") < 180 and kinds.count("chat_statement") > 100
    for r in rows:
        if r["meta"]["variant"] != "chat_compound":
            continue
        speaker, message = r["messages"][-2]["content"].split("\n\n", 1)[1].split(": ", 1)
        facts = r["meta"]["facts"]
        assert len(facts) >= 2 and all(f.startswith(speaker) for f in facts)
        assert not re.search(r"\bthey (?:works|loves|is)\b", message, re.I)  # he/she relations only with a pronoun
        said = _words(message) | _words(speaker) | {"s", "their", "has", "is", "goes", "works", "lives", "loves"}
        for fact in facts:  # every word of a fact is the message's, but for the third person's grammar
            assert _words(fact) <= said, (message, fact)


class _Counting(random.Random):
    def random(self):
        self.calls = getattr(self, "calls", 0) + 1
        return super().random()

    def getrandbits(self, k):  # defined too, so that choice() keeps drawing bits and not random()
        return super().getrandbits(k)


def test_without_compound_share_the_chat_messages_are_drawn_as_before():
    rng = _Counting(5)  # before COMPOUND, random() was drawn once per message (quiet or not); choices use getrandbits
    rows = cs.chat_examples(60, quiet_share=0.3, rng=rng)
    assert rng.calls == 60 and not [r for r in rows if r["meta"]["variant"] == "chat_compound"]


def test_the_compound_probe_stays_held_out():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import chat_extract_probe as probe
    finally:
        sys.path.pop(0)
    shapes = {re.sub(r"\{[a-z_0-9A-Z]+\}", "X", m) for m, _ in cs.COMPOUND}
    for _, line, _ in probe.COMPOUND:
        assert not any(re.fullmatch(re.escape(s).replace("X", ".+"), line) for s in shapes), line


def _probe():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import chat_extract_probe as probe
    finally:
        sys.path.pop(0)
    return probe


def test_short_statements_target_their_one_fact_from_many_speakers():
    rows = cs.short_examples(300, rng=random.Random(4))
    kinds = [r["meta"]["variant"] for r in rows]
    assert 40 < kinds.count("chat_short_quiet") < 110 and kinds.count("chat_short") > 180
    speakers = set()
    for r in rows:
        speaker, message = r["messages"][-2]["content"].split("\n\n", 1)[1].split(": ", 1)
        speakers.add(speaker)
        facts = r["meta"]["facts"]
        assert json.loads(r["messages"][-1]["content"]) == {"facts": facts}
        if r["meta"]["variant"] == "chat_short_quiet":
            assert facts == []
            continue
        assert len(facts) == 1 and facts[0].startswith(speaker + " ")
        # the fact's words are the message's, but for the third person's grammar and a date
        said = _words(message) | _words(speaker) | {"s", "has", "is", "doesn", "plays", "speaks", "takes", "loves",
                                                    "likes", "hates", "drinks", "suffers", "works", "month",
                                                    "before", "gave"} | _words(MONTHS)
        assert _words(facts[0]) - {"t"} <= said, (message, facts[0])
    assert len(speakers & set(cs.MORE_SPEAKERS)) > 10  # names the other chat examples never use


def test_short_statements_stay_out_of_other_builds_and_the_probe_held_out():
    out = {"train": [{"n": i} for i in range(20)], "valid": [{"n": i} for i in range(4)]}
    before = [dict(r) for r in out["train"]]
    cs.add_chat_examples(out, 0, 0.4, 0, seed=1, n_short=30)
    assert [r for r in out["train"] if "n" in r] == before and len(out["train"]) == 50 and len(out["valid"]) == 7
    probe = _probe()
    assert {u.lower() for u in probe.SHORT_USERS}.isdisjoint(u.lower() for u in cs.SPEAKERS + cs.MORE_SPEAKERS)
    values = cs.CONDITIONS + cs.DIETS + cs.AVOIDS + cs.DRINKS + cs.FEARS + cs.LIKES + cs.DISLIKES + cs.INSTRUMENTS
    templates = {re.sub(r"\{[a-z_0-9A-Z]+\}", "X", m) for m in cs.SHORT_QUIET + cs.REQUESTS + cs.QUIET}
    for line in probe.REQUESTS:  # the general requests and remarks: no template has their shape
        assert not any(re.fullmatch(re.escape(t).replace("X", ".+"), line) for t in templates), line
    for line, _ in probe.SHORT:
        assert line not in cs.SHORT_QUIET + cs.QUIET
        assert not any(re.search(rf"\b{re.escape(v)}\b", line, re.I) for v in values), line


def test_we_news_is_the_speakers_and_the_we_probe_stays_held_out():
    rows = cs.short_examples(200, rng=random.Random(7), quiet_share=0.3, we=True)
    kinds = [r["meta"]["variant"] for r in rows]
    assert 30 < kinds.count("chat_we_quiet") < 90 and kinds.count("chat_we") > 110
    for r in rows:
        speaker, message = r["messages"][-2]["content"].split("\n\n", 1)[1].split(": ", 1)
        facts = r["meta"]["facts"]
        if r["meta"]["variant"] == "chat_we_quiet":
            assert facts == [] and re.search(r"\bwe\b", message, re.I)
            continue
        assert len(facts) == 1 and (facts[0].startswith(speaker + " ") or facts[0].startswith(speaker + "'s "))
        partner = re.search(r"\b(?:wife|husband|partner|girlfriend|boyfriend)\b", facts[0])
        assert not partner or partner.group(0) in message  # the partner only when the message names one
        assert "next month" not in message  # relative dates reach the model as their absolute form
    _own_stream({"n_short": 30}, "n_we", "chat_short")
    probe = _probe()
    _held_out(probe.WE_USERS, [line for line, _ in probe.WE], [m for m, _ in chat_we.WE] + chat_we.WE_QUIET,
              cs.CITIES + cs.PET_NAMES + cs.HOBBIES + cs.NAMES)  # names and places; "dog" is in both


def _own_stream(before: dict, added: str, kind: str) -> None:
    """Adding `added` examples to a build of `before` leaves the `kind` rows where they were."""
    def build(**extra):
        out = {"train": [{"n": i} for i in range(20)], "valid": [{"n": i} for i in range(4)]}
        cs.add_chat_examples(out, 0, 0.4, 0, seed=1, **before, **extra)
        return [r["messages"] for r in out["train"] if r.get("meta", {}).get("variant", "").startswith(kind)], out
    alone, _ = build()
    with_added, out = build(**{added: 10})
    assert alone and with_added == alone and len(out["train"]) == 20 + sum(before.values()) + 10


def _held_out(users: list[str], lines: list[str], templates: list[str], values: list[str]) -> None:
    """A probe's users, lines and values stay out of the templates: no line is a template with one word filled in."""
    assert {u.lower() for u in users}.isdisjoint(u.lower() for u in cs.SPEAKERS + cs.MORE_SPEAKERS)
    shapes = {re.sub(r"\{[a-z_0-9A-Z]+\}", "X", m) for m in templates}
    for line in lines:
        assert not any(re.fullmatch(re.escape(t).replace("X", r"\S+"), line) for t in shapes), line
        assert not any(re.search(rf"\b{re.escape(v)}\b", line, re.I) for v in values), line


def test_partner_and_we_news_are_two_facts_and_the_partner_probe_stays_held_out():
    rows = cs.short_examples(120, rng=random.Random(8), quiet_share=0.2, partner=True)
    kinds = [r["meta"]["variant"] for r in rows]
    assert 10 < kinds.count("chat_partner_we_quiet") < 45 and kinds.count("chat_partner_we") > 75
    for r in rows:
        speaker, message = r["messages"][-2]["content"].split("\n\n", 1)[1].split(": ", 1)
        facts = r["meta"]["facts"]
        if r["meta"]["variant"] == "chat_partner_we_quiet":
            assert facts == []
            continue
        partner = re.search(r"\b(?:wife|husband|partner|girlfriend|boyfriend)\b", message).group(0)
        assert len(facts) == 2 and all(f.startswith(speaker + " ") or f.startswith(speaker + "'s ") for f in facts)
        assert sum(f.startswith(f"{speaker}'s {partner}") for f in facts) == 1  # one fact is the partner's
    _own_stream({"n_we": 10}, "n_partner", "chat_we")
    probe = _probe()
    _held_out(probe.PARTNER_WE_USERS, [line for line, _, _ in probe.PARTNER_WE],
              [m for m, _ in chat_we.PARTNER_WE + chat_we.WE],
              cs.CITIES + cs.PET_NAMES + cs.HOBBIES + cs.NAMES + cs.JOBS)


def test_family_news_is_the_relatives_and_a_trip_to_see_family_the_users_and_the_probe_stays_held_out():
    from memlora_mlx.distill import chat_family as cf

    rows = cf.family_examples(160, rng=random.Random(13), speakers=cs.SPEAKERS + cs.MORE_SPEAKERS,
                              draw_fields=cs.draw_fields, quiet_share=0.2)
    kinds = [r["meta"]["variant"] for r in rows]
    assert 15 < kinds.count("chat_family_quiet") < 50 and kinds.count("chat_family") > 40 < kinds.count("chat_trip")
    for r in rows:
        speaker, message = r["messages"][-2]["content"].split("\n\n", 1)[1].split(": ", 1)
        facts, kind = r["meta"]["facts"], r["meta"]["variant"]
        assert not re.search(r"\b(?:last|next) (?:week|month|year|weekend)\b|yesterday|tomorrow", message + str(facts))
        if kind == "chat_family_quiet":
            assert facts == []
        elif kind == "chat_trip":  # the user's trip, one fact; the family seen is not travelling
            assert len(facts) == 1 and facts[0].startswith(speaker + " is ")
        else:  # two facts, each of the one relative the message names, the clause after "and he/she" too
            rel = re.match(r"My ((?:little |best )?\w+)", message).group(1)
            assert len(facts) == 2 and all(f.startswith(f"{speaker}'s {rel}") for f in facts), (message, facts)
    _own_stream({"n_partner": 10}, "n_family", "chat_partner_we")
    probe = _probe()
    templates = [m for m, _ in cf.FAMILY + cf.FAMILY_YOUNG + cf.TRIPS] + cf.FAMILY_QUIET
    _held_out(probe.FAMILY_USERS, [line for line, _ in probe.FAMILY], templates,
              cs.CITIES + cs.NAMES + cs.PLACES + cs.HOBBIES + cf.KID_LIKES + cf.HIS_NAMES + cf.HER_NAMES)
    values = cf.KID_LIKES + cf.HIS_NAMES + cf.HER_NAMES + cs.CITIES
    for script in ("chat_drive_thirty_first.txt", "chat_drive_thirty_second.txt"):  # yusuf's and sofie's chats too
        drive = (ROOT / "scripts" / script).read_text()
        assert not any(re.search(rf"\b{re.escape(v)}\b", drive, re.I) for v in values), script
