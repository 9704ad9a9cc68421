"""LoCoMo runner end to end on the embedded model: a two-session, four-question fixture."""

import json

import pytest

from memlora_mlx.cli import main as cli_main
from memlora_mlx.eval import report
from memlora_mlx.eval.locomo_eval import EvalConfig, Run

FIXTURE = {
    "speaker_a": "Ann",
    "speaker_b": "Bob",
    "session_1_date_time": "1:56 pm on 8 May, 2023",
    "session_1": [
        {"speaker": "Ann", "dia_id": "D1:1", "text": "I adopted a cat named Miso last week."},
        {"speaker": "Bob", "dia_id": "D1:2", "text": "Nice! I am training for the Lisbon marathon."},
    ],
    "session_2_date_time": "10:37 am on 27 June, 2023",
    "session_2": [
        {"speaker": "Bob", "dia_id": "D2:1", "text": "I moved to Porto yesterday for my new job as a nurse."},
        {"speaker": "Ann", "dia_id": "D2:2", "text": "Congrats! I started pottery classes.",
         "img_url": ["https://example.invalid/pot.jpg"], "blip_caption": "a photo of a clay bowl"},
    ],
    "session_3_date_time": "9:00 am on 1 July, 2023",
    "qa": [
        {"question": "What is the name of Ann's cat?", "answer": "Miso", "evidence": ["D1:1"], "category": 4},
        {"question": "Which city did Bob move to?", "answer": "Porto", "evidence": ["D2:1"], "category": 4},
        {"question": "When did Ann adopt her cat?", "answer": "The week before 8 May 2023", "evidence": ["D1:1"],
         "category": 2},
        {"question": "What is Bob's cat called?", "evidence": ["D1:1"], "category": 5, "adversarial_answer": "Miso"},
    ],
}


@pytest.fixture(scope="module")
def conv_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("locomo") / "conv-t.json"
    p.write_text(json.dumps(FIXTURE))
    return p


@pytest.fixture
def calls(default_engine):
    """Counts real model calls through the engine's own stats events."""
    events = []
    default_engine.add_listener(lambda e: events.append(e) if e.get("type") == "stats" else None)
    yield events
    default_engine._listeners.pop()


def cfg(conv_file, out, **kw):
    return EvalConfig(files=[str(conv_file)], out=str(out), max_tokens=8, **kw)


def rows(out):
    return report.read_results(out / "results.jsonl")


def test_no_memory_resume_and_summary(conv_file, tmp_path, default_engine, calls):
    out = tmp_path / "nomem"
    Run(cfg(conv_file, out, mode="no-memory", max_questions=2), engine=default_engine).run()
    first = rows(out)
    assert [r["qid"] for r in first] == ["conv-t:0", "conv-t:1"] and len(calls) == 2
    assert all(r["prompt_tokens"] and r["latency_s"] > 0 and r["answer"] for r in first)
    # rerun with more questions: only the two new ones reach the model, old rows stay untouched
    s = Run(cfg(conv_file, out, mode="no-memory", max_questions=4), engine=default_engine).run()
    assert len(calls) == 4
    after = rows(out)
    assert after[:2] == first and [r["qid"] for r in after[2:]] == ["conv-t:2", "conv-t:3"]
    assert s["questions"] == 4 and s["overall"]["n"] == 3 and set(s["categories"]) == {"2", "4", "5"}
    assert s["answer_latency_s"]["p95"] >= s["answer_latency_s"]["p50"] > 0
    assert (out / "summary.md").read_text().startswith("# LoCoMo: no-memory/default-adapters")
    r5 = after[3]
    assert r5["gold"] is None and r5["f1"] == (1.0 if r5["refused"] else 0.0)
    # a finished run does nothing more
    Run(cfg(conv_file, out, mode="no-memory", max_questions=4), engine=default_engine).run()
    assert len(calls) == 4 and len(rows(out)) == 4


def test_other_settings_refuse_same_dir(conv_file, tmp_path, default_engine):
    out = tmp_path / "run"
    Run(cfg(conv_file, out, mode="no-memory", categories=[5]), engine=default_engine).run()
    with pytest.raises(SystemExit, match="other settings"):
        Run(cfg(conv_file, out, mode="full-context", categories=[5]), engine=default_engine).run()


def test_full_context_truncates_oldest(conv_file, tmp_path, default_engine, calls):
    from memlora_mlx.eval.locomo_eval import QUESTION_ROOM
    from memlora_mlx.locomo import load_conversation
    from memlora_mlx.ops import answer as answer_op

    # a budget that holds the prompt frame and exactly the last two turns
    eng, turns = default_engine, load_conversation(conv_file).turns
    frame = len(eng.prompt_tokens(answer_op.build_messages("", [])))
    last2 = sum(eng.count_tokens(answer_op.format_memory(
        {"text": t.text + (f" [shares a photo: {t.caption}]" if t.caption else ""), "date": t.timestamp,
         "speaker": t.speaker})) + 1 for t in turns[2:])
    limit = frame + last2 + 8 + QUESTION_ROOM + 5
    out = tmp_path / "fc"
    s = Run(cfg(conv_file, out, mode="full-context", categories=[4], context_tokens=limit),
            engine=default_engine).run()
    tr = s["truncation"]
    assert tr["turns"] == 4 and tr["turns_cut"] == 2 and tr["tokens_cut"] > 0
    assert all(r["prompt_tokens"] <= limit for r in rows(out)) and len(calls) == 2
    # the shared conversation prefix is reused from the KV cache for the second question
    assert rows(out)[1]["cached_tokens"] > 0


