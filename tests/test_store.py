"""MemoryStore on a real LanceDB directory: CRUD, search, filters, hard delete, readers."""

import os
from pathlib import Path

import numpy as np
import pytest

from memlora_mlx.memory.store import (
    HistoryRecord,
    ImageRecord,
    MemoryRecord,
    MemoryStore,
    StoreError,
    StoreLockedError,
    text_hash,
)

DIM = 384


def unit(seed: int, dim: int = DIM) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def files_containing(root: Path, needle: bytes) -> list[str]:
    hits = []
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = Path(dirpath) / n
            if needle in p.read_bytes():
                hits.append(str(p.relative_to(root)))
    return hits


def fill(store, n=40, user="alice"):
    recs = [MemoryRecord(user_id=user, text=f"{user} fact number {i} about gardening", vector=unit(i))
            for i in range(n)]
    store.add_memories(recs)
    return recs


def test_add_get_list_count(tmp_store):
    recs = fill(tmp_store, 5)
    fill(tmp_store, 3, user="bob")
    assert tmp_store.count() == 8 and tmp_store.count("alice") == 5 and tmp_store.count("nobody") == 0
    got = tmp_store.get_memory(recs[2].id)
    assert got.text == recs[2].text and got.hash == text_hash(recs[2].text)
    np.testing.assert_allclose(got.vector, recs[2].vector, atol=1e-6)
    assert got.created_at.endswith("+00:00") and got.updated_at == got.created_at
    assert tmp_store.get_memory("missing") is None
    listed = tmp_store.list_memories("alice")
    assert len(listed) == 5 and {r.user_id for r in listed} == {"alice"}
    assert [r.created_at for r in listed] == sorted((r.created_at for r in listed), reverse=True)
    assert len(tmp_store.list_memories(limit=3)) == 3


def test_source_metadata_roundtrip_and_hash(tmp_store):
    rec = MemoryRecord(user_id="u", text="Likes  Green TEA", vector=unit(1),
                       source={"turns": ["D1:3"], "session_date": "8 May, 2023", "speaker": "Caroline"},
                       metadata={"category": "preference"})
    tmp_store.add_memories([rec])
    got = tmp_store.get_memory(rec.id)
    assert got.source["turns"] == ["D1:3"] and got.metadata == {"category": "preference"}
    assert tmp_store.find_by_hash("u", text_hash("likes green tea")).id == rec.id
    assert tmp_store.find_by_hash("other-user", text_hash("likes green tea")) is None


def test_vector_search_scores_are_cosine_and_filtered(tmp_store):
    recs = fill(tmp_store, 30)
    fill(tmp_store, 30, user="bob")
    q = recs[7].vector
    res = tmp_store.search(q, user_id="alice", limit=5)
    assert len(res) == 5 and res[0][0].id == recs[7].id
    assert res[0][1] == pytest.approx(1.0, abs=1e-5)
    for rec, score in res:
        assert rec.user_id == "alice"
        assert score == pytest.approx(float(q @ rec.vector), abs=1e-5)
    assert [s for _, s in res] == sorted((s for _, s in res), reverse=True)
    assert len(tmp_store.search(q, limit=50)) == 50  # no user filter: both users
    assert tmp_store.search(q, user_id="nobody") == []


def test_hybrid_finds_keyword_match_vector_misses(tmp_store):
    recs = fill(tmp_store, 40)
    needle = MemoryRecord(user_id="alice", text="Alice adopted a ferret named Biscuit", vector=unit(999))
    tmp_store.add_memories([needle])
    q = recs[0].vector  # far from the needle's vector
    vec_ids = [r.id for r, _ in tmp_store.search(q, user_id="alice", limit=3)]
    hyb = tmp_store.search(q, user_id="alice", limit=3, text="ferret Biscuit", mode="hybrid")
    assert needle.id not in vec_ids and needle.id in [r.id for r, _ in hyb]
    score = {r.id: s for r, s in hyb}[needle.id]
    assert score == pytest.approx(float(q @ needle.vector), abs=1e-5)
    # the FTS index is refreshed lazily after later writes
    late = MemoryRecord(user_id="alice", text="Alice bought a kayak", vector=unit(1234))
    tmp_store.add_memories([late])
    assert late.id in [r.id for r, _ in tmp_store.search(q, "alice", 3, text="kayak", mode="hybrid")]
    with pytest.raises(ValueError, match="mode"):
        tmp_store.search(q, mode="fuzzy")


