"""Single-writer lock per store directory, across processes.

An advisory `flock` on `<store>/writer.lock`, which holds the owner's PID. The kernel drops the lock
when its process dies, so a lock file left by a dead process is stale by construction: the next
writer takes it and rewrites the PID. Readers never take the lock.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

LOCK_NAME = "writer.lock"


class StoreLockedError(RuntimeError):
    """Another live writer holds the store."""

    def __init__(self, msg: str, pid: int | None = None):
        super().__init__(msg)
        self.pid = pid


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _read_pid(path: Path) -> int | None:
    try:
        first = path.read_text().split()
        return int(first[0]) if first else None
    except (OSError, ValueError):
        return None


class StoreLock:
    """`StoreLock(store_dir)`; `acquire()` raises StoreLockedError when another writer holds it."""

    def __init__(self, path: str | Path):
        self.dir = Path(path)
        self.file = self.dir / LOCK_NAME
        self._fd: int | None = None

    @property
    def locked(self) -> bool:
        return self._fd is not None

    def holder_pid(self) -> int | None:
        """PID written by the current (or last) writer, if any."""
        return _read_pid(self.file)

    def acquire(self) -> StoreLock:
        if self._fd is not None:
            return self
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not _try_lock(fd):
                pid = self.holder_pid()
                who = f"PID {pid}" if pid else "another process"
                if pid and not pid_alive(pid):
                    who += " (not running; a child process may still hold it)"
                raise StoreLockedError(
                    f"store is locked by {who} ({self.dir}): close the other memlora process "
                    "or open the store read-only (writer=False)",
                    pid,
                )
        except BaseException:
            os.close(fd)
            raise
        # We own it: any PID in the file was a dead writer's (stale) — replace it.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # no PID left behind once released
        finally:
            _unlock(fd)
            os.close(fd)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()

    def __del__(self):
        try:
            self.release()
        except Exception:
            pass


if sys.platform == "win32":  # pragma: no cover - not exercised on Linux CI
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
