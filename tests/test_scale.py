"""Scale features: synthetic corpora, FAISS index by size, HNSW recall, incremental rebuild, numpy encoder.
Fast and deterministic; no timing assertions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.index_fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]


def _unit(rng, n, d=32):
    v = rng.standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_synthetic_corpus_is_deterministic_and_realistic(tmp_path):
    from bench.synth import passages, sentences, write_corpus

    pool, lengths = sentences(ROOT / "corpus")
    assert len(pool) > 100 and all(20 <= len(s) <= 400 for s in pool)
    a = passages(50, pool, lengths, seed=3)
    assert a == passages(50, pool, lengths, seed=3) and len(set(a)) == 50
    assert all(len(p) >= min(lengths) for p in a)
    assert all(any(p.startswith(s) for s in pool) for p in a)  # made of the corpus's own sentences
    files = write_corpus(tmp_path, 120, seed=1)
    assert len(files) == 3 and files[0].read_text("utf-8").count("\n## ") == 50


def test_faiss_index_chosen_by_size():
    from index.dense import DenseIndex

    rng = np.random.default_rng(0)
    small = DenseIndex.build(_unit(rng, 50), exact_max=100)
    large = DenseIndex.build(_unit(rng, 150), exact_max=100)
    assert small.kind == "IndexFlatIP"
    assert large.kind.startswith("HNSWFlat(M=32")
    vectors = large.all_vectors()
    ((top, score),) = large.search(vectors[7], 1)  # inner product: a unit vector scores 1.0 against itself (L2: 0.0)
    assert top == 7 and abs(score - 1.0) < 1e-5
    assert large.size == 150


def test_hnsw_recall_against_exact_search():
    from index.dense import DenseIndex, recall_at_k

    rng = np.random.default_rng(1)
    vectors, queries = _unit(rng, 2000), _unit(rng, 50)
    exact = DenseIndex.build(vectors, exact_max=10**9)
    hnsw = DenseIndex.build(vectors, exact_max=0)
    assert recall_at_k(hnsw, exact, queries, 10) >= 0.95
    assert recall_at_k(exact, exact, queries, 10) == 1.0


def test_incremental_rebuild_reuses_cached_vectors(tmp_path):
    from bench.synth import write_corpus
    from index.build import build_index
    from index.vectors import SPOT_CHECK_ROWS
    from settings import Settings

    corpus = tmp_path / "corpus"
    write_corpus(corpus, 100, seed=2)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "idx")
    first = FakeEmbedder()
    report = build_index(settings, embedder=first)
    # every distinct text (passages and their answer units) embedded once; repeats are reused, not re-embedded
    assert len(first.texts) == len(set(first.texts)) >= report.passages
    keys = json.loads((tmp_path / "idx" / "embedding-cache.json").read_text())["keys"]
    assert len(set(keys)) == len(first.texts)

    extra = tmp_path / "extra"
    write_corpus(extra, 5, seed=9)
    (corpus / "added.md").write_text(next(extra.glob("*.md")).read_text("utf-8"), encoding="utf-8")
    second = FakeEmbedder()
    again = build_index(settings, embedder=second)
    assert again.passages > report.passages
    assert again.reused_vectors >= report.passages  # the old passages were not embedded again
    # only new texts, plus the few cached rows embedded again to verify the cache (index/vectors.py)
    new_texts = [t for t in second.texts if t not in set(first.texts)]
    assert new_texts and len(second.texts) - len(new_texts) == SPOT_CHECK_ROWS


def test_vector_cache_ignores_other_models(tmp_path):
    from index.vectors import VectorCache

    secret = b"k" * 32  # this computer's cache key
    cache = VectorCache("model-a", secret=secret)
    vectors, keys, reused = cache.embed(FakeEmbedder(), ["one", "two", "one"])
    assert reused == 1 and vectors.shape == (3, 16)
    cache.save(tmp_path, keys, vectors)
    assert len(VectorCache.load(tmp_path, "model-a", secret=secret).rows) == 2
    assert VectorCache.load(tmp_path, "model-b", secret=secret).rows == {}