def test_filters_are_injection_safe(tmp_store):
    evil = "x' OR '1'='1"
    fill(tmp_store, 5, user="alice")
    fill(tmp_store, 2, user=evil)
    fill(tmp_store, 2, user="o'brien")
    assert tmp_store.count(evil) == 2 and tmp_store.count("o'brien") == 2
    assert {r.user_id for r, _ in tmp_store.search(unit(0), user_id=evil, limit=10)} == {evil}
    hyb = tmp_store.search(unit(0), user_id="o'brien", limit=10, text="it's \"fact\" (number) OR AND *", mode="hybrid")
    assert {r.user_id for r, _ in hyb} == {"o'brien"}
    assert tmp_store.delete_memories(["nope' OR '1'='1"]) == 0
    assert tmp_store.count() == 9
    tmp_store.reset(user_id=evil)
    assert tmp_store.count() == 7 and tmp_store.count(evil) == 0


def test_update_and_history(tmp_store):
    (rec,) = fill(tmp_store, 1)
    tmp_store.add_history([HistoryRecord(memory_id=rec.id, user_id="alice", event="ADD", new_text=rec.text, cause="D1:1")])
    new = tmp_store.update_memory(rec.id, "alice gardens on Sundays", unit(77), metadata={"v": 2})
    tmp_store.add_history([HistoryRecord(memory_id=rec.id, user_id="alice", event="UPDATE", old_text=rec.text,
                                         new_text=new.text)])
    got = tmp_store.get_memory(rec.id)
    assert got.text == "alice gardens on Sundays" and got.metadata == {"v": 2}
    assert got.created_at == rec.created_at or got.created_at <= got.updated_at
    assert got.updated_at > got.created_at and tmp_store.count() == 1
    np.testing.assert_allclose(got.vector, unit(77), atol=1e-6)
    assert [h.event for h in tmp_store.get_history(rec.id)] == ["ADD", "UPDATE"]
    with pytest.raises(KeyError, match="no memory"):
        tmp_store.update_memory("missing-id", "x", unit(1))
    with pytest.raises(StoreError, match="event"):
        tmp_store.add_history([HistoryRecord(memory_id=rec.id, user_id="alice", event="MERGE")])


def test_bad_records_rejected_before_any_write(tmp_store):
    good = MemoryRecord(user_id="u", text="fine", vector=unit(1))
    with pytest.raises(StoreError, match=r"records\[1\].*dims"):
        tmp_store.add_memories([good, MemoryRecord(user_id="u", text="bad", vector=np.ones(3))])
    with pytest.raises(StoreError, match=r"records\[0\].text"):
        tmp_store.add_memories([MemoryRecord(user_id="u", text="  ", vector=unit(2))])
    assert tmp_store.count() == 0  # the good record was not half-written
    assert tmp_store.add_memories([]) == []


def test_hard_delete_leaves_no_bytes(tmp_path):
    store = MemoryStore(tmp_path / "s", dim=DIM)
    fill(store, 300)  # one big fragment: compaction alone would keep the deleted row
    store.optimize()
    marker = b"zqx-unique-marker-4242"
    secret = MemoryRecord(user_id="alice", text=f"Alice's pin is {marker.decode()}", vector=unit(5000))
    store.add_memories([secret])
    store.add_history([HistoryRecord(memory_id=secret.id, user_id="alice", event="ADD", new_text=secret.text)])
    store.update_memory(secret.id, f"Alice's new pin is {marker.decode()}!", unit(5001))
    store.search(unit(1), "alice", 5, text="pin", mode="hybrid")  # builds an FTS index holding it
    store.optimize()
    assert files_containing(store.path, marker)  # the grep really sees stored text
    assert store.delete_memories([secret.id]) == 1
    store.optimize()
    assert files_containing(store.path, marker) == []
    assert store.get_memory(secret.id) is None and store.get_history(secret.id) == []
    assert store.count() == 300
    res = store.search(unit(1), "alice", 3, text="pin gardening", mode="hybrid")  # still works after rewrite
    assert res and res[0][0].id != secret.id
    store.close()


def test_reset(tmp_store):
    fill(tmp_store, 4)
    fill(tmp_store, 3, user="bob")
    tmp_store.reset("bob")
    assert tmp_store.count() == 4 and tmp_store.count("bob") == 0
    tmp_store.reset()
    assert tmp_store.count() == 0 and tmp_store.list_memories() == []


def test_auto_optimize_keeps_versions_low(tmp_path):
    store = MemoryStore(tmp_path / "s", dim=DIM, optimize_every=5)
    for i in range(12):
        store.add_memories([MemoryRecord(user_id="u", text=f"fact {i}", vector=unit(i))])
    versions = store.db.open_table("memories").list_versions()
    assert len(versions) <= 5 and store.count() == 12
    store.close()


