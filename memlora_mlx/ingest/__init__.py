"""Batch ingestion of transcripts (LoCoMo JSON, JSONL, plain text), exactly once per turn, crash-safe."""

from .formats import FORMATS, Issue, SourceSession, SourceTurn, chunk_text, decode_bytes, read_file, turn_hash
from .journal import Journal, JournalError
from .runner import IngestError, IngestReport, expand_paths, ingest, read_inputs

__all__ = ["FORMATS", "Issue", "SourceSession", "SourceTurn", "chunk_text", "decode_bytes", "read_file",
           "turn_hash", "Journal", "JournalError", "IngestError", "IngestReport", "expand_paths", "ingest",
           "read_inputs"]
