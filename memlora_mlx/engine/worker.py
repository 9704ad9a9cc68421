"""The one long-lived thread that runs all MLX work (MLX streams are thread-local).

A daemon thread, never joined: joining it at exit destroys its thread-local MLX stream while model
arrays created on it are still alive, which aborts the process ("terminate called ...")."""

import queue
import threading
from concurrent.futures import Future

_lock = threading.Lock()
_jobs: queue.SimpleQueue = queue.SimpleQueue()
_thread: threading.Thread | None = None


def _loop():
    while True:
        fut, fn, args, kwargs = _jobs.get()
        if not fut.set_running_or_notify_cancel():
            continue
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            fut.set_exception(e)
        del fut, fn, args, kwargs


def _ensure() -> None:
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_loop, name="mlx-worker", daemon=True)
            _thread.start()


def on_worker() -> bool:
    return _thread is not None and threading.current_thread() is _thread


def submit(fn, *args, **kwargs) -> Future:
    """Queue `fn` on the MLX thread. If already on it, run inline (avoids self-deadlock)."""
    fut: Future = Future()
    if on_worker():
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001
            fut.set_exception(e)
        return fut
    _ensure()
    _jobs.put((fut, fn, args, kwargs))
    return fut


def run(fn, *args, **kwargs):
    """Run `fn` on the MLX thread and return its result (exceptions propagate)."""
    return submit(fn, *args, **kwargs).result()


def stream():
    """The MLX stream to pass as `stream=` to mlx-lm / mlx-vlm generation on this thread.

    mlx-lm's default `generation_stream` is a thread-local stream created on the importing thread;
    the worker's own default stream is the safe choice here."""
    import mlx.core as mx

    return mx.default_stream(mx.default_device())
