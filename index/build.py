"""Build an index folder from a corpus folder: parse, split, embed, write (timed, with progress)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from index import store
from index.dense import DenseIndex
from index.embedder import Embedder
from index.encoders import vector_space
from index.encoders.adapter import adapter_folder
from index.lexical import LexicalIndex
from index.store import build_key, build_lock, check_index, corpus_fingerprint, read_manifest, write_index
from index.vectors import VectorCache, cache_secret
from ingest import load_corpus, split_passages
from ingest.loaders import FileLimits
from ingest.units import SCORED_UNIT_KINDS, answer_units
from settings import Settings

log = logging.getLogger("lac.index")


@dataclass(frozen=True)
class BuildReport:
    documents: int
    sections: int
    passages: int
    warnings: tuple[str, ...]
    seconds: dict[str, float]  # model_load, parsing, embedding, writing, total
    reused_vectors: int = 0  # passages and answer units whose vectors came from the cache, not the model
    vector_index: str = ""  # the FAISS index type chosen for this size
    bank_questions: int = 0  # question-bank questions indexed (corpus/questions)


def passage_text_for_search(label: str, text: str) -> str:
    """What gets embedded and BM25-indexed: the label carries the recommendation title into every passage."""
    return f"{label}\n{text}"


def build_index(settings: Settings, *, embedder: Embedder | None = None, progress: bool = False) -> BuildReport:
    """Build settings.index_dir from settings.corpus_dir."""
    from ingest.bank import SpanLocator, load_bank  # its validation models: for building, not for every start

    corpus_dir, index_dir = settings.corpus_dir, settings.index_dir
    store.check_index_target(index_dir, corpus_dir)  # a user's folder, file or the corpus: refused, nothing touched
    embedder = embedder or Embedder.from_settings(settings)
    seconds: dict[str, float] = {}
    start = time.perf_counter()

    with build_lock(index_dir, wait=settings.build_lock_wait):
        fingerprint = corpus_fingerprint(corpus_dir, settings.max_file_bytes)
        t = time.perf_counter()
        corpus = load_corpus(corpus_dir, FileLimits.from_settings(settings))
        passages = split_passages(list(corpus.sections), settings.max_passage_chars)
        labels = {s.section_id: s.label for s in corpus.sections}
        units = answer_units(passages, labels, {s.section_id for s in corpus.sections if s.kind == "pointer"})
        bank = load_bank(corpus_dir, labels)
        placed, unplaced = SpanLocator(passages, units).place(bank)
        for warning in (*bank.warnings, *unplaced):
            log.warning("question bank: %s", warning)
        seconds["parsing"] = time.perf_counter() - t

        t = time.perf_counter()
        embedder.warm_up()
        seconds["model_load"] = time.perf_counter() - t

        texts = [passage_text_for_search(labels[c.section_id], c.text) for c in passages]
        t = time.perf_counter()
        # Vectors cached by text hash in the index folder: an incremental rebuild embeds only new passages.
        # A killed build's checkpoint is merged in, and the checkpoint is refreshed while this build embeds.
        cache = VectorCache.load(index_dir, vector_space(settings.embedding_model, settings.embedder_backend,
                                  adapter_folder(settings.embedding_adapter, settings.embedding_model)),
                                 secret=cache_secret(settings.model_cache_dir))
        # Passages and their answer units (sentences, bullets) in one batch: answers score units by meaning too.
        # (context lines and list lead-ins are never quoted, so they are not embedded: their rows stay zero)
        scored = [n for n, u in enumerate(units) if u.kind in SCORED_UNIT_KINDS]
        checkpoint = checkpoint_dir(index_dir)
        cache.merge(checkpoint)
        # Bank questions are embedded with them (asked as written, the way a user's question is).
        all_vectors, keys, reused = cache.embed(
            embedder, texts + [units[n].text for n in scored] + [q.question.question for q in placed],
            show_progress=progress, checkpoint=lambda c: c.save_all(checkpoint))
        vectors = all_vectors[: len(texts)]
        unit_vectors = np.zeros((len(units), vectors.shape[1]), dtype=np.float32)
        unit_vectors[scored] = all_vectors[len(texts) : len(texts) + len(scored)]
        bank_vectors = all_vectors[len(texts) + len(scored) :]
        vector_index = DenseIndex.build(vectors, settings.exact_search_max)
        lexical = LexicalIndex.build(texts)
        seconds["embedding"] = time.perf_counter() - t

        t = time.perf_counter()
        built_from = dict(
            build_key(settings),
            corpus=fingerprint,
            corpus_dir=str(corpus_dir),
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        write_index(index_dir, documents=list(corpus.documents), sections=list(corpus.sections),
                    passages=passages, vectors=vector_index, bm25=lexical, built_from=built_from,
                    units=units, unit_vectors=unit_vectors, bank=placed, bank_vectors=bank_vectors,
                    extra=lambda folder: cache.save(folder, keys, all_vectors))
        seconds["writing"] = time.perf_counter() - t
        store.remove_checkpoint(checkpoint)
    seconds["total"] = time.perf_counter() - start
    log.info("built index at %s: %d passages in %.1fs", index_dir, len(passages), seconds["total"])
    return BuildReport(len(corpus.documents), len(corpus.sections), len(passages),
                       (*corpus.warnings, *bank.warnings, *unplaced, *cache.warnings), seconds, reused,
                       vector_index.kind, len(placed))


def checkpoint_dir(index_dir: Path) -> Path:
    """Where a build keeps the vectors embedded so far, so a killed build does not lose them."""
    return index_dir.parent / f".{index_dir.name}.embedding-checkpoint"


def records_match_corpus(settings: Settings, corpus_dir: Path, documents, sections, passages) -> str:
    """Ingest the corpus again and compare: the index's documents, sections and passages must be exactly what
    these files give (a forged index whose hashes were all rewritten still fails). Empty when they match."""
    corpus = load_corpus(corpus_dir, FileLimits.from_settings(settings))
    if [replace(d, text="", path="") for d in corpus.documents] != [replace(d, path="") for d in documents]:
        return "its document records are not what the corpus files give"
    if list(corpus.sections) != list(sections):
        return "its sections are not what the corpus files give"
    if split_passages(list(corpus.sections), settings.max_passage_chars) != list(passages):
        return "its passages are not what the corpus files give"
    return ""


def settings_for_index(settings: Settings, index_dir: Path) -> Settings:
    """Settings for using another index folder (--index DIR), at an entry point. The configured index is checked
    against the configured corpus (LAC_CORPUS_DIR: changing it makes the index stale); another folder against the
    corpus it was built from, when that still exists."""
    if Path(index_dir).absolute() == settings.index_dir.absolute():
        return settings
    recorded = (read_manifest(Path(index_dir)) or {}).get("corpus_dir")
    corpus_dir = Path(recorded) if recorded and Path(recorded).is_dir() else settings.corpus_dir
    return settings.replace(index_dir=Path(index_dir), corpus_dir=corpus_dir)


def ensure_index(settings: Settings, *, embedder: Embedder | None = None,
                 progress: bool = False) -> BuildReport | None:
    """Rebuild when the index is missing, damaged, stale or built with other settings; None when it was fine."""
    index_dir, corpus_dir = settings.index_dir, settings.corpus_dir
    check = check_index(index_dir, settings, corpus_dir)
    if check.usable:
        return None
    store.check_index_target(index_dir, corpus_dir)  # before the lock file: a user's file or folder is left untouched
    log.warning("rebuilding the index: %s", check.reason)
    with build_lock(index_dir, wait=settings.build_lock_wait):
        # Another process may have rebuilt it while this one waited for the lock.
        if check_index(index_dir, settings, corpus_dir).usable:
            return None
        return build_index(settings, embedder=embedder, progress=progress)


__all__ = ["BuildReport", "build_index", "checkpoint_dir", "ensure_index", "passage_text_for_search",
           "records_match_corpus", "settings_for_index"]
