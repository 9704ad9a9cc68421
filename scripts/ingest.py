#!/usr/bin/env python
"""Batch-ingest transcripts into a memory store: same as `memlora ingest ...`.

    uv run python scripts/ingest.py /work/shared/data/locomo/conv-26.json --store /tmp/store
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from memlora_mlx.cli import main  # noqa: E402  (imports memlora_mlx first: BLAS preload)

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
