"""Plain data types shared across operations, ingestion and evaluation."""

from dataclasses import dataclass


@dataclass
class Turn:
    speaker: str
    text: str
    dia_id: str | None = None
    timestamp: str | None = None
    image: str | None = None  # local path of an attached image
    caption: str | None = None  # caption of the attached image, if any
    img_url: str | None = None  # original web address of the image (LoCoMo; not fetched offline)
    query: str | None = None  # LoCoMo's image search query for the shared image
