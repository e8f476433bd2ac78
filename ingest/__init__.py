"""Ingestion: corpus folder -> Documents -> citable Sections -> passages (Chunks)."""

from ingest.corpus import Corpus, load_corpus
from ingest.model import Answer, Chunk, Citation, Document, Hit, Section
from ingest.passages import split_passages

__all__ = ["Answer", "Chunk", "Citation", "Corpus", "Document", "Hit", "Section", "load_corpus", "split_passages"]
