"""The one long-lived thread that runs all MLX work (MLX streams are thread-local)."""

import threading
from concurrent.futures import Future, ThreadPoolExecutor

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_thread_ident: int | None = None


def _init():
    global _thread_ident
    _thread_ident = threading.get_ident()


def _get() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(1, thread_name_prefix="mlx", initializer=_init)
        return _executor


def on_worker() -> bool:
    return threading.get_ident() == _thread_ident


def submit(fn, *args, **kwargs) -> Future:
    """Queue `fn` on the MLX thread. If already on it, run inline (avoids self-deadlock)."""
    if on_worker():
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            fut.set_exception(e)
        return fut
    return _get().submit(fn, *args, **kwargs)


def run(fn, *args, **kwargs):
    """Run `fn` on the MLX thread and return its result (exceptions propagate)."""
    return submit(fn, *args, **kwargs).result()
