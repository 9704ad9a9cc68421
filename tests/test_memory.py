"""Memory API on a real LanceDB store and the real embedder. Update decisions come from a scripted
engine stand-in (real parser + apply path), so UPDATE/DELETE are deterministic; the real model runs in test_ops."""

import json

import pytest

from memlora_mlx.memory import Memory, to_turns
from memlora_mlx.types import Turn


class ScriptedEngine:
    """Returns queued raw model outputs in order; records the messages it was given."""

    def __init__(self, *outputs):
        self.outputs, self.calls = list(outputs), []

    def generate(self, messages, **kw):
        self.calls.append((kw.get("adapter"), messages))
        return self.outputs.pop(0)


@pytest.fixture
def mem(tmp_path, embedder):
    m = Memory(engine=ScriptedEngine(), store=tmp_path / "store", embedder=embedder)
    yield m
    m.close()


def test_infer_false_stores_verbatim_and_search_finds_it(mem):
    events = []
    mem.add_listener(events.append)
    res = mem.add([{"role": "system", "content": "ignored"}, {"role": "user", "content": "Alice lives in Boston."},
                   {"role": "assistant", "content": "Nice!"}], user_id="alice", infer=False, metadata={"k": 1})
    assert [r["event"] for r in res["results"]] == ["ADD", "ADD"]
    assert [e["memory"] for e in events] == ["Alice lives in Boston.", "Nice!"]
    hits = mem.search("Where does Alice live?", user_id="alice", limit=1)["results"]
    assert hits[0]["memory"] == "Alice lives in Boston." and hits[0]["metadata"] == {"k": 1}
    assert 0.5 < hits[0]["score"] <= 1.0
    assert mem.search("Where does Alice live?", user_id="bob")["results"] == []
    assert mem.engine.calls == []  # infer=False never touches the model


def test_update_and_delete_applied_and_recorded_in_history(mem):
    first = mem.add_facts(["Alice lives in Boston.", "Alice has a dog named Rex."], user_id="alice",
                          session_date="1:56 pm on 8 May, 2023")["results"]
    boston, rex = first[0]["id"], first[1]["id"]
    assert mem.get(boston)["source"]["session_date"] == "8 May 2023"
    # The model sees temporary ids 0..k-1 ordered by similarity; decisions name them, never real ids.
    mem._engine = ScriptedEngine('{"event": "UPDATE", "id": 0, "text": "Alice lives in Seattle."}',
                                 '```json\n{"event": "DELETE", "id": 0, "text": null}\n```')
    res = mem.add_facts(["Alice moved to Seattle.", "Alice's dog Rex died."], user_id="alice",
                        session_date="9:00 am on 2 June, 2023")["results"]
    shown = mem.engine.calls[0][1][-1]["content"]
    assert "0: Alice lives in Boston." in shown and boston not in shown
    assert res[0] == {"id": boston, "memory": "Alice lives in Seattle.", "event": "UPDATE",
                      "previous_memory": "Alice lives in Boston."}
    assert res[1] == {"id": rex, "memory": "Alice has a dog named Rex.", "event": "DELETE"}
    assert mem.get(boston)["memory"] == "Alice lives in Seattle." and mem.get(rex) is None
    assert mem.get(boston)["source"]["session_date"] == "2 June 2023"  # the answer op dates it by its source
    h = mem.history(boston)
    assert [(x["event"], x["old_memory"], x["new_memory"]) for x in h] == [
        ("ADD", None, "Alice lives in Boston."), ("UPDATE", "Alice lives in Boston.", "Alice lives in Seattle.")]
    assert h[1]["cause"] == "Alice moved to Seattle."
    assert [x["event"] for x in mem.history(rex)] == ["ADD", "DELETE"]  # model DELETE keeps an audit row
    # The updated memory is found by its new text.
    assert mem.search("Seattle", user_id="alice", limit=1)["results"][0]["id"] == boston


def test_bad_decisions_never_lose_the_fact(mem):
    mem.add_facts(["Alice lives in Boston."], user_id="alice")
    mem._engine = ScriptedEngine('{"event": "DELETE", "id": 7}',  # unknown temp id -> rejected -> ADD
                                 "Sorry, I can't do that.",  # no JSON -> ADD
                                 '{"event": "UPDATE", "id": 0, "text": "Bob enjoys chess."}')  # drops the fact
    facts = ["Alice works at a hospital in Boston.", "Alice lives in Boston and likes it.", "Alice lives in Boston now."]
    res = mem.add_facts(facts, user_id="alice")["results"]
    assert [r["event"] for r in res] == ["ADD", "ADD", "ADD"] and [r["memory"] for r in res] == facts
    assert len(mem.get_all("alice")["results"]) == 4


