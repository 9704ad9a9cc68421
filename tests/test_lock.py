"""Single-writer lock across real processes."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from memlora_mlx.memory.lock import LOCK_NAME, StoreLock, StoreLockedError, pid_alive

# The holder takes exactly the lock MemoryStore takes (importing lancedb in a child costs seconds).
HOLDER = textwrap.dedent("""
    import sys, time
    from memlora_mlx.memory.lock import StoreLock
    lock = StoreLock(sys.argv[1]).acquire()
    print("locked", flush=True)
    time.sleep(60)
""")


def start_holder(path):
    p = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "locked"
    return p


def test_second_writer_in_other_process_is_refused_readers_work(tmp_path):
    from memlora_mlx.memory.store import MemoryRecord, MemoryStore

    path = tmp_path / "store"
    MemoryStore(path, dim=4).close()  # create the tables
    holder = start_holder(path)
    try:
        with pytest.raises(StoreLockedError, match=rf"store is locked by PID {holder.pid} \(.*store\)") as err:
            MemoryStore(path, dim=4)
        assert err.value.pid == holder.pid
        reader = MemoryStore(path, dim=4, writer=False)  # readers never take the lock
        assert reader.count() == 0 and reader.search([1, 0, 0, 0]) == []
        assert (path / LOCK_NAME).read_text().split()[0] == str(holder.pid)
    finally:
        holder.kill()
        holder.wait()
    # holder died without releasing: its lock is stale and the next writer takes over
    assert not pid_alive(holder.pid)
    with MemoryStore(path, dim=4) as s:
        s.add_memories([MemoryRecord(user_id="u", text="after takeover", vector=[0, 1, 0, 0])])
        assert (path / LOCK_NAME).read_text().split()[0] == str(os.getpid())
    assert (path / LOCK_NAME).read_text() == ""  # released cleanly: no PID left behind


def test_sigterm_holder_then_other_process_takes_lock(tmp_path):
    holder = start_holder(tmp_path)
    holder.send_signal(signal.SIGTERM)
    holder.wait()
    code = ("import sys; from memlora_mlx.memory.lock import StoreLock; "
            "l = StoreLock(sys.argv[1]).acquire(); print('ok', flush=True)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


def test_in_process_lock_semantics(tmp_path):
    a = StoreLock(tmp_path)
    a.acquire()
    assert a.acquire() is a and a.locked  # re-acquire by the holder is a no-op
    b = StoreLock(tmp_path)
    with pytest.raises(StoreLockedError, match=f"PID {os.getpid()}"):
        b.acquire()
    a.release()
    with b:
        assert b.locked
    assert not b.locked


def test_stale_pid_file_is_replaced(tmp_path):
    # a leftover lock file naming a dead PID (no one holds the flock) does not block a writer
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    time.sleep(0.05)
    (tmp_path / LOCK_NAME).write_text(f"{dead.pid} somehost\n")
    with StoreLock(tmp_path) as lk:
        assert lk.holder_pid() == os.getpid()
