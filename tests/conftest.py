"""Shared pytest fixtures (several owners: add fixtures, do not rewrite others')."""

import pytest

import memlora_mlx  # noqa: F401 - preloads BLAS before anything imports mlx


# -- embedder / store (owner: embedder+store) --------------------------------------------------
@pytest.fixture(scope="session")
def embedder():
    """The real default sentence embedder (all-MiniLM-L6-v2 on MLX), loaded once per session."""
    from memlora_mlx.memory.embedder import load_embedder

    return load_embedder()


@pytest.fixture
def tmp_store(tmp_path):
    """A fresh writer MemoryStore (dim 384) in a temp dir; closed after the test."""
    from memlora_mlx.memory.store import MemoryStore

    store = MemoryStore(tmp_path / "store", dim=384)
    yield store
    store.close()


# -- engine (owner: lead) -----------------------------------------------------------------------
@pytest.fixture(scope="session")
def default_model_dir():
    """The embedded SmolLM2-135M-Instruct imported into an mlx-lm dir (cached across runs): the suite's real model."""
    from memlora_mlx.engine.models import resolve_model

    return resolve_model("smollm2-135m").path


@pytest.fixture(scope="session")
def default_engine():
    """The embedded default model on the engine, without shipped adapters (bare base), loaded once."""
    from memlora_mlx.engine import Engine

    return Engine("smollm2-135m", adapters="none")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, default_model_dir):
    """A tiny random-weight llama (2 layers, hidden 64, 4-bit) with the real SmolLM2 tokenizer."""
    from tests.support.tiny_models import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("tiny") / "tiny-llama", default_model_dir)