def test_fast_paths_skip_the_model(mem):
    mem.add_facts(["Alice lives in Boston."], user_id="alice")  # empty store: ADD, no call
    res = mem.add_facts(["alice lives in boston", "Quantum chromodynamics describes quarks."], user_id="alice")
    assert [r["event"] for r in res["results"]] == ["ADD"]  # duplicate -> NONE (not reported), unrelated -> ADD
    assert mem.engine.calls == []


def test_manual_update_delete_and_delete_all(mem):
    a, b = (r["id"] for r in mem.add(["Alice likes tea.", "Alice likes jazz."], user_id="alice", infer=False)["results"])
    mem.add("Bob likes chess.", user_id="bob", infer=False)
    assert mem.update(a, "Alice likes green tea.")["previous_memory"] == "Alice likes tea."
    assert mem.history(a)[-1]["cause"] == "manual"
    assert mem.delete(b)["event"] == "DELETE" and mem.get(b) is None and mem.history(b) == []  # purged
    with pytest.raises(KeyError, match="no memory"):
        mem.delete(b)
    assert mem.delete_all("alice") == {"deleted": 1}
    assert [r["memory"] for r in mem.get_all()["results"]] == ["Bob likes chess."]
    with pytest.raises(ValueError, match="user_id"):
        mem.add("x", user_id="")


def test_export_reset_import_round_trip_is_lossless(mem, tmp_path):
    mem.add_facts(["Alice lives in Boston.", "Alice has a dog named Rex."], user_id="alice", session_date="2023-05-08")
    mem.add("Bob likes chess.", user_id="bob", infer=False, metadata={"tag": "x"})
    mem._engine = ScriptedEngine('{"event": "UPDATE", "id": 0, "text": "Alice lives in Seattle."}')
    mem.add_facts(["Alice moved to Seattle."], user_id="alice")
    before = {r.id: r for r in mem.store.list_memories()}
    hist_before = {i: mem.history(i) for i in before}
    out = mem.export(tmp_path / "x.jsonl")
    assert out["memories"] == 3 and out["history"] == 4
    mem.reset()
    assert mem.get_all()["results"] == []
    res = mem.import_(tmp_path / "x.jsonl")
    assert res == {"memories": 3, "history": 4, "skipped_existing": 0, "errors": []}
    after = {r.id: r for r in mem.store.list_memories()}
    assert after.keys() == before.keys()
    for i, r in before.items():
        a = after[i]
        assert (a.user_id, a.text, a.hash, a.created_at, a.updated_at, a.source, a.metadata) == \
               (r.user_id, r.text, r.hash, r.created_at, r.updated_at, r.source, r.metadata)
        assert (a.vector == r.vector).all()  # bit-exact float32
        assert mem.history(i) == hist_before[i]
    assert mem.import_(tmp_path / "x.jsonl")["skipped_existing"] == 3  # idempotent


def test_import_reports_bad_lines_and_keeps_the_rest(mem, tmp_path):
    mem.add("Alice likes tea.", user_id="alice", infer=False)
    mem.export(tmp_path / "x.jsonl")
    lines = (tmp_path / "x.jsonl").read_text().splitlines()
    good = json.loads(lines[1])
    bad_vec = {**good, "id": "b1", "vector": [0.1, 0.2]}
    bad_text = {**good, "id": "b2", "text": ""}
    ok = {**good, "id": "c1", "text": "Alice likes cake."}
    (tmp_path / "y.jsonl").write_text("\n".join([lines[0], json.dumps(bad_vec), "{not json", json.dumps(bad_text),
                                                 json.dumps(ok)]) + "\n")
    mem.reset()
    res = mem.import_(tmp_path / "y.jsonl")
    assert res["memories"] == 1 and len(res["errors"]) == 3
    assert "y.jsonl:2" in res["errors"][0] and "vector shape" in res["errors"][0]
    assert mem.get("c1")["memory"] == "Alice likes cake."
    (tmp_path / "z.jsonl").write_text(json.dumps({"type": "header", "format": "memlora-memories", "dim": 768}) + "\n")
    with pytest.raises(ValueError, match="768-dim"):
        mem.import_(tmp_path / "z.jsonl")


def test_to_turns_accepts_the_documented_shapes():
    assert to_turns("hi there", "u") == [Turn("u", "hi there")]
    assert to_turns([{"role": "user", "content": "a", "name": "Ann"}, {"role": "assistant", "content": "b"}], "u") == [
        Turn("Ann", "a"), Turn("Assistant", "b")]
    assert to_turns([Turn("X", "y")], "u") == [Turn("X", "y")]
    with pytest.raises(TypeError, match=r"messages\[0\].content"):
        to_turns([{"role": "user", "content": 5}], "u")


