"""The MLX all-MiniLM-L6-v2 embedder against published sentence-transformers results."""

import json
import shutil

import numpy as np
import pytest

from memlora_mlx.memory.embedder import DEFAULT_EMBEDDER, Embedder, EmbedderError, load_embedder

# Cosine similarities printed by sentence-transformers' own all-MiniLM-L6-v2 examples
# (sbert.net "Semantic Textual Similarity" and the model-card usage example), 4 decimals.
PUBLISHED = [
    ("The new movie is awesome", "The new movie is so great", 0.8939),
    ("The cat sits outside", "The cat plays in the garden", 0.6788),
    ("I love pasta", "Do you like pizza?", 0.5096),
    ("I love pasta", "The new movie is so great", 0.2560),
    ("A man is playing guitar", "The cat plays in the garden", 0.2105),
    ("The cat sits outside", "A woman watches TV", 0.1310),
    ("The cat sits outside", "The dog plays in the garden", 0.2838),
    ("A man is playing guitar", "A woman watches TV", -0.0327),
    ("The movies are awesome", "The new movie is so great", 0.6571),
]


def test_dim_and_cache(embedder):
    assert embedder.dim == 384
    assert load_embedder(DEFAULT_EMBEDDER) is load_embedder()


@pytest.mark.parametrize("a,b,expected", PUBLISHED)
def test_matches_published_cosines(embedder, a, b, expected):
    v = embedder.embed([a, b])
    assert abs(float(v[0] @ v[1]) - expected) < 2e-3


def test_paraphrase_beats_unrelated_by_margin(embedder):
    v = embedder.embed([
        "I love hiking in the mountains.",
        "Hiking in mountains is my favourite hobby.",
        "The stock market fell sharply today.",
    ])
    sims = v @ v.T
    assert sims[0, 1] > sims[0, 2] + 0.5


def test_unit_norm_float32_shape(embedder):
    v = embedder.embed(["short", "a much longer sentence " * 40, "ünïcödé ✓ 日本語", ""])
    assert v.shape == (4, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_batch_equals_single(embedder):
    texts = ["Caroline went to the support group on 7 May.", "hi", "Melanie paints sunsets with her kids " * 5,
             "What did Caroline research?", "ok"]
    batched = embedder.embed(texts)  # different lengths -> padding + attention mask matter
    fresh = Embedder(embedder.path)  # nothing remembered: each text computed alone
    single = np.stack([fresh.embed([t])[0] for t in texts])
    np.testing.assert_allclose(batched, single, atol=1e-5)
    assert embedder.embed(texts[1]).shape == (1, 384)  # a bare str is one text


def test_a_text_seen_lately_is_not_embedded_again(embedder, monkeypatch):
    import memlora_mlx.memory.embedder as module

    e = Embedder(embedder.path)
    computed, real = [], e._embed
    monkeypatch.setattr(e, "_embed", lambda texts: computed.append(list(texts)) or real(texts))
    first = e.embed(["a cat on a mat", "a dog in a fog", "a cat on a mat"])
    again = e.embed(["a dog in a fog", "a bird"])
    assert computed == [["a cat on a mat", "a dog in a fog"], ["a bird"]]
    np.testing.assert_array_equal(first[0], first[2])
    np.testing.assert_array_equal(first[1], again[0])
    again[0] += 1.0  # the caller's array is its own
    np.testing.assert_array_equal(e.embed("a dog in a fog")[0], first[1])
    monkeypatch.setattr(module, "MEMO_SIZE", 2)
    e.embed(["x", "y", "z"])
    assert list(e._memo) == ["y", "z"]


def test_small_batches_keep_order(embedder):
    e = Embedder(embedder.path, batch_size=2)  # forces several length-sorted batches
    texts = ["b " * n for n in (9, 1, 5, 3, 7)]
    np.testing.assert_allclose(e.embed(texts), embedder.embed(texts), atol=1e-5)


def test_truncates_long_input(embedder):
    v = embedder.embed(["word " * 5000])
    assert np.isfinite(v).all() and v.shape == (1, 384)


def test_empty_list(embedder):
    out = embedder.embed([])
    assert out.shape == (0, 384) and out.dtype == np.float32


def test_bad_input_names_the_item(embedder):
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        embedder.embed(["fine", None])


def test_local_dir_is_swappable(embedder, tmp_path):
    # A copy of the packaged model as a plain local dir (with a "bert." weight prefix like many
    # BERT checkpoints) loads and gives the same vectors.
    import mlx.core as mx

    d = tmp_path / "my-embedder"
    d.mkdir()
    for f in ("config.json", "tokenizer.json"):
        shutil.copy(embedder.path / f, d / f)
    w = mx.load(str(embedder.path / "model.safetensors"))
    mx.save_safetensors(str(d / "model.safetensors"), {"bert." + k: v for k, v in w.items()})
    e = load_embedder(str(d))
    assert e is not embedder and e.dim == 384
    assert e.max_length == 512  # no sentence_bert_config.json -> model's position limit
    np.testing.assert_allclose(e.embed(["I love pasta"]), embedder.embed(["I love pasta"]), atol=1e-5)


def test_missing_files_and_unknown_name(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"hidden_size": 8}))
    with pytest.raises(EmbedderError, match="model.safetensors"):
        Embedder(tmp_path)
    with pytest.raises(EmbedderError, match="unknown embedder"):
        load_embedder("no-such-embedder-xyz")
