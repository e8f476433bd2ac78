"""The `ask` contract in one object (Assistant: one Pipeline and the answer cache), and question clean-up."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from errors import BadInputError
from index.embedder import Embedder
from ingest.model import Document, Section
from qa.evidence import WEIGHTS_FILE, EvidenceWeights
from qa.model import Answer, Retrieval
from qa.pipeline import LRU, Pipeline
from qa.safety import Assessment, SafetyWeights
from qa.safety.classify import WEIGHTS_FILE as SAFETY_WEIGHTS_FILE
from settings import Settings

ANSWER_CACHE = 1024  # distinct (question, history) pairs whose answers are kept

if TYPE_CHECKING:
    from index.loaded import SearchIndex


def clean_question(question: str, max_chars: int, what: str = "That question") -> str:
    """Control characters out, whitespace folded; empty or overlong questions refused with a next step.

    Compatibility forms are folded (NFKC: full-width letters, ligatures); invisible format characters (zero-width
    space, soft hyphen, bidi marks) are removed so they cannot split words; other control, surrogate and
    unassigned characters become spaces."""
    if not isinstance(question, str):
        raise BadInputError("The question must be text.")
    if len(question) > 20 * max_chars:  # far too long to be a question: refuse before doing any work on it
        raise _too_long(len(question), max_chars, what)
    text = unicodedata.normalize("NFKC", "".join(_clean_char(ch) for ch in question))
    text = " ".join(text.split())
    if not text:
        raise BadInputError("Type a question, for example: Can I get a break from caring?")
    if len(text) > max_chars:
        raise _too_long(len(text), max_chars, what)
    return text


def clean_history(history: object, max_chars: int) -> tuple[str, ...]:
    """Earlier questions, oldest first, each cleaned like a question; empty and null items are skipped, anything
    else that is not text is refused with a message naming the item."""
    if history is None:
        return ()
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise BadInputError("The history must be a list of earlier questions (text), oldest first.")
    cleaned = []
    for n, item in enumerate(history, start=1):
        if item is None or (isinstance(item, str) and not item.strip()):
            continue
        if not isinstance(item, str):
            raise BadInputError(f"History item {n} must be text (an earlier question), not {type(item).__name__}.")
        cleaned.append(clean_question(item, max_chars, what=f"Earlier question {n} in the history"))
    return tuple(cleaned)


def _clean_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category == "Cf":
        return ""
    return " " if category[0] == "C" else ch


def _too_long(length: int, max_chars: int, what: str = "That question") -> BadInputError:
    return BadInputError(
        f"{what} is {length:,} characters long; the limit is {max_chars:,}. Ask it in a sentence or two."
    )


def outline_of(documents: Mapping[str, Document], sections: Mapping[str, Section]) -> list[tuple[Document, list[Section]]]:
    """Documents in their given (manifest) order, each with its sections sorted by reading order."""
    by_doc: dict[str, list[Section]] = {doc_id: [] for doc_id in documents}
    for section in sorted(sections.values(), key=lambda s: (s.order, s.section_id)):
        if section.doc_id in by_doc:
            by_doc[section.doc_id].append(section)
    return [(documents[doc_id], secs) for doc_id, secs in by_doc.items()]


class Assistant:
    """The `ask` contract for the CLI, the app, the evaluation and the benchmarks: cheap to construct; `warm_up`
    opens the one Pipeline (qa/pipeline.py: the index and every part, ready), and answers are kept per question."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None, chat_model: object = None,
                 evidence_weights: EvidenceWeights | Path | None = WEIGHTS_FILE,
                 safety_weights: SafetyWeights | Path | None = SAFETY_WEIGHTS_FILE):
        """`chat_model`: a LangChain chat model for generated answers (default: from settings, off if unset).
        `evidence_weights`: the fitted answer weights, or their file (None only to fit them: train.fit).
        `safety_weights`: the safety classifier's weights, or their file (None: the pattern floor only)."""
        self.settings = settings
        self.embedder = embedder or Embedder.from_settings(self.settings)
        self._chat_model = chat_model
        self._evidence_weights = evidence_weights
        self._safety_weights = safety_weights
        self._pipeline: Pipeline | None = None
        self._lock = threading.Lock()
        self._answers: LRU[tuple[str, tuple[str, ...]], Answer] = LRU(ANSWER_CACHE)

    def warm_up(self, progress: bool = False, answering: bool = False) -> None:
        """Open the pipeline (building the index first if it is missing or stale); later calls return at once.
        `answering`: also load what the first answers would load (the app; a one-question CLI does not)."""
        pipeline = self._open(progress)
        if answering:
            pipeline.warm_up_answering()

    def _open(self, progress: bool = False) -> Pipeline:
        if self._pipeline is None:
            with self._lock:
                if self._pipeline is None:
                    self._pipeline = Pipeline.open(self.settings, embedder=self.embedder,
                                                   evidence_weights=self._evidence_weights,
                                                   safety_weights=self._safety_weights,
                                                   chat_model=self._chat_model, progress=progress)
        return self._pipeline

    @property
    def pipeline(self) -> Pipeline:
        """Every part of answering, ready (opened on first use); train/fit.py fits through its scoring API."""
        return self._open()

    @property
    def index(self) -> SearchIndex:
        """The opened index (qa-internal; the app and benchmarks use the read API below)."""
        return self.pipeline.index

    # Read API for the app and the benchmark: the guidance as indexed, and the caches.
    def documents(self) -> dict[str, Document]:
        """Documents by id, in manifest order."""
        return dict(self.index.documents)

    def section(self, section_id: str) -> Section | None:
        return self.index.sections.get(section_id)

    def outline(self) -> list[tuple[Document, list[Section]]]:
        """Every document in manifest order with its sections in reading order."""
        return outline_of(self.index.documents, self.index.sections)

    def clear_caches(self) -> None:
        """Forget cached answers, evidence and query vectors (the benchmark measures uncached answers)."""
        self._answers.clear()
        if self._pipeline is not None:
            self._pipeline.clear_caches()
        self.embedder.clear_cache()

    def retrieve(self, query: str, top_k: int | None = None, bank_exclude: frozenset[int] = frozenset()) -> Retrieval:
        """`bank_exclude`: question-bank positions left out (fitting on the bank: a question must not find itself)."""
        return self.pipeline.retrieve(query, top_k, bank_exclude)

    def safety(self, text: str) -> Assessment:
        """The safety check on one message (qa.safety): which dangers it speaks of, and their notices."""
        return self.pipeline.safety(text)

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        """Answer one question; `history` holds the earlier questions of the same conversation, oldest first."""
        question = clean_question(question, self.settings.max_question_chars)
        cleaned = clean_history(history, self.settings.max_question_chars)
        key = (question, cleaned)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers.put(key, self.pipeline.answer(question, cleaned))
        return answer


__all__ = ["Assistant", "clean_history", "clean_question", "outline_of"]
