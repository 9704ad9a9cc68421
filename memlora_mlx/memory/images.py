"""Image validation and content-addressed image storage (one copy per distinct image, plus a thumbnail)."""

import hashlib
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMB_SIZE = 256
_EXT = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp", "TIFF": "tif", "MPO": "jpg"}


class ImageRefused(ValueError):
    """An image was not accepted; `reason` says why in words, `path` which file."""

    def __init__(self, reason: str, path=None):
        self.reason = reason
        self.path = None if path is None else str(path)
        super().__init__(f"{path}: {reason}" if path is not None else reason)


@dataclass
class ImageInfo:
    path: Path  # resolved path of the checked file
    sha256: str
    width: int
    height: int
    format: str  # PIL format name, e.g. "JPEG"


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _inside(path: Path, roots) -> bool:
    for root in roots:
        root = Path(root).expanduser().resolve()
        if path == root or root in path.parents:
            return True
    return False


def check_image(path, *, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS, allowed_roots=None) -> ImageInfo:
    """Validate an image file fully (headers, pixel count, then a complete decode). Raises ImageRefused."""
    raw = Path(path).expanduser()
    if not raw.exists():
        raise ImageRefused("missing: no such file", path)
    resolved = raw.resolve()  # follows symlinks: a link may not escape the allowed roots
    if allowed_roots is not None and not _inside(resolved, allowed_roots):
        roots = ", ".join(str(r) for r in allowed_roots) or "(none)"
        raise ImageRefused(f"outside allowed roots ({roots}); resolves to {resolved}", path)
    if not resolved.is_file():
        raise ImageRefused("not a file", path)
    size = resolved.stat().st_size
    if size > max_bytes:
        raise ImageRefused(f"too large: {size} bytes > limit {max_bytes}", path)
    if size == 0:
        raise ImageRefused("not an image: empty file", path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(resolved) as im:
                fmt, (w, h) = im.format, im.size
                if w * h > max_pixels:
                    raise ImageRefused(f"decompression bomb: {w}x{h} = {w * h} pixels > limit {int(max_pixels)}", path)
                im.verify()
            if ImageFile.LOAD_TRUNCATED_IMAGES:  # someone relaxed PIL globally; we still want truncation caught
                raise ImageRefused("cannot validate: PIL.ImageFile.LOAD_TRUNCATED_IMAGES is set", path)
            with Image.open(resolved) as im:
                im.load()
        except ImageRefused:
            raise
        except UnidentifiedImageError:
            raise ImageRefused("not an image: unrecognised format", path) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise ImageRefused(f"decompression bomb: {e}", path) from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as e:  # PIL's decode errors
            raise ImageRefused(f"corrupt or truncated image: {e}", path) from None
    if not fmt or w <= 0 or h <= 0:
        raise ImageRefused("not an image: no format or size", path)
    return ImageInfo(path=resolved, sha256=file_sha256(resolved), width=w, height=h, format=fmt)


def _atomic_write(dest: Path, write_fn) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write_fn(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def image_paths(images_dir, sha256: str, fmt: str) -> tuple[Path, Path]:
    """Where a stored image and its thumbnail live: `<dir>/<ab>/<sha>.<ext>`, `<dir>/thumbs/<sha>.jpg`."""
    d = Path(images_dir)
    ext = _EXT.get(fmt.upper(), fmt.lower())
    return d / sha256[:2] / f"{sha256}.{ext}", d / "thumbs" / f"{sha256}.jpg"


def _write_thumb(src: Path, dest: Path, size: int) -> None:
    with Image.open(src) as im:
        im.draft("RGB", (size, size))  # cheap JPEG downscale on decode
        im.thumbnail((size, size))
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            bg = Image.new("RGB", im.size, (255, 255, 255))
            bg.paste(im, mask=im.split()[-1])
            im = bg
        elif im.mode != "RGB":
            im = im.convert("RGB")
        _atomic_write(dest, lambda f: im.save(f, "JPEG", quality=85))


def store_image(path, images_dir, *, thumb_size=THUMB_SIZE, **check_kw) -> tuple[Path, Path, str]:
    """Validate and copy an image into `images_dir` under its content hash. Idempotent: the same bytes are
    stored once however many turns share them. Returns (stored_path, thumb_path, sha256)."""
    info = check_image(path, **check_kw)
    stored, thumb = image_paths(images_dir, info.sha256, info.format)
    if not stored.exists():
        data = info.path.read_bytes()
        if hashlib.sha256(data).hexdigest() != info.sha256:
            raise ImageRefused("file changed while being stored", path)
        _atomic_write(stored, lambda f: f.write(data))
    if not thumb.exists():
        _write_thumb(stored, thumb, thumb_size)
    return stored, thumb, info.sha256
