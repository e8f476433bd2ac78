"""Sentence embeddings, loaded on first use so constructing an Embedder (and importing this module) stays cheap.

The encoder itself is chosen by settings.embedder_backend (index/encoders/factory.py); this class adds what
every backend shares: the query-vector cache, batches spread over threads, a progress bar, call counters.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.encoders import create_encoder, resolve_model
from index.encoders.adapter import adapter_folder
from index.encoders.base import Encoder
from settings import Settings


class Embedder:
    """Normalised float32 vectors so inner product is cosine similarity."""

    def __init__(self, model_name: str, batch_size: int = 16, backend: str | None = None,
                 workers: int | None = None, threads: int = 1, cache_dir: Path | None = None,
                 adapter: Path | None = None):
        self.model_name = model_name
        self.adapter = adapter  # merged into the model at load (index/encoders/adapter.py)
        self.batch_size = batch_size  # 16: less padding than 32, as fast or faster in ORT (8-32 measured, load 9)
        self.backend = backend or "auto"
        self.threads = threads  # intra-op threads of one encoder call (ONNX Runtime)
        self.cache_dir = Path(cache_dir or Settings().model_cache_dir)  # the default; from_settings passes LAC_'s
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()
        self._loading: threading.Thread | None = None
        self._load_error: Exception | None = None  # from a background load, raised by the next warm_up()
        self.texts_embedded = 0  # texts that reached the model (the benchmark reports it)
        # Per instance, so a dropped embedder frees its cache (a cache on the method would keep every instance).
        self._embed_query_cached = lru_cache(maxsize=2048)(self._embed_query)

    @classmethod
    def from_settings(cls, settings: Settings) -> Embedder:
        return cls(settings.embedding_model, backend=settings.embedder_backend, threads=settings.embedder_threads,
                   cache_dir=settings.model_cache_dir, adapter=adapter_folder(settings.embedding_adapter,
                                                                        settings.embedding_model))

    def warm_up(self) -> None:
        if self._encoder is not None:
            return
        with self._lock:
            if self._load_error is not None:  # the background load failed: raise it here, once; a later call retries
                error, self._load_error = self._load_error, None
                raise error
            self._load()

    def start_warm_up(self) -> None:
        """Load the encoder on a background thread; warm_up() and every use wait for it. ONNX Runtime builds its
        session (most of the load) without holding the GIL, so opening the index meanwhile costs no extra time."""
        if self._encoder is None and self._loading is None:
            # Not a daemon: a program that stops early (a bad corpus folder) waits for the load to finish instead of
            # exiting under ONNX Runtime's session set-up ("terminate called without an active exception", 134).
            self._loading = threading.Thread(target=self._load_in_background, name="lac-encoder-load", daemon=False)
            self._loading.start()

    def _load_in_background(self) -> None:
        with self._lock:
            try:
                self._load()
            except Exception as exc:  # noqa: BLE001 - handed to the caller of the next warm_up()
                self._load_error = exc

    def _load(self) -> None:
        """Create the encoder (the caller holds the lock)."""
        if self._encoder is None:
            self._encoder = create_encoder(self.model_name, self.backend, cache_dir=self.cache_dir,
                                           threads=self.threads, adapter=self.adapter)

    @property
    def encoder(self) -> Encoder:
        self.warm_up()
        assert self._encoder is not None
        return self._encoder

    @property
    def dimension(self) -> int:
        return self.encoder.dimension

    @property
    def backend_name(self) -> str:
        return self.encoder.name

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        encoder = self.encoder
        if not texts:
            return np.zeros((0, encoder.dimension), dtype=np.float32)
        self.texts_embedded += len(texts)
        texts = list(texts)
        bar = _progress(len(texts), show_progress)
        try:
            if len(texts) <= self.batch_size or self.workers == 1 or not encoder.parallel_batches:
                return encoder.encode(texts, self.batch_size, bar.update if bar else None)
            return self._embed_in_threads(encoder, texts, bar.update if bar else None)
        finally:
            if bar:
                bar.close()

    def _embed_in_threads(self, encoder: Encoder, texts: list[str], progress) -> np.ndarray:
        """Slices of similar-length texts (little padding per batch) spread over `workers` threads."""
        from concurrent.futures import ThreadPoolExecutor

        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        step = self.batch_size * 4
        slices = [order[i:i + step] for i in range(0, len(order), step)]
        out = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
        with ThreadPoolExecutor(self.workers) as pool:
            results = pool.map(lambda ids: (ids, encoder.encode([texts[i] for i in ids], self.batch_size, progress)),
                               slices)
            for ids, vectors in results:
                out[ids] = vectors
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
