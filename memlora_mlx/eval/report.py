"""LoCoMo run reports: summary.json / summary.md from results.jsonl, and comparison.md / comparison.png
across runs (matplotlib Agg, no display needed)."""

import json
import statistics
from pathlib import Path

from ..locomo import CATEGORY_NAMES

SCORED = (1, 2, 3, 4)  # the usual protocol scores categories 1-4; 5 is reported as a refusal rate


def read_results(path) -> list[dict]:
    """Rows of a results.jsonl; a torn last line (crash mid-write) is skipped."""
    rows = []
    p = Path(path)
    if not p.exists():
        return rows
    for line in p.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows


def _mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def _pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return None
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1]


def _group(rows) -> dict:
    judged = [r["judge"] for r in rows if r.get("judge") is not None]
    return {
        "n": len(rows),
        "f1": _mean([r["f1"] for r in rows]),
        "bleu1": _mean([r["bleu1"] for r in rows]),
        "judge": _mean([1.0 if j else 0.0 for j in judged]) if judged else None,
        "refusal_rate": _mean([1.0 if r.get("refused") else 0.0 for r in rows]),
    }


def _elsewhere(rows) -> int:
    """Questions the speaker check refused (memory/attribution.py)."""
    atts = [r.get("attribution") or {} for r in rows]
    return sum(1 for a in atts if a and a["fits_best"] != a["asked_about"])


def summarize(rows: list[dict], extra: dict | None = None) -> dict:
    """Per-category and overall (categories 1-4) scores, category-5 refusal rate, latency and tokens."""
    cats = {}
    for c in sorted({r["category"] for r in rows}):
        cats[str(c)] = {"name": CATEGORY_NAMES.get(c, str(c)), **_group([r for r in rows if r["category"] == c])}
    scored = [r for r in rows if r["category"] in SCORED]
    adv = [r for r in rows if r["category"] == 5]
    lat = [r["latency_s"] for r in rows if r.get("latency_s") is not None]
    called = [r for r in rows if r.get("prompt_tokens")]
    return {
        **(extra or {}),
        "questions": len(rows),
        "conversations": sorted({r["sample_id"] for r in rows}),
        "overall": _group(scored),
        "adversarial_refusal_rate": _group(adv)["refusal_rate"] if adv else None,
        "answers_with_prompt_example_text": sum(1 for r in rows if r.get("leaked")),
        "example_copies_refused": sum(1 for r in rows if r.get("raw_leaked")),  # the leak guard's refusals
        # refused by the speaker check (memory/attribution.py): asked about one speaker, fits the other's memories
        "refused_as_someone_elses": {"adversarial": _elsewhere(adv), "answerable": _elsewhere(scored)},
        "categories": cats,
        "answer_latency_s": {"mean": _mean(lat), "p50": _pct(lat, 50), "p95": _pct(lat, 95)},
        "tokens_per_query": {
            "prompt": _mean([r["prompt_tokens"] for r in called]),
            "generated": _mean([r.get("generated_tokens") or 0 for r in called]),
            "model_calls": len(called),
        },
    }


def _f(x, pct=True):
    if x is None:
        return "–"
    return f"{100 * x:.1f}" if pct else f"{x:.2f}"