def test_compare_writes_table_and_chart(conv_file, tmp_path, default_engine):
    a, b = tmp_path / "a", tmp_path / "b"
    Run(cfg(conv_file, a, mode="no-memory", max_questions=1), engine=default_engine).run()
    Run(cfg(conv_file, b, mode="full-context", max_questions=1), engine=default_engine).run()
    assert cli_main(["eval", "locomo", "--compare", str(a), str(b), "--out", str(tmp_path / "cmp")]) == 0
    md = (tmp_path / "cmp" / "comparison.md").read_text()
    assert "| no-memory/default-adapters |" in md and "| full-context/default-adapters |" in md
    assert (tmp_path / "cmp" / "comparison.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_delegates_missing_modules(capsys):
    import importlib.util

    for cmd in ("ops", "vqa"):
        if importlib.util.find_spec(f"memlora_mlx.eval.{cmd}") is None:
            assert cli_main(["eval", cmd]) == 2
            assert "not available" in capsys.readouterr().err


def test_memory_mode_end_to_end(conv_file, tmp_path, default_engine, embedder, calls):
    memory = pytest.importorskip("memlora_mlx.memory")

    def small_memory(path):  # the real Memory with short op outputs, to keep the test fast on CPU
        return memory.Memory(engine=default_engine, store=path, embedder=embedder,
                             max_tokens={"extract": 40, "update": 24})

    out = tmp_path / "mem"
    s = Run(cfg(conv_file, out, mode="memory", top_k=3, max_questions=2), engine=default_engine,
            memory_factory=small_memory).run()
    marker = json.loads((out / "stores" / "conv-t.ingest.json").read_text())
    assert marker["done"] and marker["sessions_done"] == [1, 2] and marker["turns"] == 4
    assert s["ingest"]["turns"] == 4 and s["questions"] == 2 and s["ingest"]["model_calls"] >= 4
    assert all(ps["generated_tokens"] <= ps["model_calls"] * 40 for ps in marker["per_group"])
    assert [g["sessions"] for g in marker["per_group"]] == [[1, 2]]  # both sessions extracted in one batch
    got = rows(out)
    assert any(r["retrieved"] for r in got)  # answers came from stored memories
    n = len(calls)
    Run(cfg(conv_file, out, mode="memory", top_k=3, max_questions=2), engine=default_engine,
        memory_factory=small_memory).run()
    assert len(calls) == n  # neither re-ingested nor re-answered


def test_memory_ingest_resumes_mid_group_without_adding_twice(conv_file, tmp_path, default_engine, embedder):
    """Sessions are extracted together but applied and recorded one (session, speaker) at a time: a run stopped after
    the first is applied resumes with the other three, in time order, and applies none twice."""
    memory = pytest.importorskip("memlora_mlx.memory")
    applied = []

    class StopsAfter(memory.Memory):
        limit = 1

        def add_many(self, calls, on_result=None):
            def record(i, res):
                applied.append((calls[i]["session_date"].split(" on ")[1], calls[i]["user_id"]))
                on_result(i, res)
                if len(applied) == StopsAfter.limit:
                    raise KeyboardInterrupt  # as Ctrl-C would, right after the write

            return super().add_many(calls, on_result=record)

    def factory(path):
        return StopsAfter(engine=default_engine, store=path, embedder=embedder, max_tokens={"extract": 40, "update": 24})

    out = tmp_path / "resume"
    run = dict(mode="memory", top_k=3, max_questions=1, categories=[4], ingest_sessions=2)
    with pytest.raises(KeyboardInterrupt):
        Run(cfg(conv_file, out, **run), engine=default_engine, memory_factory=factory).run()
    marker = json.loads((out / "stores" / "conv-t.ingest.json").read_text())
    assert marker["calls_done"] == ["1:Ann"] and marker["sessions_done"] == [] and not marker.get("done")
    StopsAfter.limit = None
    Run(cfg(conv_file, out, **run), engine=default_engine, memory_factory=factory).run()
    assert applied == [("8 May, 2023", "Ann"), ("8 May, 2023", "Bob"), ("27 June, 2023", "Ann"),
                       ("27 June, 2023", "Bob")]
    marker = json.loads((out / "stores" / "conv-t.ingest.json").read_text())
    assert marker["done"] and marker["sessions_done"] == [1, 2] and marker["calls_done"] == [] and marker["turns"] == 4


def test_judge_over_local_openai_compatible_server():
    """The optional judge speaks the chat-completions protocol; a loopback server stands in for the endpoint."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from memlora_mlx.eval.judge import JudgeError, judge_answer, parse_label

    seen = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((self.path, body))
            label = "CORRECT" if "Porto" in body["messages"][0]["content"].split("Generated answer:")[1] else "WRONG"
            data = json.dumps({"choices": [{"message": {"content": f'{{"label": "{label}"}}'}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_port}/v1"
    try:
        assert judge_answer(url, "Which city?", "Porto", "He moved to Porto") is True
        assert judge_answer(url, "Which city?", "Porto", "Lisbon") is False
        assert seen[0][0] == "/v1/chat/completions" and seen[0][1]["temperature"] == 0
    finally:
        srv.shutdown()
    with pytest.raises(JudgeError, match="failed"):
        judge_answer(url, "q", "g", "a", timeout=2)  # server gone
    assert parse_label("label: wrong") is False and parse_label("hmm") is None
