"""The memory CLI in-process on a real store, and `memlora demo` in a subprocess with the network blocked."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from memlora_mlx.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_memory_cli_round_trip(tmp_path, capsys, embedder):
    s = str(tmp_path / "store")
    assert run(capsys, "memories", "list", "--store", s)[0] == 1  # no store yet: clear error
    for text in ["Alice lives in Boston.", "Alice has a dog named Rex.", "Alice likes jazz."]:
        code, out, _ = run(capsys, "add", text, "--no-infer", "--user", "alice", "--store", s)
        assert code == 0 and out.startswith("ADD")
    run(capsys, "add", "Bob plays chess.", "--no-infer", "--user", "bob", "--store", s)

    code, out, _ = run(capsys, "search", "where does alice live", "--user", "alice", "--store", s, "--json")
    hits = json.loads(out)["results"]
    assert code == 0 and hits[0]["memory"] == "Alice lives in Boston." and {h["user_id"] for h in hits} == {"alice"}
    rex = next(h["id"] for h in hits if "Rex" in h["memory"])

    code, out, _ = run(capsys, "memories", "list", "--store", s)
    assert code == 0 and len(out.splitlines()) == 4
    code, out, _ = run(capsys, "memories", "show", rex[:8], "--store", s)  # 8-char prefix as printed
    assert code == 0 and "Alice has a dog named Rex." in out
    code, out, _ = run(capsys, "memories", "history", rex, "--store", s, "--json")
    assert [h["event"] for h in json.loads(out)] == ["ADD"]

    # --query without --yes (no tty): shows the matches, deletes nothing.
    code, out, err = run(capsys, "memories", "delete", "--query", "Alice's dog", "--limit", "1", "--store", s)
    assert code == 1 and "Rex" in out and "--yes" in err
    code, out, _ = run(capsys, "memories", "delete", "--query", "Alice's dog", "--limit", "1", "--yes", "--store", s)
    assert code == 0 and out.startswith("DELETE") and "Rex" in out
    assert run(capsys, "memories", "show", rex, "--store", s)[0] == 1
    code, out, _ = run(capsys, "memories", "delete", "--id", "nope", "--store", s)
    assert code == 1

    x = str(tmp_path / "x.jsonl")
    code, out, _ = run(capsys, "memories", "export", x, "--user", "alice", "--store", s, "--json")
    assert code == 0 and json.loads(out)["memories"] == 2
    s2 = str(tmp_path / "store2")
    code, out, _ = run(capsys, "memories", "import", x, "--store", s2, "--json")
    assert code == 0 and json.loads(out)["memories"] == 2

    assert run(capsys, "store", "optimize", "--store", s)[0] == 0
    code, out, _ = run(capsys, "store", "info", "--store", s, "--json")
    info = json.loads(out)
    assert code == 0 and info["memories"] == 3 and info["users"] == {"alice": 2, "bob": 1} and info["dim"] == 384


def test_ask_without_memories_refuses_without_loading_a_model(tmp_path, capsys, embedder):
    s = str(tmp_path / "store")
    run(capsys, "add", "Bob plays chess.", "--no-infer", "--user", "bob", "--store", s)
    code, out, _ = run(capsys, "ask", "What does Carol eat?", "--user", "carol", "--store", s, "--json")
    res = json.loads(out)
    assert code == 0 and res["memories"] == [] and res["answer"] == "I don't know"


def test_locked_store_gives_a_clear_error(tmp_path, capsys, embedder):
    from memlora_mlx.memory.store import MemoryStore

    s = tmp_path / "store"
    with MemoryStore(s, dim=384):  # another writer holds the store
        code, _, err = run(capsys, "add", "x y z", "--no-infer", "--store", str(s))
        assert code == 1 and "locked" in err
        assert run(capsys, "memories", "list", "--store", str(s))[0] == 0  # readers still work


NO_NET = textwrap.dedent('''
    import os, socket, sys
    _log = os.environ["NET_ATTEMPTS_LOG"]
    def _blocked(*a, **k):
        with open(_log, "a") as f:
            f.write(repr(a)[:200] + "\\n")
        raise OSError("network blocked by test")
    _connect = socket.socket.connect
    def _connect_local(self, addr, *a):
        if self.family == getattr(socket, "AF_UNIX", None):
            return _connect(self, addr, *a)
        _blocked(addr)
    socket.socket.connect = _connect_local
    socket.socket.connect_ex = _connect_local
    socket.getaddrinfo = _blocked
    socket.create_connection = _blocked
    sys.stderr.write("[sockets blocked]\\n")
''')


@pytest.mark.timeout(600)
def test_demo_runs_offline_with_sockets_blocked(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(NO_NET)
    log = tmp_path / "net.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "NET_ATTEMPTS_LOG": str(log)}
    p = subprocess.run([sys.executable, "-m", "memlora_mlx.cli", "demo", "--quick", "--store", str(tmp_path / "s")],
                       env=env, capture_output=True, text=True, timeout=590, cwd=Path(__file__).parent.parent)
    assert "[sockets blocked]" in p.stderr  # the blocker really was active
    assert p.returncode == 0, p.stdout + p.stderr
    assert "-- session 1" in p.stdout and "Q: " in p.stdout and "done in" in p.stdout
    assert not log.exists(), log.read_text()  # not even an attempt
