"""`memlora models`: the model presets, where they come from, and what is installed here."""

import json

from .. import paths
from .models import PRESETS, default_preset, shipped_ops


def rows() -> list[dict]:
    chosen, reason = default_preset()
    out = []
    for p in PRESETS.values():
        imported = sorted(d.name for d in paths.models_dir().glob(f"{p.model_id}*") if (d / "config.json").is_file()) \
            if paths.models_dir().is_dir() else []
        out.append({"name": p.name, "model_id": p.model_id, "size": p.size, "source": p.source,
                    "installed": p.installed(), "imported": imported, "adapters": shipped_ops(p.model_id),
                    "default": p is chosen})
    return [dict(r, default_reason=reason if r["default"] else None) for r in out]


def add_parser(sub, name):
    p = sub.add_parser(name, help="list model presets: size, source, installed, adapters shipped")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    table = rows()
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    print(f"{'':2}{'preset':20}{'size':34}{'installed':11}{'adapters shipped':30}source")
    for r in table:
        print(f"{'*' if r['default'] else ' ':2}{r['name']:20}{r['size']:34}{'yes' if r['installed'] else 'no':11}"
              f"{', '.join(r['adapters']) or '-':30}{r['source']}")
    print(f"\n* default here: {next(r['default_reason'] for r in table if r['default'])}")
    print("Use one with --model NAME (any command); a local mlx-lm dir, a .gguf file or a Hugging Face id works too.")
    return 0
