"""Embeddings + FAISS + BM25, persisted in an index folder that is checked before use and rebuilt when stale.

The names below are imported on first use (PEP 562): `from index.embedder import Embedder` does not import FAISS or
the corpus parsers."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    "BuildReport": "index.build", "build_index": "index.build", "ensure_index": "index.build",
    "Embedder": "index.embedder", "resolve_model": "index.embedder", "SearchIndex": "index.loaded",
    "open_index": "index.loaded", "IndexCheck": "index.store", "check_index": "index.store",
    "read_manifest": "index.store",
}

if TYPE_CHECKING:
    from index.build import BuildReport, build_index, ensure_index
    from index.embedder import Embedder, resolve_model
    from index.loaded import SearchIndex, open_index
    from index.store import IndexCheck, check_index, read_manifest


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


__all__ = [
    "BuildReport", "Embedder", "IndexCheck", "SearchIndex", "build_index", "check_index", "ensure_index",
    "open_index", "read_manifest", "resolve_model",
]