def test_images(tmp_path):
    store = MemoryStore(tmp_path / "s", dim=DIM, image_dim=16)
    a = ImageRecord(user_id="u", file_hash="h1", path="/p/a.jpg", vector=unit(1, 16), caption="a dog", thumb_path="/t/a.png")
    b = ImageRecord(user_id="u", file_hash="h2", path="/p/b.jpg", vector=unit(2, 16))
    c = ImageRecord(user_id="v", file_hash="h1", path="/p/c.jpg", vector=unit(1, 16))
    for r in (a, b, c):
        store.add_image(r)
    assert store.get_image(a.id).caption == "a dog"
    assert store.find_image_by_hash("u", "h1").id == a.id and store.find_image_by_hash("u", "h9") is None
    res = store.search_images(unit(1, 16), "u", 5)
    assert [r.id for r, _ in res] == [a.id, b.id] and res[0][1] == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(StoreError, match="16"):
        store.add_image(ImageRecord(user_id="u", file_hash="h3", path="x", vector=unit(1)))
    store.close()


def test_reopen_persists_and_checks_dim(tmp_path):
    store = MemoryStore(tmp_path / "s", dim=DIM)
    recs = fill(store, 3)
    store.close()
    with MemoryStore(tmp_path / "s", dim=DIM) as again:
        assert again.get_memory(recs[0].id).text == recs[0].text
    with pytest.raises(StoreError, match="384 dims"):
        MemoryStore(tmp_path / "s", dim=768)


def test_reader_sees_writer_and_cannot_write(tmp_path):
    writer = MemoryStore(tmp_path / "s", dim=DIM)
    fill(writer, 3)
    with pytest.raises(StoreLockedError, match=f"PID {os.getpid()}"):
        MemoryStore(tmp_path / "s", dim=DIM)  # a second writer, even in-process
    reader = MemoryStore(tmp_path / "s", dim=DIM, writer=False)
    assert reader.count() == 3
    fill(writer, 2, user="bob")
    assert reader.count() == 5 and reader.count("bob") == 2  # reads the latest committed version
    with pytest.raises(StoreError, match="read-only"):
        reader.add_memories([MemoryRecord(user_id="u", text="x", vector=unit(1))])
    writer.close()
    assert reader.search(unit(0), "alice", 1)[0][0].user_id == "alice"
    with pytest.raises(StoreError, match="no store"):
        MemoryStore(tmp_path / "missing", dim=DIM, writer=False)


def test_optimize_builds_index_past_threshold_and_search_stays_exact(tmp_path):
    from memlora_mlx.memory import store_index
    from memlora_mlx.bench.memory import synthetic

    dim, n = 64, 1200
    vecs = synthetic(np.random.default_rng(0), n, dim, "clustered")
    store = MemoryStore(tmp_path / "s", dim=dim, optimize_every=0, index_from=1000)
    recs = [MemoryRecord(user_id="ab"[i % 2], text=f"fact {i}", vector=v) for i, v in enumerate(vecs[:900])]
    store.add_memories(recs)
    store.optimize()
    table = store.db.open_table("memories")
    assert store_index.vector_index_type(table) is None  # below index_from: brute force
    recs += [MemoryRecord(user_id="ab"[i % 2], text=f"fact {i}", vector=v)
             for i, v in enumerate(vecs[900:], 900)]
    store.add_memories(recs[900:])
    store.optimize()
    table = store.db.open_table("memories")  # the old handle is a snapshot
    kinds = {tuple(i.columns): i.index_type for i in table.list_indices()}
    assert kinds == {("vector",): "IvfHnswSq", ("user_id",): "Bitmap"}
    a_ids = np.array([i for i in range(n) if i % 2 == 0])
    queries = synthetic(np.random.default_rng(1), 20, dim, "clustered")
    hits = 0
    for q in queries:
        res = store.search(q, user_id="a", limit=10)
        assert len(res) == 10 and all(r.user_id == "a" for r, _ in res)
        assert [s for _, s in res] == sorted((s for _, s in res), reverse=True)
        exact = {recs[i].id for i in a_ids[np.argsort(-(vecs[a_ids] @ q))[:10]]}
        hits += len(exact & {r.id for r, _ in res})
    assert hits / 200 >= 0.9
    store.delete_memories([recs[0].id])
    store.optimize()  # rewrite drops indexes: both come back
    table = store.db.open_table("memories")
    assert {i.index_type for i in table.list_indices()} == {"IvfHnswSq", "Bitmap"}
    assert recs[0].id not in {r.id for r, _ in store.search(vecs[0], user_id="a", limit=5)}
    store.close()
