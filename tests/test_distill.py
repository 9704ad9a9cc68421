"""Distillation datasets: LoCoMo-derived labels and the OpenAI-compatible teacher (a real local HTTP server)."""

import calendar
import json
import random
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

import memlora_mlx  # noqa: F401
from memlora_mlx.distill import DistillError, parse_split_spec, read_jsonl
from memlora_mlx.distill import locomo_source as ls
from memlora_mlx.ops import answer as op_answer
from memlora_mlx.ops import extract as op_extract
from memlora_mlx.ops import update as op_update
from memlora_mlx.ops.dates import mark_relative_dates

DATA = Path("/work/shared/data/locomo")
CONV30 = DATA / "conv-30.json"
pytestmark = pytest.mark.skipif(not CONV30.exists(), reason="LoCoMo dev data not present")


@pytest.fixture(scope="module")
def conv30():
    from memlora_mlx.locomo import load_conversation

    return load_conversation(CONV30)


def test_parse_split_spec():
    assert parse_split_spec(["conv-26,conv-30:train", "conv-42:test"]) == {
        "conv-26": "train", "conv-30": "train", "conv-42": "test"}
    for bad in (["conv-26"], ["conv-26:training"], [":train"]):
        with pytest.raises(DistillError, match="IDS:ROLE"):
            parse_split_spec(bad)


def test_extract_targets_come_from_window_evidence(conv30):
    splits = ls.build("extract", [conv30], {}, valid_sessions=2, window=4, seed=1)
    assert splits["train"] and splits["valid"] and not splits["test"]
    sess = {split: {r["meta"]["session"] for r in rows} for split, rows in splits.items() if rows}
    assert not sess["train"] & sess["valid"]  # held out by session, never by turn
    assert max(sess["train"]) < min(sess["valid"])
    facts = {f.text: f for f in ls.conversation_facts(conv30)}
    by_session = {s.index: s for s in conv30.sessions}
    for r in splits["train"] + splits["valid"]:
        m = r["meta"]
        prompt, target = r["messages"][:-1], r["messages"][-1]["content"]
        parsed, rejects = op_extract.parse_facts(target)
        assert parsed == m["facts"] and not rejects
        for f in parsed:  # each fact's first evidence turn lies in this window
            assert facts[f].dia_ids[0] in m["dia_ids"]
        turns = [t for t in by_session[m["session"]].turns if t.dia_id in m["dia_ids"]]
        assert prompt == op_extract.build_messages(turns, by_session[m["session"]].date_time)
        if m.get("variant") == "single_turn":  # the chat's shape: one statement, its own facts
            assert len(turns) == 1 and parsed
    copies = [r for r in splits["train"] if r["meta"].get("variant") == "single_turn"]
    assert 0.15 * len(splits["train"]) < len(copies) < 0.5 * len(splits["train"])  # default: half the fact windows
    plain = ls.build("extract", [conv30], {}, valid_sessions=2, window=4, seed=1, single_ratio=0.0)
    assert plain["train"] == [r for r in splits["train"] if "variant" not in r["meta"]]  # own random stream


def test_extract_quiet_turns_teach_that_small_talk_leaves_no_memory(conv30):
    splits = ls.build("extract", [conv30], {"conv-30": "train"}, valid_sessions=2, seed=1, quiet_ratio=0.5)
    quiet = [r for r in splits["train"] + splits["valid"] if r["meta"].get("variant") == "quiet_turn"]
    facts_by_turn = {d for f in ls.conversation_facts(conv30) for d in f.dia_ids}
    assert len(quiet) > 10
    for r in quiet:  # one turn alone, a question or a short remark that no fact cites, target: no facts
        (dia_id,) = r["meta"]["dia_ids"]
        text = r["messages"][-2]["content"].split("\n\n", 1)[1]
        assert dia_id not in facts_by_turn and r["messages"][-1]["content"] == '{"facts": []}'
        assert "?" in text or len(text.split(":", 1)[1].split()) <= 12
    base = ls.build("extract", [conv30], {"conv-30": "train"}, valid_sessions=2, seed=1)
    strip = lambda rows: [r for r in rows if "variant" not in r["meta"]]  # noqa: E731
    assert strip(base["train"]) == strip(splits["train"])  # the plain cases do not move
    test = ls.build("extract", [conv30], {"conv-30": "test"}, seed=1, quiet_ratio=0.5)["test"]
    assert not [r for r in test if r["meta"].get("variant")]  # never in the test split


