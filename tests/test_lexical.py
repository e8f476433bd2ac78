"""BM25 at question time: scores from bm25s's saved arrays, equal to bm25s's own, without importing bm25s."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.lexical import LexicalIndex
from ingest.text import tokenize

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ["Respite care gives foster carers a break.", "Siblings should be placed together where possible.",
         "", "Carers, carers and more carers: respite, respite.", "The independent reviewing officer chairs reviews."]
QUERIES = ["respite for carers", "carers carers", "siblings placed together", "nothing matches here", "", "IRO reviews"]


def test_loaded_scores_equal_bm25s_scores(tmp_path):
    import bm25s

    built = LexicalIndex.build(TEXTS)
    built.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    reference = bm25s.BM25.load(str(tmp_path / "bm25"), load_corpus=False, mmap=False, allow_pickle=False)
    for query in QUERIES:
        tokens = [t for t in tokenize(query) if t in reference.vocab_dict]
        expected = (np.asarray(reference.get_scores(tokens), dtype=np.float32) if tokens
                    else np.zeros(len(TEXTS), dtype=np.float32))
        for index in (built, loaded):
            scores = index.scores(query)
            assert scores.dtype == np.float32 and np.array_equal(scores, expected), query


def test_loading_and_scoring_import_neither_bm25s_nor_scipy(tmp_path):
    LexicalIndex.build(TEXTS).save(tmp_path / "bm25")
    code = ("import sys; from pathlib import Path; from index.lexical import LexicalIndex; "
            "print(LexicalIndex.load(Path(sys.argv[1])).scores('respite carers').argmax(), "
            "[m for m in ('bm25s', 'scipy') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "bm25")], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["3", "[]"]


def test_a_loaded_index_is_not_saved_again(tmp_path):
    LexicalIndex.build(TEXTS).save(tmp_path / "bm25")
    with pytest.raises(RuntimeError, match="already on disk"):
        LexicalIndex.load(tmp_path / "bm25").save(tmp_path / "again")
