"""Where memlora-mlx keeps models, stores and shipped adapters."""

import os
from pathlib import Path

import platformdirs

APP = "memlora-mlx"


def cache_dir() -> Path:
    return Path(os.environ.get("MEMLORA_CACHE_DIR") or platformdirs.user_cache_dir(APP))


def data_dir() -> Path:
    return Path(os.environ.get("MEMLORA_DATA_DIR") or platformdirs.user_data_dir(APP))


def default_store() -> Path:
    return data_dir() / "store"


def models_dir() -> Path:
    return cache_dir() / "models"


def repo_adapters_dir() -> Path:
    """Adapters shipped with the project (`adapters/<model-id>/<op>/`)."""
    env = os.environ.get("MEMLORA_ADAPTERS_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "adapters"


def expand_inputs(items, suffixes: tuple[str, ...]) -> list[Path]:
    """Files, directories (their files with one of `suffixes`, sorted) and glob patterns -> existing files,
    in the order given, each once. Raises FileNotFoundError naming an item that matches nothing."""
    import glob

    if isinstance(items, (str, Path)):
        items = [items]
    out: list[Path] = []
    for item in items:
        p = Path(item).expanduser()
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in suffixes)
        elif p.exists():
            out.append(p)
        else:
            hits = sorted(glob.glob(str(p)))
            if not hits:
                raise FileNotFoundError(f"no such file: {item}")
            out += [Path(h) for h in hits]
    seen: set = set()
    return [p for p in out if not (p.resolve() in seen or seen.add(p.resolve()))]