def test_split_by_conversation_names_unknown_ids(conv30):
    with pytest.raises(DistillError, match="conv-99"):
        ls.build("extract", [conv30], {"conv-99": "test"})
    out = ls.build("extract", [conv30], {"conv-30": "test"})
    assert out["test"] and not out["train"] and not out["valid"]


def test_replace_entity_and_retraction():
    rng = random.Random(0)
    pools = {"year": ["2019", "2022"], "month": ["May", "June"], "weekday": [], "number": ["3", "7"], "name": ["Paris", "Oslo"]}
    new = ls.replace_entity("Jon moved to Paris in 2022.", pools, {"Jon"}, rng)
    assert new in ("Jon moved to Oslo in 2022.", "Jon moved to Paris in 2019.")
    assert ls.replace_entity("Jon likes dogs.", pools, {"Jon"}, rng) is None
    same = {"year": [], "month": [], "weekday": [], "number": ["3", "three"], "name": []}
    assert ls.replace_entity("Jon has 3 cats.", same, {"Jon"}, rng) is None  # "three" would not change the fact
    assert ls.retraction("Gina loves dancing", "Gina") == "Gina no longer loves dancing."
    assert ls.retraction("Gina is a dancer.", "Gina") == "Gina is no longer a dancer."
    assert ls.retraction("Jon loves dancing.", "Gina") is None


def test_update_cases_are_labelled_by_construction(conv30, embedder):
    rows = ls.build("update", [conv30], {}, valid_sessions=0, seed=0, embedder=embedder)["train"]
    events = [r["meta"]["event"] for r in rows]
    assert set(events) == {"ADD", "UPDATE", "DELETE", "NONE"}
    # UPDATE (only feasible when a fact holds a swappable entity) is topped up from beyond the 8-per-session quota
    by_session: dict = {}
    for r in rows:
        if "variant" not in r["meta"]:
            by_session.setdefault(r["meta"]["session"], []).append(r["meta"]["event"])
    over = {s: ev for s, ev in by_session.items() if len(ev) > 8}
    assert over and all(ev.count("UPDATE") >= len(ev) - 8 for ev in over.values())
    # ... and each UPDATE fact gives up to 2 more UPDATE cases with other swaps (train/valid only)
    extra = [r for r in rows if r["meta"].get("variant") == "extra_update"]
    assert extra and all(r["meta"]["event"] == "UPDATE" for r in extra)
    assert len({r["meta"]["fact"] for r in extra}) == len(extra)
    test = ls.build("update", [conv30], {"conv-30": "test"}, seed=0, embedder=embedder)["test"]
    assert not any("variant" in r["meta"] for r in test)
    for r in rows:
        m = r["meta"]
        d = op_update.parse_decision(r["messages"][-1]["content"], len(m["memories"]))
        assert d is not None and d.event == m["event"]
        assert r["messages"][:-1] == op_update.build_messages(m["fact"], m["memories"])
        if d.event == "ADD":
            assert m["fact"] not in m["memories"] and d.text is None
        elif d.event == "UPDATE":  # same sentence with one entity swapped
            old = m["memories"][d.index]
            assert d.text == m["fact"] != old and len(set(old.split()) ^ set(d.text.split())) <= 6
        elif d.event == "DELETE":
            assert "no longer" in m["fact"]
            assert set(m["memories"][d.index].rstrip(".").split()) <= set(m["fact"].rstrip(".").split())
        else:  # a restatement: a filler dropped, a synonym, the main clause; never a fixed marker (a cue)
            old, fact = m["memories"][d.index].rstrip(".").split(), m["fact"].rstrip(".").split()
            assert d.index is not None and len(set(fact) - set(old)) <= 2 and fact[0] == old[0]


