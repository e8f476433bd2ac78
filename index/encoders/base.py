"""What every sentence encoder shares: the model folder's layout, its tokenizer, and length-sorted batches.

An encoder turns texts into L2-normalised float32 vectors (rows in input order) the way sentence-transformers
does for a folder with modules Transformer -> Pooling(mean) [-> Normalize]: same tokenizer and truncation
(max_seq_length), mean pooling over real tokens, L2 normalisation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

Progress = Callable[[int], object] | None


class Encoder(Protocol):
    name: str  # the backend, as shown by Embedder.backend_name and the benchmark
    dimension: int
    parallel_batches: bool  # True: Embedder may run batches on several Python threads (the work releases the GIL)

    def encode(self, texts: list[str], batch_size: int = 32, progress: Progress = None) -> np.ndarray: ...


_OTHER_POOLING = ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
                  "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken")


@dataclass(frozen=True)
class ModelLayout:
    """A sentence-transformers folder that mean-pools one transformer (the layout our own encoders reproduce)."""

    folder: Path
    config: dict  # the transformer's config.json
    max_seq_length: int
    normalize: bool
    config_files: tuple[Path, ...]  # the JSON files that define the network (hashed with the weights for exports)


def read_layout(folder: str | Path) -> ModelLayout | None:
    """The folder's layout, or None when it is not Transformer -> mean Pooling [-> Normalize] with a
    tokenizer.json (other layouts are left to sentence-transformers)."""
    folder = Path(folder)
    try:
        modules = json.loads((folder / "modules.json").read_text("utf-8"))
        config = json.loads((folder / "config.json").read_text("utf-8"))
        types = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if types[:2] != ["Transformer", "Pooling"] or any(t != "Normalize" for t in types[2:]):
            return None
        pooling_file = folder / next(m["path"] for m in modules if m["type"].endswith("Pooling")) / "config.json"
        pooling = json.loads(pooling_file.read_text("utf-8"))
        if not pooling.get("pooling_mode_mean_tokens") or any(pooling.get(k) for k in _OTHER_POOLING):
            return None
        st_config = json.loads((folder / "sentence_bert_config.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError, StopIteration):
        return None
    if not (folder / "tokenizer.json").is_file():
        return None
    max_seq_length = int(st_config.get("max_seq_length") or 512)
    max_seq_length = min(max_seq_length, int(config.get("max_position_embeddings") or max_seq_length))
    return ModelLayout(folder, config, max_seq_length, normalize="Normalize" in types,
                       config_files=(folder / "modules.json", folder / "config.json", pooling_file,
                                     folder / "sentence_bert_config.json"))


def load_tokenizer(layout: ModelLayout):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(layout.folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=layout.max_seq_length)
    return tokenizer


def padded_batches(token_ids: list[list[int]], batch_size: int) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
    """(row numbers, ids, attention mask) per batch, longest texts first so each batch carries little padding."""
    order = sorted(range(len(token_ids)), key=lambda i: -len(token_ids[i]))
    for start in range(0, len(order), batch_size):
        chosen = order[start:start + batch_size]
        length = max(len(token_ids[i]) for i in chosen)
        ids = np.zeros((len(chosen), length), dtype=np.int64)
        mask = np.zeros((len(chosen), length), dtype=np.int64)
        for row, i in enumerate(chosen):
            ids[row, :len(token_ids[i])] = token_ids[i]
            mask[row, :len(token_ids[i])] = 1
        yield chosen, ids, mask


def mean_pool(hidden: np.ndarray, mask: np.ndarray, normalize: bool) -> np.ndarray:
    """Mean over real tokens, then (for models with a Normalize module) unit length, as sentence-transformers."""
    weights = mask[:, :, None].astype(hidden.dtype)
    pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
    if normalize:
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return pooled.astype(np.float32, copy=False)


__all__ = ["Encoder", "ModelLayout", "Progress", "load_tokenizer", "mean_pool", "padded_batches", "read_layout"]
