"""Vector side of the index: which FAISS index to build for a corpus size, and a vector cache for incremental builds.

FAISS index by size (see the "Performance and scaling" section of the README for the measurements):
  - up to `exact_search_max` passages: IndexFlatIP, exact cosine search (vectors are normalised);
  - beyond: IndexHNSWFlat (inner product), M=32, efConstruction=80, efSearch=256; recall@10 against exact
    search is measured by `python -m eval.bench --scale` and must stay >= 0.98.
The threshold is settings.exact_search_max (LAC_EXACT_SEARCH_MAX, default 50,000): exact search over 50k x 384 floats takes a few ms per
question on 2 cores, under the query embedding itself, while an HNSW graph costs build time and some recall.

Vector cache (incremental rebuild): `embedding-cache.npy` (float32 rows) + `embedding-cache.json` (model, dimension,
and one key per row: sha256 of the embedded text) in the index folder. A rebuild embeds only texts whose key is
not there, so adding one document to a large corpus embeds only that document's passages. No pickle.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np

log = logging.getLogger("lac.index")

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 256
CACHE_VECTORS = "embedding-cache.npy"
CACHE_KEYS = "embedding-cache.json"


def build_vector_index(vectors: np.ndarray, exact_max: int, *,
                       m: int = HNSW_M, ef_construction: int = HNSW_EF_CONSTRUCTION,
                       ef_search: int = HNSW_EF_SEARCH):
    """IndexFlatIP for up to `exact_max` vectors, IndexHNSWFlat (inner product) beyond."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    d = vectors.shape[1]
    if len(vectors) <= exact_max:
        index = faiss.IndexFlatIP(d)
    else:
        index = faiss.IndexHNSWFlat(d, m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.hnsw.efSearch = ef_search
    index.add(vectors)
    return index


def index_kind(index) -> str:
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        return f"HNSWFlat(M={index.hnsw.nb_neighbors(1)}, efSearch={index.hnsw.efSearch})"
    return type(index).__name__


def recall_at_k(approx, exact, queries: np.ndarray, k: int = 10, tol: float = 1e-5) -> float:
    """Tie-aware recall@k: the share of the approximate top-k whose similarity reaches the exact k-th best
    (minus `tol`). Equal to the usual id overlap when scores are distinct; with duplicate passages (equal
    vectors) any of the tied ones is an equally correct answer, which id overlap would count as a miss."""
    truth, _ = exact.search(queries, k)
    found, ids = approx.search(queries, k)
    hits = sum(int(((f >= t[-1] - tol) & (i >= 0)).sum()) for t, f, i in zip(truth, found, ids))
    return hits / (k * len(queries))


def id_recall_at_k(approx, exact, queries: np.ndarray, k: int = 10) -> float:
    """Share of the exact top-k ids that the approximate index also returns (ties broken arbitrarily)."""
    _, truth = exact.search(queries, k)
    _, found = approx.search(queries, k)
    hits = sum(len(set(t[t >= 0]) & set(f[f >= 0])) for t, f in zip(truth, found))
    return hits / max(1, int((truth >= 0).sum()))


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class VectorCache:
    """Vectors by text hash for one model; loaded from and saved to an index folder."""

    def __init__(self, model: str, dimension: int | None = None):
        self.model = model
        self.dimension = dimension
        self.rows: dict[str, np.ndarray] = {}

    @classmethod
    def load(cls, folder: Path, model: str) -> "VectorCache":
        cache = cls(model)
        try:
            meta = json.loads((Path(folder) / CACHE_KEYS).read_text("utf-8"))
            if meta.get("model") != model:
                return cache
            vectors = np.load(Path(folder) / CACHE_VECTORS, allow_pickle=False)
            keys = meta["keys"]
            if vectors.ndim != 2 or len(keys) != len(vectors) or vectors.dtype != np.float32:
                return cache
        except (OSError, ValueError, KeyError):
            return cache
        cache.dimension = int(vectors.shape[1])
        cache.rows = dict(zip(keys, vectors))
        return cache

    def save(self, folder: Path, keys: list[str], vectors: np.ndarray) -> None:
        """Keep exactly the rows of the current index (a removed document's vectors are dropped)."""
        folder = Path(folder)
        np.save(folder / CACHE_VECTORS, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        (folder / CACHE_KEYS).write_text(json.dumps({"model": self.model, "dimension": int(vectors.shape[1]),
                                                     "keys": keys}), encoding="utf-8")

    def embed(self, embedder, texts: list[str], show_progress: bool = False) -> tuple[np.ndarray, list[str], int]:
        """Vectors for `texts` (cached ones reused, the rest embedded in one batched call), their keys, and how
        many were reused."""
        keys = [text_key(t) for t in texts]
        missing = sorted({k: i for i, k in reversed(list(enumerate(keys))) if k not in self.rows}.items(),
                         key=lambda item: item[1])
        if missing:
            fresh = embedder.embed([texts[i] for _, i in missing], show_progress=show_progress)
            for (key, _), vector in zip(missing, fresh):
                self.rows[key] = vector
        if not texts:
            return np.zeros((0, self.dimension or 0), dtype=np.float32), keys, 0
        vectors = np.stack([self.rows[k] for k in keys]).astype(np.float32, copy=False)
        self.dimension = int(vectors.shape[1])
        return vectors, keys, len(texts) - len(missing)


__all__ = ["VectorCache", "build_vector_index", "index_kind",
           "id_recall_at_k", "recall_at_k", "text_key"]