def summary_markdown(s: dict) -> str:
    cfg = s.get("config", {})
    lines = [f"# LoCoMo: {cfg.get('name', 'run')}", ""]
    if cfg:
        lines += [", ".join(f"{k}={v}" for k, v in cfg.items() if k != "files"), ""]
    lines += ["| category | n | F1 | BLEU-1 | J | refusal % |", "|---|---:|---:|---:|---:|---:|"]
    for c, g in s["categories"].items():
        lines.append(f"| {c} {g['name']} | {g['n']} | {_f(g['f1'])} | {_f(g['bleu1'])} | {_f(g['judge'])} "
                     f"| {_f(g['refusal_rate'])} |")
    o = s["overall"]
    lines.append(f"| **overall 1-4** | {o['n']} | **{_f(o['f1'])}** | **{_f(o['bleu1'])}** | {_f(o['judge'])} "
                 f"| {_f(o['refusal_rate'])} |")
    lines += ["", f"Category 5 (adversarial) refusal rate: {_f(s.get('adversarial_refusal_rate'))} % "
              "(LoCoMo scores a refusal as correct).",
              f"Answers containing text from the answer prompt's worked example: "
              f"{s.get('answers_with_prompt_example_text', 0)} of {s['questions']}"
              f" ({s.get('example_copies_refused', 0)} model outputs copied it and were turned into the refusal)."]
    if el := s.get("refused_as_someone_elses"):
        lines.append(f"Refused by the speaker check (asked about one speaker, the other's memories fit better): "
                     f"{el['adversarial']} adversarial, {el['answerable']} answerable questions.")
    lines.append("")
    lat, tok = s["answer_latency_s"], s["tokens_per_query"]
    lines += [
        f"- answer latency (retrieval + generation) s: mean {_f(lat['mean'], False)}, p50 {_f(lat['p50'], False)}, "
        f"p95 {_f(lat['p95'], False)}",
        f"- tokens per query: prompt {_f(tok['prompt'], False)}, generated {_f(tok['generated'], False)} "
        f"({tok['model_calls']} model calls)",
    ]
    if ing := s.get("ingest"):
        lines.append(f"- ingest: {ing['turns']} turns in {ing['seconds']:.1f} s ({ing['turns_per_s']:.2f} turns/s), "
                     f"{ing['memory_events']} memory events")
        if ing.get("model_calls"):
            lines.append(f"- ingest model work: {ing['model_calls']} calls, {ing['prompt_tokens']} prompt tokens "
                         f"({ing['cached_tokens']} from cache), {ing['generated_tokens']} generated tokens "
                         f"({ing['decode_s']:.1f} s decoding), {ing.get('cpu_s', 0):.0f} CPU s")
    if tr := s.get("truncation"):
        lines.append(f"- full-context truncation: {tr['turns_cut']} of {tr['turns']} turns cut "
                     f"({tr['tokens_cut']} tokens) to fit {tr['budget_tokens']} tokens")
    if s.get("peak_rss_mb"):
        lines.append(f"- peak RSS: {s['peak_rss_mb']:.0f} MB")
    if s.get("machine"):
        lines.append(f"- machine: {s['machine']}")
    return "\n".join(lines) + "\n"


def write_summary(out_dir, extra: dict | None = None) -> dict:
    out = Path(out_dir)
    s = summarize(read_results(out / "results.jsonl"), extra)
    (out / "summary.json").write_text(json.dumps(s, indent=2))
    (out / "summary.md").write_text(summary_markdown(s))
    return s


def compare(run_dirs, out_dir) -> tuple[Path, Path]:
    """comparison.md + comparison.png (F1 per category and overall for each run) in `out_dir`."""
    runs = []
    for d in run_dirs:
        p = Path(d) / "summary.json"
        if not p.exists():
            raise FileNotFoundError(f"{p} not found: run `memlora eval locomo ... --out {d}` first")
        s = json.loads(p.read_text())
        runs.append((s.get("config", {}).get("name") or Path(d).name, s))
    cats = sorted({int(c) for _, s in runs for c in s["categories"] if int(c) in SCORED})
    heads = [f"{c} {CATEGORY_NAMES[c]}" for c in cats]
    md = ["# LoCoMo comparison", "", "F1 (%) per category, overall over categories 1-4; J when judged.", "",
          "| run | " + " | ".join(heads) + " | overall F1 | overall BLEU-1 | J | cat-5 refusal % | p50 s | n |",
          "|---|" + "---:|" * (len(heads) + 6)]
    for name, s in runs:
        cells = [_f(s["categories"].get(str(c), {}).get("f1")) for c in cats]
        o = s["overall"]
        md.append(f"| {name} | " + " | ".join(cells) + f" | {_f(o['f1'])} | {_f(o['bleu1'])} | {_f(o['judge'])} "
                  f"| {_f(s.get('adversarial_refusal_rate'))} | {_f(s['answer_latency_s']['p50'], False)} "
                  f"| {o['n']} |")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    md_path, png_path = out / "comparison.md", out / "comparison.png"
    md_path.write_text("\n".join(md) + "\n")
    _bar_chart(runs, cats, png_path)
    return md_path, png_path


def _bar_chart(runs, cats, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [CATEGORY_NAMES[c] for c in cats] + ["overall 1-4"]
    width = 0.8 / max(1, len(runs))
    fig, ax = plt.subplots(figsize=(2 + 1.6 * len(groups), 4))
    for i, (name, s) in enumerate(runs):
        vals = [100 * (s["categories"].get(str(c), {}).get("f1") or 0) for c in cats]
        vals.append(100 * (s["overall"]["f1"] or 0))
        xs = [g + (i - (len(runs) - 1) / 2) * width for g in range(len(groups))]
        bars = ax.bar(xs, vals, width, label=name)
        ax.bar_label(bars, fmt="%.1f", fontsize=7)
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel("F1 (%)")
    ax.set_title("LoCoMo F1 by category")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