def test_answer_examples_hold_evidence_and_refusals(conv30, embedder):
    rows = ls.build("answer", [conv30], {}, valid_sessions=0, variant_ratio=0.5, seed=0, embedder=embedder)["train"]
    assert len(rows) > 50
    facts_by_turn = {}
    for f in ls.conversation_facts(conv30):
        for d in f.dia_ids:  # shown as the runtime shows it: a relative date as the date it means
            facts_by_turn.setdefault(d, []).append(mark_relative_dates(f.text, f.date, "replace"))
    for r in rows:
        m, target, user = r["meta"], r["messages"][-1]["content"], r["messages"][-2]["content"]
        if m["category"] == 5:
            assert target == op_answer.UNKNOWN_ANSWER
        else:
            assert target and target != op_answer.UNKNOWN_ANSWER
        gold = [t for d in m["evidence"] for t in facts_by_turn.get(d, [])]
        if gold:
            assert gold[0] in user
        if "variant" not in m:
            assert user.count("\n- ") == 6  # 6 memories (gold + retrieved distractors)
            assert "\nQuestion: " in user
        else:  # chat-style copy: a short list (evidence + at most 2 distractors)
            assert 1 <= user.count("\n- ") <= len(gold or [0]) + 2
    variants = {r["meta"].get("variant") for r in rows}
    assert variants == {None, "short"}
    # refusals are copied at the same rate as answers, so the format never predicts "I don't know"
    refusal = lambda rs: sum(r["meta"]["category"] == 5 for r in rs) / len(rs)  # noqa: E731
    copies = [r for r in rows if "variant" in r["meta"]]
    assert 0.5 * refusal(rows) < refusal(copies) < 2 * refusal(rows)
    test = ls.build("answer", [conv30], {"conv-30": "test"}, variant_ratio=0.5, seed=0, embedder=embedder)["test"]
    assert test and not any("variant" in r["meta"] for r in test)  # held-out data stays LoCoMo's questions
    plain = ls.build("answer", [conv30], {}, valid_sessions=0, seed=0, embedder=embedder)["train"]
    assert plain == [r for r in rows if "variant" not in r["meta"]]  # copies use their own random stream


def test_answer_refusal_share_thins_training_only(conv30, embedder):
    split = {"conv-30": "train"}
    full = ls.build("answer", [conv30], split, valid_sessions=2, seed=0, embedder=embedder)
    thin = ls.build("answer", [conv30], split, valid_sessions=2, refusal_ratio=0.0, seed=0, embedder=embedder)
    for name in ("train", "valid"):
        assert any(r["meta"]["category"] == 5 for r in full[name])
        assert thin[name] == [r for r in full[name] if r["meta"]["category"] != 5]  # same rows, same order
    test = ls.build("answer", [conv30], {"conv-30": "test"}, refusal_ratio=0.0, seed=0, embedder=embedder)["test"]
    assert any(r["meta"]["category"] == 5 for r in test)  # held-out data keeps LoCoMo's refusals


def test_cli_writes_splits_and_stats(tmp_path):
    from memlora_mlx.cli import main

    out = tmp_path / "extract"
    rc = main(["distill", "--op", "extract", "--inputs", str(CONV30), "--split", "conv-30:train", "--out", str(out)])
    assert rc == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["counts"]["train"] == len(read_jsonl(out / "train.jsonl")) > 0
    assert stats["labels"]["train"]["facts"] > 0
    rc = main(["distill", "--op", "extract", "--inputs", str(tmp_path / "missing.json"), "--out", str(out)])
    assert rc == 2


# ---- teacher -----------------------------------------------------------------------------------


class _Teacher(BaseHTTPRequestHandler):
    calls: list = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append((self.path, self.headers.get("Authorization"), body))
        user = body["messages"][-1]["content"]
        if "broken" in user:
            content = "Sure! Here are some facts about them, hope it helps."
        elif "server-error" in user:
            self.send_response(500)
            self.end_headers()
            return
        else:
            speaker = user.split("\n")[-1].split(":")[0]
            content = json.dumps({"facts": [f"{speaker} said something memorable."]})
        data = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


@pytest.fixture
def teacher_server():
    _Teacher.calls = []
    srv = HTTPServer(("127.0.0.1", 0), _Teacher)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{srv.server_port}/v1"
    srv.shutdown()
    srv.server_close()


