"""Ingestion: corpus folder -> Documents -> citable Sections -> Passages."""

from ingest.corpus import Corpus, load_corpus
from ingest.model import Document, Passage, Section
from ingest.passages import split_passages

__all__ = ["Corpus", "Document", "Passage", "Section", "load_corpus", "split_passages"]
