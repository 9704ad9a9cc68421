"""An image drawn in the terminal: textual-image when installed, else rich-pixels half-cells."""

from pathlib import Path

from textual.widgets import Static

try:  # optional: real graphics (Kitty/Sixel) where the terminal supports it
    from textual_image.widget import Image as _TIImage  # type: ignore
except ImportError:  # pragma: no cover - depends on the environment
    _TIImage = None

MAX_COLS, MAX_ROWS = 40, 12


def fit(size: tuple[int, int], cols: int = MAX_COLS, rows: int = MAX_ROWS) -> tuple[int, int]:
    """Pixel size for half-cell rendering (2 pixels per row), keeping the aspect ratio."""
    w, h = size
    # a terminal cell is about twice as tall as wide; half-cells make pixels roughly square
    scale = min(cols / w, (rows * 2) / h, 1.0) if w and h else 1.0
    return max(1, int(w * scale)), max(2, int(h * scale) // 2 * 2)


def image_widget(path: Path, **kwargs):
    if _TIImage is not None:
        return _TIImage(str(path), **kwargs)
    return PixelImage(path, **kwargs)


class PixelImage(Static):
    """Character-cell rendering of an image (works in every terminal and in SVG snapshots)."""

    def __init__(self, path: Path, **kwargs):
        from PIL import Image
        from rich_pixels import Pixels

        with Image.open(path) as im:
            im = im.convert("RGBA")
            pixels = Pixels.from_image(im, resize=fit(im.size))
        super().__init__(pixels, **kwargs)