def _transcript(path: Path) -> Path:
    lines = [
        {"speaker": "Ann", "text": "I adopted a cat named Miso.", "session": 1, "date": "1:00 pm on 3 May, 2023"},
        {"speaker": "Bob", "text": "Nice!", "session": 1},
        {"speaker": "Ann", "text": "this one is broken", "session": 2, "date": "2:00 pm on 9 May, 2023"},
        {"speaker": "Bob", "text": "server-error please", "session": 3, "date": "2:00 pm on 19 May, 2023"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return path


def test_teacher_labels_validates_and_caches(tmp_path, teacher_server, monkeypatch):
    from memlora_mlx.cli import main

    monkeypatch.setenv("MY_TEACHER_KEY", "sk-test")
    src = _transcript(tmp_path / "chat.jsonl")
    args = ["distill", "--op", "extract", "--source", "teacher", "--inputs", str(src), "--window", "2",
            "--valid-sessions", "0", "--teacher-url", teacher_server, "--teacher-model", "big",
            "--api-key-env", "MY_TEACHER_KEY", "--teacher-cache", str(tmp_path / "cache"), "--out", str(tmp_path / "o")]
    assert main(args) == 0
    rows = read_jsonl(tmp_path / "o" / "train.jsonl")
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    assert [r["meta"]["facts"] for r in rows] == [["Bob said something memorable."]]
    assert rows[0]["messages"][:-1] == op_extract.build_messages(
        [memlora_mlx.types.Turn("Ann", "I adopted a cat named Miso."), memlora_mlx.types.Turn("Bob", "Nice!")],
        "1:00 pm on 3 May, 2023")
    assert stats["teacher"]["dropped_invalid"] == 2  # the chatty reply and the failing server
    assert stats["teacher"]["request_errors"] == 3  # 500, retried twice
    paths = {c[0] for c in _Teacher.calls}
    assert paths == {"/v1/chat/completions"} and _Teacher.calls[0][1] == "Bearer sk-test"
    assert _Teacher.calls[0][2]["model"] == "big"
    n = len(_Teacher.calls)
    assert main(args) == 0  # rerun: answered from the cache (failures are retried, nothing else)
    assert len(_Teacher.calls) - n == 3
    assert json.loads((tmp_path / "o" / "stats.json").read_text())["teacher"]["cache_hits"] == 2


def test_teacher_never_contacted_unless_configured(tmp_path):
    from memlora_mlx.cli import main

    src = _transcript(tmp_path / "chat.jsonl")
    rc = main(["distill", "--op", "extract", "--source", "teacher", "--inputs", str(src), "--out", str(tmp_path / "o")])
    assert rc == 2 and not (tmp_path / "o").exists()


def test_extract_chat_messages_keep_relations_and_leave_the_drive_held_out(conv30):
    splits = ls.build("extract", [conv30], {"conv-30": "train"}, valid_sessions=2, seed=1, chat_examples=300)
    chat = [r for r in splits["train"] if r["meta"].get("conv") == "synthetic-chat"]
    assert len(chat) == 300 and len([r for r in splits["valid"] if r["meta"].get("conv") == "synthetic-chat"]) == 30
    base = ls.build("extract", [conv30], {"conv-30": "train"}, valid_sessions=2, seed=1)
    strip = lambda rows: [r for r in rows if "variant" not in r["meta"]]  # noqa: E731
    assert strip(base["train"]) == strip(splits["train"])  # the LoCoMo cases do not move
    test = ls.build("extract", [conv30], {"conv-30": "test"}, seed=1, chat_examples=300)["test"]
    assert test and not [r for r in test if r["meta"].get("variant")]  # never in the test split
    quiet = [r for r in chat if r["meta"]["variant"] == "chat_quiet"]
    said = [r for r in chat if r["meta"]["variant"] == "chat_statement"]
    assert 60 < len(quiet) < 180 and said
    assert all(r["messages"][-1]["content"] == '{"facts": []}' for r in quiet)
    drive = Path(__file__).parents[1] / "scripts" / "chat_drive_example.txt"
    told = {"Maria", "pilot", "Lisbon", "Pixel", "Mochi", "nurse", "Mary's", "climbing", "Saturday", "Tokyo",
            "March", "risotto", "mushroom", "sister", "cats"}
    assert told <= set(drive.read_text().replace(",", " ").replace(".", " ").split())  # the drive's own words
    for r in chat:
        text = r["messages"][-2]["content"].split("\n\n", 1)[1]
        speaker, message = text.split(": ", 1)
        message = re.sub(r"\d{1,2} [A-Z][a-z]+ \d{4}", "", message)  # a relative date as the prompt writes it
        assert not told & set(message.replace(",", " ").replace(".", " ").replace("?", " ").split()), message
        for fact in r["meta"]["facts"]:  # third person, from the speaker, no name the message lacks
            assert fact.startswith(speaker)
            names = {w.strip(".,'s") for w in fact.split()[1:] if w[:1].isupper()} - set(calendar.month_name) - {speaker}
            assert all(n in message for n in names), (message, fact)
    msgs = [r["messages"][-2]["content"] for r in chat]
    assert msgs == [r["messages"][-2]["content"] for r in ls.build(
        "extract", [conv30], {"conv-30": "train"}, valid_sessions=2, seed=1, chat_examples=300)["train"]
        if r["meta"].get("conv") == "synthetic-chat"]  # seeded


def test_reply_chats_follow_the_rules_in_the_runtime_prompt():
    from memlora_mlx.distill import reply_source
    from memlora_mlx.ops import reply as op_reply

    splits = reply_source.build(300, 30, seed=0)
    assert len(splits["train"]) == 300 and len(splits["valid"]) == 30
    assert splits["train"] == reply_source.build(300, 30, seed=0)["train"]  # seeded
    kinds = {r["meta"]["kind"] for r in splits["train"]}
    assert kinds == set(reply_source.KINDS)
    for r in splits["train"]:
        msgs, m, reply = r["messages"][:-1], r["meta"], r["messages"][-1]["content"]
        assert msgs[0]["content"].startswith("You are a friendly") and m["user"] in msgs[0]["content"]
        assert msgs[-1]["content"].startswith(m["message"])  # the runtime's final message: the words, then memories
        assert all(op_reply.to_you(mem, m["user"]) in msgs[-1]["content"] for mem in m["memories"])
        prompt = " ".join(x["content"] for x in msgs)
        if m["kind"] == "unknown":  # nothing in the prompt answers it: refuse, invent nothing
            assert reply.startswith(op_reply.UNKNOWN_REPLY)
        elif m["kind"] in ("known", "history"):  # the answer is in the memories or earlier in this chat
            told = reply.split("— ")[-1].rstrip(".").replace("From what you told me, ", "").split(", as you")[0]
            words = [w.strip(".,'").lower() for w in told.split()]
            words = [w for w in words if w not in {"you", "your", "you're", "have", "are"}]
            assert len(words) >= 2 and all(w in prompt.lower() for w in words), (reply, prompt)
    assert not {"Maria", "Pixel", "Mochi", "Lisbon", "Tokyo", "risotto", "sky"} & set(
        " ".join(x["content"] for r in splits["train"] for x in r["messages"]).replace(".", " ").replace("?", " ").split())


def test_distill_reply_cli_writes_the_chats_and_refuses_other_sources(tmp_path):
    from memlora_mlx.cli import main

    assert main(["distill", "--op", "reply", "--source", "chat", "--examples", "20", "--out", str(tmp_path)]) == 0
    assert len(read_jsonl(tmp_path / "train.jsonl")) == 20 and len(read_jsonl(tmp_path / "valid.jsonl")) == 2
    assert main(["distill", "--op", "reply", "--source", "locomo", "--inputs", str(CONV30), "--out",
                 str(tmp_path / "x")]) == 2
    assert main(["distill", "--op", "extract", "--source", "locomo", "--out", str(tmp_path / "y")]) == 2


def test_extract_followups_show_the_previous_message_and_target_only_the_new_one(conv30):
    from memlora_mlx.ops import extract as extract_op

    splits = ls.build("extract", [conv30], {"conv-30": "train"}, valid_sessions=2, seed=1, followups=200)
    rows = [r for r in splits["train"] if r["meta"].get("variant", "").startswith("chat_followup")]
    assert len(rows) == 200
    base = ls.build("extract", [conv30], {"conv-30": "train"}, valid_sessions=2, seed=1)
    strip = lambda rows: [r for r in rows if "variant" not in r["meta"]]  # noqa: E731
    assert strip(base["train"]) == strip(splits["train"])  # the LoCoMo cases do not move
    kinds = {k: [r for r in rows if r["meta"]["variant"] == k]
             for k in ("chat_followup", "chat_followup_quiet", "chat_followup_other")}
    assert all(kinds.values())
    assert all(r["messages"][-1]["content"] == '{"facts": []}' for r in kinds["chat_followup_quiet"])
    for r in rows:
        prompt = r["messages"][-2]["content"]
        earlier, new = prompt.split(f"{extract_op.CONTEXT_HEAD}\n", 1)[1].split(f"\n\n{extract_op.NEW_HEAD}\n")
        speaker, message = new.split(": ", 1)
        assert earlier.startswith(f"{speaker}: ") and "\n" not in message
        for fact in r["meta"]["facts"]:
            assert fact.startswith(speaker)
            if r["meta"]["variant"] == "chat_followup_other":  # an unrelated statement: names from it alone
                names = {w.strip(".,'s") for w in fact.split()[1:] if w[:1].isupper()} - set(calendar.month_name)
                assert all(n in message for n in names - {speaker}), (message, fact)
    resolved = kinds["chat_followup"]
    # a follow-up's fact names what the pronoun stood for, which only the previous message says
    assert sum(any(w.strip(".,'") in r["messages"][-2]["content"].split(extract_op.NEW_HEAD)[0]
                   and w.strip(".,'") not in r["messages"][-2]["content"].split(extract_op.NEW_HEAD)[1]
                   for f in r["meta"]["facts"] for w in f.split()[1:] if w[:1].isupper())
               for r in resolved) > len(resolved) // 2
