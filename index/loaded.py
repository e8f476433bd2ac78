"""An index opened for searching: records by id plus the two raw searches (dense and BM25)."""

from __future__ import annotations

import contextlib
import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from errors import IndexBusyError, IndexUnavailableError, shown
from index.bank import BankPlaces
from index.build import build_index, ensure_index, records_match_corpus
from index.dense import DenseIndex
from index.embedder import Embedder
from index.lexical import LexicalIndex
from index.store import (
    IndexCheck,
    check_index,
    read_bank,
    read_bank_questions,
    read_records,
    read_units,
    recover_interrupted_swap,
)
from ingest.model import Document, Passage, Section
from ingest.units import AnswerUnit
from settings import Settings

if TYPE_CHECKING:
    from ingest.bank import PlacedQuestion

log = logging.getLogger("lac.index")


@dataclass
class SearchIndex:
    path: Path
    documents: dict[str, Document]
    sections: dict[str, Section]
    passages: list[Passage]
    vectors: DenseIndex
    lexical: LexicalIndex
    manifest: dict = field(default_factory=dict)
    units: list[AnswerUnit] = field(default_factory=list)  # the passages' sentences and bullets, in order
    unit_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    stale: str = ""  # set when an out-of-date index is served because it could not be rebuilt
    # The question bank (ingest/bank.py): where each question's gold stands, one vector per question, and the
    # folder its questions are read from when asked for (`bank`; None: no questions).
    bank_places: BankPlaces = field(default_factory=BankPlaces.empty)
    bank_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    bank_folder: Path | None = None

    @functools.cached_property
    def bank(self) -> list[PlacedQuestion]:
        """The bank's questions, each placed on its passages and units (read on first use: answering needs only
        `bank_places`)."""
        return read_bank_questions(self.bank_folder, self.bank_places) if self.bank_folder is not None else []

    @functools.cached_property
    def bank_documents(self) -> frozenset[str]:
        """The documents that some bank question is answered by."""
        return frozenset(self.passages[n].doc_id for n in set(self.bank_places.passage_ids.tolist()))

    @functools.cached_property
    def section_passages(self) -> dict[str, list[int]]:
        """Per section, the positions of its passages in reading order (built once; retrieval and scoring share it)."""
        positions: dict[str, list[int]] = {}
        for position, passage in enumerate(self.passages):
            positions.setdefault(passage.section_id, []).append(position)
        return positions

    def dense(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        return self.vectors.search(query_vector, k)

    def bm25(self, query: str, k: int) -> list[tuple[int, float]]:
        scores = self.lexical.scores(query)
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def open_index(settings: Settings, *, embedder: Embedder | None = None, rebuild: bool = True,
               progress: bool = False) -> SearchIndex:
    """Open settings.index_dir, first rebuilding it from settings.corpus_dir if it is missing, damaged, forged or
    stale.

    With rebuild=False the index is used as it is, once its own file hashes check out (no corpus needed).
    When a stale index cannot be rebuilt (read-only folder, full disk), the existing one is served with a warning.
    """
    index_dir = settings.index_dir
    with contextlib.suppress(OSError):  # read-only: nothing to repair there
        recover_interrupted_swap(index_dir)
    corpus_dir = settings.corpus_dir if rebuild else None
    # One check (it hashes every index and corpus file); checked again only after a rebuild.
    check = check_index(index_dir, settings, corpus_dir)
    stale = ""
    if rebuild and not check.usable:
        check, stale = _rebuild_or_serve_stale(settings, embedder, progress, check.reason)
    if not check.usable:
        raise IndexUnavailableError(f"The index cannot be used: {check.reason}. Rebuild it with: python -m index build")
    folder = index_dir.resolve()  # one version folder throughout, even if a build swaps in another meanwhile
    documents, sections, passages, vectors = read_records(folder)
    lexical = LexicalIndex.load(folder / "bm25")  # before the checks: meanwhile an encoder loading in the background
    problem = _forgery(settings, embedder, vectors, documents, sections, passages,
                       corpus_dir if rebuild and not stale else None)
    if problem and rebuild:
        log.warning("rebuilding the index: %s", problem)
        check, stale = _rebuild_or_serve_stale(settings, embedder, progress, problem, force=True)
        folder = index_dir.resolve()
        documents, sections, passages, vectors = read_records(folder)
        lexical = LexicalIndex.load(folder / "bm25")
        problem = _forgery(settings, embedder, vectors, documents, sections, passages, None)
    if problem:
        raise IndexUnavailableError(f"The index at {shown(index_dir)} cannot be used: {problem}. "
                                    "Rebuild it with: python -m index build")
    units, unit_vectors = read_units(folder, passages)
    bank_places, bank_vectors = read_bank(folder, passages, units)
    return SearchIndex(
        path=index_dir,
        documents={d.doc_id: d for d in documents},
        sections={s.section_id: s for s in sections},
        passages=passages,
        vectors=vectors,
        lexical=lexical,
        manifest=check.manifest or {},
        units=units,
        unit_vectors=unit_vectors,
        stale=stale,
        bank_places=bank_places,
        bank_vectors=bank_vectors,
        bank_folder=folder,
    )


def _rebuild_or_serve_stale(settings: Settings, embedder: Embedder | None, progress: bool, reason: str,
                            force: bool = False) -> tuple[IndexCheck, str]:
    """Rebuild; if the folder cannot be written (read-only, disk full) keep serving an intact index, saying so."""
    index_dir = settings.index_dir
    try:
        if force:
            build_index(settings, embedder=embedder, progress=progress)
        else:
            ensure_index(settings, embedder=embedder, progress=progress)
    except IndexBusyError as exc:  # another build holds the lock (stopped, or slow): the old index, if intact
        intact = check_index(index_dir, settings, None)
        if force or not intact.usable:  # never serve an index found forged
            raise
        stale = f"{exc} Meanwhile answers come from the index as it was built ({reason})."
        log.warning(stale)
        return intact, stale
    except OSError as exc:
        intact = check_index(index_dir, settings, None)
        why = exc.strerror or exc.__class__.__name__
        if force or not intact.usable:
            raise IndexUnavailableError(
                f"The index at {shown(index_dir)} needs rebuilding ({reason}) but cannot be written: {why}. "
                "Rebuild it where it can be written: python -m index build --out DIR") from exc
        stale = (f"The index at {shown(index_dir)} is out of date ({reason}) and cannot be rebuilt here ({why}); "
                 "answers come from the index as it was built.")
        log.warning(stale)
        return intact, stale
    return check_index(index_dir, settings, settings.corpus_dir), ""


def _forgery(settings: Settings, embedder: Embedder | None, vectors, documents, sections, passages, corpus_dir) -> str:
    """Checks that hashes cannot vouch for: vector size against the model, and (for an index of at most
    settings.verify_max_passages passages) the records against what the corpus files give when ingested again.
    The model is asked last: it may still be loading (Embedder.start_warm_up)."""
    if corpus_dir is not None and len(passages) <= settings.verify_max_passages:
        problem = records_match_corpus(settings, corpus_dir, documents, sections, passages)
        if problem:
            return problem
    if embedder is not None and vectors.dimension != embedder.dimension:
        return f"its vectors have {vectors.dimension} dimensions, the model {settings.embedding_model} gives {embedder.dimension}"
    return ""


__all__ = ["SearchIndex", "open_index"]
