"""Deletes really delete: after delete + optimize, a unique marker is in no file of the store directory."""

import json
import uuid
from pathlib import Path


from memlora_mlx.cli import main as cli_main
from memlora_mlx.ingest import ingest
from memlora_mlx.memory import Memory

from support.scripted_engine import ScriptedEngine


def files_containing(root: Path, needle: str) -> list[str]:
    pats = [needle.encode(), needle.encode("utf-16-le")]
    return [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and any(x in p.read_bytes() for x in pats)]


def _ingest_markers(tmp_path, embedder, markers):
    rows = [{"speaker": "Kim", "text": "I water the plants every Sunday."}]
    rows += [{"speaker": "Kim", "text": f"My locker code word is {m}."} for m in markers]
    rows += [{"speaker": "Lee", "text": "I bought a red bicycle."}]
    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    store = tmp_path / "store"
    with Memory(engine=ScriptedEngine(), store=store, embedder=embedder) as m:
        r = ingest([data], m, progress=False)
        assert r.applied == len(rows)
    for mk in markers:  # sanity: the marker is on disk before the delete (else this test could not fail)
        assert files_containing(store, mk), mk
    return store


def test_forget_via_api(tmp_path, embedder):
    marker = f"qzx{uuid.uuid4().hex}"
    store = _ingest_markers(tmp_path, embedder, [marker])
    with Memory(engine=ScriptedEngine(), store=store, embedder=embedder) as m:
        hit = next(r for r in m.get_all()["results"] if marker in r["memory"])
        m.delete(hit["id"])
        m.store.optimize()
        assert len(m.get_all()["results"]) == 2  # the other memories survive
    assert files_containing(store, marker) == []


def test_forget_via_cli_query_and_id(tmp_path, embedder, capsys):
    m1, m2 = f"qzx{uuid.uuid4().hex}", f"qzx{uuid.uuid4().hex}"
    store = _ingest_markers(tmp_path, embedder, [m1, m2])
    with Memory(engine=ScriptedEngine(), store=store, embedder=embedder) as m:
        id2 = next(r["id"] for r in m.get_all()["results"] if m2 in r["memory"])
    rc = cli_main(["memories", "delete", "--query", f"Kim said: My locker code word is {m1}.", "--limit", "1",
                   "--min-score", "0.9", "--yes", "--store", str(store)])
    assert rc == 0, capsys.readouterr()
    assert cli_main(["memories", "delete", "--id", id2, "--store", str(store)]) == 0
    assert cli_main(["store", "optimize", "--store", str(store)]) == 0
    assert files_containing(store, m1) == [] and files_containing(store, m2) == []
    with Memory(engine=ScriptedEngine(), store=store, embedder=embedder) as m:
        left = sorted(r["memory"] for r in m.get_all()["results"])
    assert left == ["Kim said: I water the plants every Sunday.", "Lee said: I bought a red bicycle."]
