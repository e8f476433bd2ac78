"""The `ask` contract in one object: cheap to construct, models and index loaded on first use (warm_up)."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from errors import BadInputError
from index.embedder import Embedder
from ingest.model import Answer
from qa.answer import AnswerPolicy, SentencePicker, compose_answer
from qa.conversation import retrieval_query
from qa.retrieve import Retrieval, Retriever
from settings import Settings


def clean_question(question: str, max_chars: int) -> str:
    """Control characters out, whitespace folded; empty or overlong questions refused with a next step."""
    if not isinstance(question, str):
        raise BadInputError("The question must be text.")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in question)
    text = " ".join(text.split())
    if not text:
        raise BadInputError("Type a question, for example: Can I get a break from caring?")
    if len(text) > max_chars:
        raise BadInputError(
            f"That question is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Ask it in a sentence or two."
        )
    return text


class Assistant:
    def __init__(self, settings: Settings | None = None, *, index_dir: Path | None = None,
                 embedder: Embedder | None = None):
        self.settings = settings or Settings.from_env()
        self.index_dir = Path(index_dir) if index_dir else None
        self.embedder = embedder or Embedder(self.settings.embedding_model)
        self._retriever: Retriever | None = None
        self._picker: SentencePicker | None = None
        self._lock = threading.Lock()
        self._cached_ask = lru_cache(maxsize=1024)(self._ask)

    def warm_up(self, progress: bool = False) -> None:
        if self._retriever is not None:
            return
        with self._lock:
            if self._retriever is not None:
                return
            from index.loaded import open_index

            index = open_index(self.settings, index_dir=self.index_dir, embedder=self.embedder, progress=progress)
            self._picker = SentencePicker(index.chunks)
            self._retriever = Retriever(index, self.embedder, self.settings)

    @property
    def index(self):
        self.warm_up()
        return self._retriever.index

    def retrieve(self, query: str, top_k: int | None = None) -> Retrieval:
        self.warm_up()
        return self._retriever.search(query, top_k)

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        """Answer one question; `history` holds the earlier questions of the same conversation, oldest first."""
        question = clean_question(question, self.settings.max_question_chars)
        history = tuple(clean_question(h, self.settings.max_question_chars) for h in history if h and h.strip())
        return self._cached_ask(question, history)

    def _ask(self, question: str, history: tuple[str, ...]) -> Answer:
        self.warm_up()
        query = retrieval_query(question, history)
        retrieval = self.retrieve(query)
        policy = AnswerPolicy(min_similarity=self.settings.min_similarity)
        return compose_answer(question, query, retrieval, self._picker, policy)


__all__ = ["Assistant", "clean_question"]
