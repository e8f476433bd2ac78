"""BM25 over the passages (bm25s, saved as JSON + numpy arrays, never pickled).

bm25s builds and saves the index. At question time the saved arrays are read and scored here, with numpy, the
way bm25s scores them (a question's score per passage is the sum of its tokens' columns of the precomputed
passage x token matrix): importing bm25s imports scipy.sparse, a quarter of a second of every cold start, for
a sum that needs none of it. tests/test_index.py checks the scores equal bm25s's own.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from errors import shown
from ingest.text import tokenize

# bm25s's file names in a saved folder; BM25L and BM25+ add a per-token score for passages without the token.
_MATRIX = ("data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy")
_VOCAB, _PARAMS, _NONOCCURRENCE = "vocab.index.json", "params.index.json", "nonoccurrence_array.index.npy"


class LexicalIndex:
    def __init__(self, vocab: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 num_docs: int, nonoccurrence: np.ndarray | None = None, built: Any = None):
        """The precomputed BM25 matrix in compressed sparse columns (one column per token); `built` is the
        bm25s.BM25 object when this index was built in this process (it is what saves it)."""
        self.vocab = vocab
        self._data, self._indices, self._indptr = data, indices, indptr
        self.num_docs = num_docs
        self._nonoccurrence = nonoccurrence
        self._built = built

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG

        bm25 = bm25s.BM25()
        # bm25s rejects a document with no tokens; an empty-token placeholder keeps positions aligned.
        bm25.index([tokenize(t) or [""] for t in texts], show_progress=False)
        scores = bm25.scores
        return cls(dict(bm25.vocab_dict), scores["data"], scores["indices"], scores["indptr"],
                   int(scores["num_docs"]), bm25.nonoccurrence_array, built=bm25)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """The folder bm25s saved (OSError or ValueError when a file is missing or damaged)."""
        folder = Path(folder)
        params = json.loads((folder / _PARAMS).read_text(encoding="utf-8"))
        vocab = json.loads((folder / _VOCAB).read_text(encoding="utf-8"))
        data, indices, indptr = (np.load(folder / name, allow_pickle=False) for name in _MATRIX)
        nonoccurrence_file = folder / _NONOCCURRENCE
        nonoccurrence = np.load(nonoccurrence_file, allow_pickle=False) if nonoccurrence_file.is_file() else None
        if not isinstance(vocab, dict) or indptr.ndim != 1 or len(data) != len(indices) or indptr[-1] != len(data):
            raise ValueError(f"the BM25 files in {shown(folder)} do not fit together")
        return cls(vocab, data.astype(params.get("dtype", "float32"), copy=False), indices, indptr,
                   int(params["num_docs"]), nonoccurrence)

    def save(self, folder: Path) -> None:
        if self._built is None:
            raise RuntimeError("only an index built in this process is saved (a loaded one is already on disk)")
        self._built.save(str(folder), show_progress=False, allow_pickle=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for the query's tokens (a repeated token counts again, as in bm25s)."""
        ids = np.array([self.vocab[t] for t in tokenize(query) if t in self.vocab], dtype=np.int64)
        ids = ids[ids < len(self._indptr) - 1]  # bm25s's placeholder for a passage without words has no column
        scores = np.zeros(self.num_docs, dtype=np.float32)
        for start, end in zip(self._indptr[ids], self._indptr[ids + 1]):
            np.add.at(scores, self._indices[start:end], self._data[start:end])
        if self._nonoccurrence is not None and len(ids):
            scores += self._nonoccurrence[ids].sum()
        return scores


__all__ = ["LexicalIndex"]
