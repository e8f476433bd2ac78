"""The scale curve for bench/bench.py: synthetic corpora (bench/synth.py) of growing size, exact vs HNSW search.

Sizes up to `embed_max` passages are embedded with the real model (build throughput measured). Larger sizes use
proxy vectors, the normalised mean of the real vectors of the passage's sentences, so FAISS/BM25 build time,
search latency, recall@10 of HNSW against exact search, disk size and memory are measured at full size while
the embedding time is extrapolated from the measured passages/second (embedding 100k passages with MiniLM on
this 2-core machine takes hours); the report marks which is which.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import numpy as np

from bench.bench import latencies
from settings import Settings


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20


def scale_curve(settings: Settings, sizes: list[int], embed_max: int, work: Path) -> list[dict]:
    from bench.bench import pct, questions, rss_mb
    from bench.synth import passage_parts, sentences
    from index.dense import DenseIndex, id_recall_at_k, recall_at_k
    from index.embedder import Embedder
    from index.lexical import LexicalIndex

    embedder = Embedder.from_settings(settings)
    embedder.warm_up()
    pool, lengths = sentences()
    pool_vectors = embedder.embed(pool)
    qs = questions()[:100]
    q_vectors = embedder.embed(qs)
    rows = []
    measured_rate = None
    for n in sizes:
        parts = passage_parts(n, pool, lengths, seed=n)
        texts = [" ".join(pool[i] for i in p) for p in parts]
        rss0 = rss_mb()
        t = time.perf_counter()
        if n <= embed_max:
            vectors = embedder.embed(texts, show_progress=True)
            embed_s = time.perf_counter() - t
            measured_rate = n / embed_s
            real = True
        else:
            vectors = np.stack([pool_vectors[p].mean(0) for p in parts]).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            embed_s = n / measured_rate if measured_rate else float("nan")
            real = False
        t = time.perf_counter()
        exact = DenseIndex.build(vectors, exact_max=n)
        flat_s = time.perf_counter() - t
        t = time.perf_counter()
        hnsw = DenseIndex.build(vectors, exact_max=0)
        hnsw_s = time.perf_counter() - t
        t = time.perf_counter()
        lexical = LexicalIndex.build(texts)
        bm25_s = time.perf_counter() - t
        recall = recall_at_k(hnsw, exact, q_vectors, 10)
        id_recall = id_recall_at_k(hnsw, exact, q_vectors, 10)
        _, top = exact.search_batch(q_vectors, 10)
        ties = float(np.mean([(vectors @ q >= vectors[t[9]] @ q - 1e-5).sum() for q, t in zip(q_vectors, top)]))
        exact_ms = latencies(partial(exact.search, k=30), q_vectors)
        hnsw_ms = latencies(partial(hnsw.search, k=30), q_vectors)
        bm25_ms = latencies(lexical.scores, qs)
        folder = work / f"scale-{n}"
        folder.mkdir(parents=True, exist_ok=True)
        exact.save(folder / "flat.faiss")
        hnsw.save(folder / "hnsw.faiss")
        lexical.save(folder / "bm25")
        rows.append({
            "passages": n, "real_embedding": real, "embed_s": embed_s,
            "build_passages_per_s": n / (embed_s + flat_s + bm25_s),
            "flat_build_s": flat_s, "hnsw_build_s": hnsw_s, "bm25_build_s": bm25_s,
            "recall_at_10_hnsw": recall, "id_recall_at_10_hnsw": id_recall, "vectors_tied_with_10th": ties,
            "exact_ms": {"p50": 1000 * pct(exact_ms, 50), "p95": 1000 * pct(exact_ms, 95)},
            "hnsw_ms": {"p50": 1000 * pct(hnsw_ms, 50), "p95": 1000 * pct(hnsw_ms, 95)},
            "bm25_ms": {"p50": 1000 * pct(bm25_ms, 50), "p95": 1000 * pct(bm25_ms, 95)},
            "disk_mb": {"flat": (folder / "flat.faiss").stat().st_size / 2**20,
                        "hnsw": (folder / "hnsw.faiss").stat().st_size / 2**20, "bm25": _dir_mb(folder / "bm25")},
            "rss_growth_mb": rss_mb() - rss0,
        })
        print(f"[bench] scale {n}: {rows[-1]}", flush=True)
        del exact, hnsw, lexical, vectors
    return rows


__all__ = ["scale_curve"]