def test_reader_sees_writer_and_search_never_loads_the_engine(tmp_path, embedder):
    w = Memory(store=tmp_path / "s", embedder=embedder)
    w.add("Alice likes tea.", user_id="alice", infer=False)
    r = Memory(store=tmp_path / "s", embedder=embedder, read_only=True)
    assert r.search("tea", user_id="alice")["results"][0]["memory"] == "Alice likes tea."
    assert r._engine is None and w._engine is None
    r.close(), w.close()
    with pytest.raises(Exception, match="no store"):
        Memory(store=tmp_path / "missing", embedder=embedder, read_only=True)


def test_update_or_delete_of_an_unrelated_memory_becomes_add(mem):
    """A small model may pick the wrong id; a memory about something else is never overwritten or deleted."""
    nurse = mem.add_facts(["Alex works as a nurse in Porto."], user_id="alex")["results"][0]["id"]
    mem._engine = ScriptedEngine('{"event": "UPDATE", "id": 0, "text": "Alex adopted a cat named Miso."}',
                                 '{"event": "DELETE", "id": 0, "text": null}')
    res = mem.add_facts(["Alex adopted a cat named Miso.", "Alex no longer plays the violin."], user_id="alex")
    assert [r["event"] for r in res["results"]] == ["ADD", "ADD"]
    assert mem.get(nurse)["memory"] == "Alex works as a nurse in Porto."
    assert len(mem.get_all("alex")["results"]) == 3


def test_a_delete_for_a_fact_that_retracts_nothing_becomes_add(mem):
    """DELETE drops the memory and does not store the fact: only a retraction may do that (seen in a chat: the age of
    a son deleted for "pat's son Leo is obsessed with dinosaurs.")."""
    leo = mem.add_facts(["pat's son Leo just turned 8."], user_id="pat")["results"][0]["id"]
    mem._engine = ScriptedEngine('{"event": "DELETE", "id": 0, "text": null}',
                                 '{"event": "DELETE", "id": 0, "text": null}')
    res = mem.add_facts(["pat's son Leo is obsessed with dinosaurs."], user_id="pat")["results"]
    assert [r["event"] for r in res] == ["ADD"] and mem.get(leo)["memory"] == "pat's son Leo just turned 8."
    res = mem.add_facts(["pat's son Leo no longer turns 8 this year."], user_id="pat")["results"]
    assert res[0]["event"] == "DELETE" and mem.get(leo) is None


def test_none_without_a_near_restatement_becomes_add(mem):
    """NONE ("already known") drops the fact, so it must cite a memory that nearly restates it."""
    mem.add_facts(["Alex works as a nurse in Porto."], user_id="alex")
    mem._engine = ScriptedEngine('{"event": "NONE", "id": 0, "text": null}', '{"event": "NONE", "id": 0, "text": null}')
    res = mem.add_facts(["Alex lives in Lisbon.", "Alex works as a nurse in the city of Porto."], user_id="alex")
    assert [r["event"] for r in res["results"]] == ["ADD"]  # Lisbon kept; the restatement stays NONE
    assert sorted(m["memory"] for m in mem.get_all("alex")["results"]) == [
        "Alex lives in Lisbon.", "Alex works as a nurse in Porto."]
    assert len(mem.engine.calls) == 2  # both facts went to the model: the guard acts on its answer


def test_a_fact_no_memory_is_close_to_is_added_without_a_model_call(mem, embedder):
    """Shown only memories below the guards' thresholds, every decision would end as an ADD: no call is made."""
    mem.add_facts(["Alex works as a nurse in Porto."], user_id="alex")
    fact = "Alex adopted a cat named Miso."
    v = embedder.embed([fact, "Alex works as a nurse in Porto."])
    assert mem.update_threshold <= float(v[0] @ v[1]) < mem.min_update_similarity  # shown, but not close
    mem._engine = ScriptedEngine()  # nothing queued: a model call would fail
    res = mem.add_facts([fact], user_id="alex")["results"]
    assert [r["event"] for r in res] == ["ADD"] and res[0]["memory"] == fact and mem.engine.calls == []


def test_settled_agrees_with_the_guards():
    """`settled` skips the call only where `check` turns every possible model decision into an ADD of the fact."""
    from memlora_mlx.ops import update as op

    fact = "Alex no longer plays the violin."  # a retraction: DELETE is not refused for that reason
    for sims in ([0.5, 0.64], [0.3], [0.64, 0.7], [0.9], [0.66, 0.2]):
        decisions = [op.Decision("ADD", None, fact)] + [
            op.Decision(e, i, "Alex plays the cello." if e == "UPDATE" else None)
            for e in ("UPDATE", "DELETE", "NONE") for i in range(len(sims))]
        outcomes = {(c.event, c.text) for c in (op.check(d, fact, sims, text_similarity=0.9) for d in decisions)}
        assert op.settled(sims) == (outcomes == {("ADD", fact)}), sims
    assert op.settled([])


