"""One-line status: model, active adapter, tokens/s, memory count, background work."""

from textual.reactive import reactive
from textual.widgets import Static


class StatusBar(Static):
    model = reactive("")  # "" while the model loads
    adapter = reactive("base")
    tps = reactive(0.0)
    count = reactive(-1)
    busy = reactive("")

    def render(self) -> str:
        parts = [
            f"[b]model[/] {self.model}" if self.model else "[$warning]loading model…[/]",
            f"[b]adapter[/] [$accent]{self.adapter}[/]",
            f"{self.tps:.1f} tok/s" if self.tps else "— tok/s",
            f"{self.count} memories" if self.count >= 0 else "… memories",
        ]
        if self.busy:
            parts.append(f"[$warning]{self.busy}[/]")
        return " │ ".join(parts)
