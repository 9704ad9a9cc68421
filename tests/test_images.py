"""Image validation and content-addressed storage, on real files written by PIL."""

import os

import pytest
from PIL import Image

from memlora_mlx.memory.images import ImageRefused, check_image, store_image


def _png(path, size=(64, 48), color=(200, 30, 30)):
    Image.new("RGB", size, color).save(path, "PNG")
    return path


def _jpg(path, size=(640, 480)):
    im = Image.effect_noise(size, 64).convert("RGB")
    im.save(path, "JPEG", quality=90)
    return path


def test_valid_image_info(tmp_path):
    p = _jpg(tmp_path / "a.jpg")
    info = check_image(p)
    assert (info.width, info.height, info.format) == (640, 480, "JPEG")
    assert len(info.sha256) == 64 and info.path == p.resolve()


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda d: d / "nope.png", "missing"),
        (lambda d: d, "not a file"),
        (lambda d: (d / "t.png").write_text("hello, I am text") and d / "t.png", "not an image"),
        (lambda d: (d / "e.png").write_bytes(b"") or d / "e.png", "not an image"),
    ],
)
def test_refusals_basic(tmp_path, make, reason):
    with pytest.raises(ImageRefused) as e:
        check_image(make(tmp_path))
    assert reason in e.value.reason


def test_truncated_jpeg_refused(tmp_path):
    p = _jpg(tmp_path / "full.jpg")
    data = p.read_bytes()
    bad = tmp_path / "trunc.jpg"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageRefused) as e:
        check_image(bad)
    assert "corrupt or truncated" in e.value.reason


def test_corrupt_png_refused(tmp_path):
    p = _png(tmp_path / "ok.png", size=(200, 200))
    data = bytearray(p.read_bytes())
    for i in range(60, min(len(data) - 20, 120)):  # scramble IDAT payload, keep the header
        data[i] ^= 0xFF
    bad = tmp_path / "bad.png"
    bad.write_bytes(bytes(data))
    with pytest.raises(ImageRefused) as e:
        check_image(bad)
    assert "corrupt" in e.value.reason


def test_too_large_and_bomb(tmp_path):
    p = _jpg(tmp_path / "big.jpg")
    with pytest.raises(ImageRefused) as e:
        check_image(p, max_bytes=1000)
    assert "too large" in e.value.reason
    bomb = tmp_path / "bomb.png"
    Image.new("1", (9000, 9000)).save(bomb)  # tiny file, 81 M pixels
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ImageRefused) as e:
        check_image(bomb)
    assert "decompression bomb" in e.value.reason


def test_allowed_roots_and_symlink_escape(tmp_path):
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir(), outside.mkdir()
    secret = _png(outside / "secret.png")
    ok = _png(inside / "ok.png")
    assert check_image(ok, allowed_roots=[inside]).width == 64
    with pytest.raises(ImageRefused) as e:
        check_image(secret, allowed_roots=[inside])
    assert "outside allowed roots" in e.value.reason
    link = inside / "link.png"
    os.symlink(secret, link)
    with pytest.raises(ImageRefused) as e:
        check_image(link, allowed_roots=[inside])
    assert "outside allowed roots" in e.value.reason
    with pytest.raises(ImageRefused):
        check_image(inside / ".." / "out" / "secret.png", allowed_roots=[inside])


def test_store_image_content_addressed_and_idempotent(tmp_path):
    a = _jpg(tmp_path / "a.jpg")
    b = tmp_path / "copy_of_a.jpg"
    b.write_bytes(a.read_bytes())
    c = _png(tmp_path / "c.png", size=(1000, 300))
    store = tmp_path / "images"
    s1, t1, h1 = store_image(a, store)
    s2, t2, h2 = store_image(b, store)
    s3, t3, h3 = store_image(a, store)
    assert (s1, t1, h1) == (s2, t2, h2) == (s3, t3, h3)
    assert s1.read_bytes() == a.read_bytes()
    s4, t4, h4 = store_image(c, store)
    assert h4 != h1 and s4.suffix == ".png"
    stored = sorted(p for p in store.rglob("*") if p.is_file() and "thumbs" not in p.parts)
    assert stored == sorted([s1, s4])  # one copy per distinct image
    with Image.open(t4) as th:
        assert max(th.size) == 256 and th.format == "JPEG"
    assert not list(store.rglob(".tmp-*"))


def test_store_image_refuses_bad(tmp_path):
    bad = tmp_path / "x.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0garbage")
    with pytest.raises(ImageRefused):
        store_image(bad, tmp_path / "images")
    assert not (tmp_path / "images").exists() or not any((tmp_path / "images").rglob("*.*"))


def test_a_base_without_vision_names_the_preset_that_has_one():
    from memlora_mlx.vision.pipeline import unavailable_message

    msg = unavailable_message("Qwen2.5-Coder-1.5B-Instruct")
    assert "no vision model for Qwen2.5-Coder-1.5B-Instruct" in msg
    # the presets whose demo vision model is shipped, and only those
    assert "`memlora --model smollm2-135m chat` or `memlora --model qwen2.5-coder-0.5b chat`" in msg
    assert "qwen2.5-coder-1.5b chat" not in msg