def test_a_change_told_later_replaces_the_memory_it_changes(mem):
    """A new job, an age and a move told in a later chat (drive 11, "hana"): the adapter DELETEd the old job (which
    would lose the new one) and ADDed the age and the move beside the memories they change; each replaces its memory."""
    job, age, ruth, lego = (r["id"] for r in mem.add_facts([
        "hana works as a nurse at a hospital in Bergen.", "hana's son Kai is nine.",
        "hana's best friend Ruth lives next door.", "hana's son Kai loves Lego."], user_id="hana")["results"])
    add, delete = '{"event": "ADD", "id": null, "text": null}', '{"event": "DELETE", "id": 0, "text": null}'
    mem._engine = ScriptedEngine(delete, add, add, add)
    res = mem.add_facts(["hana has switched jobs: hana is a school nurse.",
                         "hana's son Kai turned ten on 3 December 2026.",
                         "hana's best friend Ruth moved to Stavanger the week before 4 December 2026.",
                         "hana's son Kai started swimming lessons."], user_id="hana")["results"]
    assert [(r["event"], r["id"]) for r in res[:3]] == [("UPDATE", job), ("UPDATE", age), ("UPDATE", ruth)]
    assert res[3]["event"] == "ADD"  # no change word: a new fact beside "Kai loves Lego."
    assert mem.get(age)["memory"] == "hana's son Kai turned ten on 3 December 2026."
    assert mem.get(lego)["memory"] == "hana's son Kai loves Lego."
    assert len(mem.get_all("hana")["results"]) == 5
    assert [h["event"] for h in mem.history(ruth)] == ["ADD", "UPDATE"]


def test_a_retraction_is_remembered_as_the_memory_it_retracts_is_deleted(mem):
    """Drive 12: "I stopped doing pottery" deleted "bea does pottery on Thursday nights." and kept nothing, so "Do I
    still do pottery?" got "Yes"; the retraction now takes the memory's place."""
    pottery = mem.add_facts(["bea does pottery on Thursday nights."], user_id="bea")["results"][0]["id"]
    mem._engine = ScriptedEngine('{"event": "DELETE", "id": 0, "text": null}')
    res = mem.add_facts(["bea stopped doing pottery because bea's hands got too sore."], user_id="bea")["results"]
    assert [r["event"] for r in res] == ["DELETE", "ADD"] and mem.get(pottery) is None
    assert [m["memory"] for m in mem.get_all("bea")["results"]] == [
        "bea stopped doing pottery because bea's hands got too sore."]
    hit = mem.search("Do I still do pottery?", user_id="bea")["results"][0]
    assert hit["memory"].startswith("bea stopped doing pottery")


def test_a_retraction_found_by_its_words_deletes_without_a_model_call(mem):
    """Drive 13: "I sold the Volvo last week." and "I quit the quartet" were ADDed beside the car and the cello (cosine
    0.62 and 0.54, under the guard's 0.65)."""
    volvo, cello = (r["id"] for r in mem.add_facts(
        ["ivo drives an old red Volvo.", "ivo plays the cello in a string quartet."], user_id="ivo")["results"])
    mem._engine = ScriptedEngine()  # no output queued: a model call would fail
    res = mem.add_facts(["ivo sold the Volvo the week before 4 December 2026.", "ivo quit the quartet."],
                        user_id="ivo")["results"]
    assert [r["event"] for r in res] == ["DELETE", "DELETE", "ADD", "ADD"]
    assert mem.get(volvo) is None and mem.get(cello) is None and not mem.engine.calls
    assert sorted(m["memory"] for m in mem.get_all("ivo")["results"]) == [
        "ivo quit the quartet.", "ivo sold the Volvo the week before 4 December 2026."]


def test_a_message_never_deletes_the_memory_it_just_updated(mem):
    """The thirty-ninth session's noor: "Actually, I moved to Bristol last month, so I don't live in Leeds anymore."
    UPDATEd "noor lives in Leeds." with the move, then DELETEd that memory for its second fact (cosine 0.70), and
    "Where do I live?" found nothing."""
    leeds = mem.add_facts(["noor lives in Leeds."], user_id="noor")["results"][0]["id"]
    mem._engine = ScriptedEngine('{"event": "UPDATE", "id": 0, "text": "noor moved to Bristol in November 2026."}',
                                 '{"event": "DELETE", "id": 0, "text": null}')
    res = mem.add_facts(["noor moved to Bristol in November 2026.", "noor doesn't live in Leeds anymore."],
                        user_id="noor")["results"]
    assert [r["event"] for r in res] == ["UPDATE"] and len(mem.engine.calls) == 2
    assert [m["memory"] for m in mem.get_all("noor")["results"]] == ["noor moved to Bristol in November 2026."]
    assert mem.get(leeds)["memory"] == "noor moved to Bristol in November 2026."
