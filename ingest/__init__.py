"""Ingestion: corpus folder -> Documents -> citable Sections -> Passages.

The names below are imported on first use (PEP 562): `from ingest.model import Passage` does not import the
parsers and the settings."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {"Corpus": "ingest.corpus", "load_corpus": "ingest.corpus", "Document": "ingest.model",
          "Passage": "ingest.model", "Section": "ingest.model", "split_passages": "ingest.passages"}

if TYPE_CHECKING:
    from ingest.corpus import Corpus, load_corpus
    from ingest.model import Document, Passage, Section
    from ingest.passages import split_passages


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


__all__ = ["Corpus", "Document", "Passage", "Section", "load_corpus", "split_passages"]
