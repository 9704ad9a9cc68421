"""Runs slash commands in thread workers; results come back as typed messages (tui/messages.py)."""

from __future__ import annotations

from pathlib import Path

from . import messages as M
from .commands import Command
from .messages import describe


def _fmt(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        score = r.get("score")
        lines.append(f"• {r.get('memory') or ''}" + (f"  ({score:.2f})" if isinstance(score, float) else ""))
    return "\n".join(lines)


def run_command(screen, cmd: Command, typed: str) -> None:
    """Start the worker for `cmd` on `screen` (a ChatScreen). `typed` is restored on failure."""
    backend, post = screen.backend, screen.post_message

    def guarded(fn, label: str):
        def body():
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - shown to the user, typed text restored
                post(M.Notice(f"{label} failed: {describe(e)}", "error", label, typed))

        return body

    if cmd.name == "remember":

        def remember():
            rows = backend.remember(cmd.arg)
            post(M.Notice(_fmt(rows) or f"nothing stored for “{cmd.arg}”", "result", "remembered"))

        body = guarded(remember, "remember")
    elif cmd.name == "search":

        def search():
            rows = backend.search(cmd.arg)
            post(M.Notice(_fmt(rows) or f"no memories match “{cmd.arg}”", "result", f"search: {cmd.arg}"))

        body = guarded(search, "search")
    elif cmd.name == "forget":
        body = guarded(lambda: post(M.ForgetCandidates(cmd.arg, backend.forget_candidates(cmd.arg))), "forget")
    elif cmd.name == "export":

        def export():
            out = backend.export(cmd.arg)
            post(M.Notice(f"exported memories to {Path(cmd.arg).expanduser()}" + (f" ({out})" if out else ""), "result", "export"))

        body = guarded(export, "export")
    elif cmd.name == "ingest":
        body = lambda: _ingest(backend, post, cmd.arg, typed)  # noqa: E731
    elif cmd.name == "image":
        screen.check_image(Path(cmd.arg), typed)
        return
    else:  # pragma: no cover - parse_command rejects unknown names
        raise ValueError(cmd.name)
    screen.run_worker(body, thread=True, group=f"cmd-{cmd.name}", name=typed)


def _ingest(backend, post, path: str, typed: str) -> None:
    src = Path(path).expanduser()
    if not src.exists():
        post(M.Notice(f"ingest failed: {src}: no such file or folder", "error", "ingest", typed))
        return

    def progress(done: int, total: int | None, detail: str) -> None:
        post(M.IngestProgress(done, total, detail))

    try:
        report = backend.ingest(src, progress)
    except Exception as e:  # noqa: BLE001
        post(M.IngestDone("", f"ingest of {src} failed: {describe(e)}"))
        return
    summary = report.summary()
    errors = report.errors
    if errors:
        summary += "\n" + "\n".join(errors[:5]) + ("\n…" if len(errors) > 5 else "")
    post(M.IngestDone(f"ingested {src}\n{summary}"))


def delete_many(screen, ids: list[str]) -> None:
    backend, post = screen.backend, screen.post_message

    def body():
        gone = []
        for mid in ids:
            try:
                backend.delete(mid)
                gone.append(mid)
            except Exception as e:  # noqa: BLE001 - keep deleting the others
                post(M.Notice(f"could not delete {mid}: {describe(e)}", "error", "forget"))
        post(M.Notice(f"deleted {len(gone)} memor{'y' if len(gone) == 1 else 'ies'}", "result", "forget"))
        post(M.RefreshMemories())

    screen.run_worker(body, thread=True, group="cmd-forget-delete")
