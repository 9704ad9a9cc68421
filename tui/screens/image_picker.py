"""Pick an image file from a directory tree."""

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Label

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff"}


class ImageTree(DirectoryTree):
    def filter_paths(self, paths):
        return [p for p in paths if p.is_dir() or p.suffix.lower() in IMAGE_SUFFIXES]


class ImagePickerScreen(ModalScreen[Path | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, root: Path):
        super().__init__()
        self.root = root

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Label(f"Attach an image from {self.root}  (enter selects · esc cancels)", classes="question", markup=False)
            yield ImageTree(self.root, id="image-tree")

    def on_mount(self) -> None:
        self.query_one(ImageTree).focus()

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(Path(event.path))
