"""BM25 over the passages (bm25s, saved as JSON + numpy arrays, never pickled)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ingest.text import tokenize


class LexicalIndex:
    def __init__(self, bm25):
        self._bm25 = bm25

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG

        bm25 = bm25s.BM25()
        # bm25s rejects a document with no tokens; an empty-token placeholder keeps positions aligned.
        bm25.index([tokenize(t) or [""] for t in texts], show_progress=False)
        return cls(bm25)

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        import bm25s

        return cls(bm25s.BM25.load(str(folder), load_corpus=False, mmap=False, allow_pickle=False))

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False, allow_pickle=False)

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in tokenize(query) if t in self._bm25.vocab_dict]
        if not tokens:
            return np.zeros(int(self._bm25.scores["num_docs"]), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)


__all__ = ["LexicalIndex"]
