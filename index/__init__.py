"""Embeddings + FAISS + BM25, persisted in an index folder that is checked before use and rebuilt when stale."""

from index.build import BuildReport, build_index, ensure_index
from index.embedder import Embedder, resolve_model
from index.loaded import SearchIndex, open_index
from index.store import IndexCheck, check_index, read_manifest

__all__ = [
    "BuildReport", "Embedder", "IndexCheck", "SearchIndex", "build_index", "check_index", "ensure_index",
    "open_index", "read_manifest", "resolve_model",
]
