"""Dense side of the index: FAISS over the passage vectors, beside LexicalIndex (BM25). One class builds, saves,
loads and searches it, so FAISS is handled in this file only.

Which FAISS index, by size (see the "Performance and scaling" section of the README for the measurements):
  - up to `exact_max` passages (settings.exact_search_max, LAC_EXACT_SEARCH_MAX, default 50,000): IndexFlatIP,
    exact cosine search (vectors are normalised); over 50k x 384 floats that takes a few ms per question on 2 cores;
  - beyond: IndexHNSWFlat (inner product), M=32, efConstruction=80, efSearch=256; recall@10 against exact search is
    measured by `python -m bench.bench --scale` and must stay >= 0.98.
Saved as FAISS's own serialisation, written by Python (a full disk is an OSError, not a faiss RuntimeError).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 256


class DenseIndex:
    def __init__(self, index: Any):
        self._index = index  # a faiss.Index

    @classmethod
    def build(cls, vectors: np.ndarray, exact_max: int, *, m: int = HNSW_M,
              ef_construction: int = HNSW_EF_CONSTRUCTION, ef_search: int = HNSW_EF_SEARCH) -> DenseIndex:
        """IndexFlatIP for up to `exact_max` vectors, IndexHNSWFlat (inner product) beyond."""
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        d = vectors.shape[1]
        index: Any
        if len(vectors) <= exact_max:
            index = faiss.IndexFlatIP(d)
        else:
            index = faiss.IndexHNSWFlat(d, m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = ef_construction
            index.hnsw.efSearch = ef_search
        index.add(vectors)
        return cls(index)

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        """Raises RuntimeError (faiss) or OSError when the file is missing or damaged."""
        import faiss

        return cls(faiss.read_index(str(path)))

    def save(self, path: Path) -> None:
        import faiss

        Path(path).write_bytes(faiss.serialize_index(self._index).tobytes())

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    @property
    def kind(self) -> str:
        """"IndexFlatIP", or "HNSWFlat(M=32, efSearch=256)"."""
        import faiss

        if isinstance(self._index, faiss.IndexHNSW):
            hnsw: Any = self._index.hnsw
            return f"HNSWFlat(M={hnsw.nb_neighbors(1)}, efSearch={hnsw.efSearch})"
        return type(self._index).__name__

    def all_vectors(self) -> np.ndarray:
        """Every stored vector, in passage order (answers score each candidate passage by its own similarity)."""
        return self._index.reconstruct_n(0, self._index.ntotal) if self._index.ntotal else np.zeros((0, self.dimension))

    def search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Up to k (position, cosine) pairs, best first."""
        k = min(k, self.size)
        if k <= 0:
            return []
        scores, ids = self.search_batch(query_vector.reshape(1, -1), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def search_batch(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """FAISS's (scores, ids) arrays for many queries at once (ids -1 where fewer than k exist)."""
        return self._index.search(np.ascontiguousarray(queries, dtype=np.float32), k)


def recall_at_k(approx: DenseIndex, exact: DenseIndex, queries: np.ndarray, k: int = 10, tol: float = 1e-5) -> float:
    """Tie-aware recall@k: the share of the approximate top-k whose similarity reaches the exact k-th best
    (minus `tol`). Equal to the usual id overlap when scores are distinct; with duplicate passages (equal
    vectors) any of the tied ones is an equally correct answer, which id overlap would count as a miss."""
    truth, _ = exact.search_batch(queries, k)
    found, ids = approx.search_batch(queries, k)
    hits = sum(int(((f >= t[-1] - tol) & (i >= 0)).sum()) for t, f, i in zip(truth, found, ids))
    return hits / (k * len(queries))


def id_recall_at_k(approx: DenseIndex, exact: DenseIndex, queries: np.ndarray, k: int = 10) -> float:
    """Share of the exact top-k ids that the approximate index also returns (ties broken arbitrarily)."""
    _, truth = exact.search_batch(queries, k)
    _, found = approx.search_batch(queries, k)
    hits = sum(len(set(t[t >= 0]) & set(f[f >= 0])) for t, f in zip(truth, found))
    return hits / max(1, int((truth >= 0).sum()))


__all__ = ["DenseIndex", "id_recall_at_k", "recall_at_k"]
