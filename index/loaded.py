"""An index opened for searching: records by id plus the two raw searches (dense and BM25)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from errors import IndexUnavailableError
from index.build import ensure_index, source_corpus
from index.embedder import Embedder
from index.lexical import LexicalIndex
from index.store import check_index, read_records, read_units
from ingest.model import Document, Passage, Section
from ingest.units import AnswerUnit


@dataclass
class SearchIndex:
    path: Path
    documents: dict[str, Document]
    sections: dict[str, Section]
    passages: list[Passage]
    vectors: object  # faiss.Index
    lexical: LexicalIndex
    manifest: dict = field(default_factory=dict)
    units: list[AnswerUnit] = field(default_factory=list)  # the passages' sentences and bullets, in order
    unit_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    def dense(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        k = min(k, len(self.passages))
        if k <= 0:
            return []
        scores, ids = self.vectors.search(query_vector.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def bm25(self, query: str, k: int) -> list[tuple[int, float]]:
        scores = self.lexical.scores(query)
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def open_index(settings, *, index_dir: Path | None = None, corpus_dir: Path | None = None,
               embedder: Embedder | None = None, rebuild: bool = True, progress: bool = False) -> SearchIndex:
    """Open the index, first rebuilding it from the corpus if it is missing, damaged or stale.

    With a custom index folder and no corpus, the index is used as it is, once its own file hashes check out.
    """
    index_dir = Path(index_dir or settings.index_dir)
    if rebuild:
        corpus_dir = Path(corpus_dir or source_corpus(index_dir, settings))
    # One check (it hashes every index and corpus file); checked again only after a rebuild.
    check = check_index(index_dir, settings, corpus_dir if rebuild else None)
    if rebuild and not check.usable:
        ensure_index(settings, corpus_dir=corpus_dir, index_dir=index_dir, embedder=embedder, progress=progress)
        check = check_index(index_dir, settings, corpus_dir)
    if not check.usable:
        raise IndexUnavailableError(f"The index cannot be used: {check.reason}. Rebuild it with: python -m index build")
    documents, sections, passages, vectors = read_records(index_dir)
    units, unit_vectors = read_units(index_dir, passages)
    return SearchIndex(
        path=index_dir,
        documents={d.doc_id: d for d in documents},
        sections={s.section_id: s for s in sections},
        passages=passages,
        vectors=vectors,
        lexical=LexicalIndex.load(index_dir / "bm25"),
        manifest=check.manifest or {},
        units=units,
        unit_vectors=unit_vectors,
    )


__all__ = ["SearchIndex", "open_index"]
