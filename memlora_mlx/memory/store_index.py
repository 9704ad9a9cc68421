"""Index policy for the memories table: which vector index, when to build it, how queries use it.

Below `INDEX_FROM` rows search is brute force (exact). From there `MemoryStore.optimize()` builds, once,
an IVF_HNSW_SQ cosine index on `vector` plus a BITMAP index on `user_id` (the prefilter); later
optimize() calls fold new rows into them. Every vector query gets `tune()`: HNSW beam `ef` and an
exact re-rank of `refine_factor * limit` candidates (both are no-ops without an index).
Measured (bench_memory, 100k x 384, 2 shared cores): clustered vectors recall@10 ~1.0 at ~10 ms;
random vectors (a worst case for any ANN index) recall@10 ~0.4.
"""

from __future__ import annotations

INDEX_FROM = 10_000  # rows; brute force below (exact; 1k ~5 ms, but 10k already ~22 ms)
VECTOR_INDEX = "IVF_HNSW_SQ"
HNSW_EF = 64  # beam width; ef 64 vs 100 vs 150 gave the same recall on clustered data
REFINE_FACTOR = 2  # re-rank 2*limit candidates with exact cosine (fixes SQ rounding)
FILTER_COLUMN = "user_id"


def tune(builder, limit: int):
    """Query settings used by MemoryStore.search and the benchmark alike."""
    return builder.ef(max(HNSW_EF, 4 * limit)).refine_factor(REFINE_FACTOR)


def index_config(index_type: str, dim: int):
    from lancedb import index

    kinds = {"IVF_HNSW_SQ": index.IvfHnswSq, "IVF_HNSW_PQ": index.IvfHnswPq, "IVF_PQ": index.IvfPq,
             "IVF_FLAT": index.IvfFlat}
    if index_type not in kinds:
        raise ValueError(f"index_type must be one of {sorted(kinds)}, got {index_type!r}")
    kw = {"num_sub_vectors": dim // 8} if index_type.endswith("PQ") else {}
    return kinds[index_type](distance_type="cosine", **kw)


def vector_index_type(table) -> str | None:
    """e.g. "IvfHnswSq" if `vector` has an index, else None."""
    return next((i.index_type for i in table.list_indices() if i.columns == ["vector"]), None)


def create_vector_index(table, dim: int, index_type: str = VECTOR_INDEX) -> None:
    """Cosine vector index (replaces any old one) + the user_id filter index."""
    table.create_index("vector", config=index_config(index_type, dim), replace=True)
    create_filter_index(table)


def create_filter_index(table) -> None:
    from lancedb.index import Bitmap

    table.create_index(FILTER_COLUMN, config=Bitmap(), replace=True)


def ensure_indexes(table, dim: int, index_from: int = INDEX_FROM, index_type: str | None = None) -> bool:
    """Build the vector index if the table has >= `index_from` rows and none yet (0 = never);
    `index_type` forces a rebuild of that type (after a rewrite dropped it). True if one was built."""
    if index_type is None:
        if not index_from or table.count_rows() < index_from or vector_index_type(table):
            return False
        index_type = VECTOR_INDEX
    elif table.count_rows() < 256:  # too few rows to train partitions
        return False
    create_vector_index(table, dim, index_type)
    return True


def rewrite_if_deleted(table, dim: int) -> bool:
    """Rewrite a table whose data files still hold deleted rows (so their bytes leave the disk);
    the rewrite drops indexes, so the vector index (same type) and user_id index are rebuilt."""
    from datetime import timedelta

    meta = table.list_versions()[-1]["metadata"]
    if int(meta.get("total_deletion_files", 0) or 0) == 0:
        return False
    vec_index = index_name(vector_index_type(table))
    table.add(table.to_arrow(), mode="overwrite")
    table.optimize(cleanup_older_than=timedelta(0), delete_unverified=True)
    if vec_index:
        ensure_indexes(table, dim, index_type=vec_index)
    return True


_CAMEL = {"IvfHnswSq": "IVF_HNSW_SQ", "IvfHnswPq": "IVF_HNSW_PQ", "IvfPq": "IVF_PQ", "IvfFlat": "IVF_FLAT"}


def index_name(camel: str | None) -> str | None:
    """list_indices() name -> create_index name ("IvfHnswSq" -> "IVF_HNSW_SQ")."""
    return None if camel is None else _CAMEL.get(camel, camel)
