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
