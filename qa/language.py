"""The guidance is in English: fold accents for searching, and recognise a question that is not in English so a
"not covered" answer can say that only English is supported (instead of leaving a Welsh or French speaker to
think the guidance has nothing on their question)."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from ingest.text import STOPWORDS
from qa.model import Answer, AnswerLine, LineKind

ONLY_ENGLISH = ("Only questions in English are supported: the guidance in this collection is in English. "
                "Please ask your question in English.")
_WORD = re.compile(r"[^\W\d_]+")
# A question of 3+ words (or with non-Latin letters) is not English when the language identifier gives English a
# probability below this. Chosen from the identifier's figures: every train and dev question (and earlier turn) of
# 3+ words is at least 0.024 ("Is NG205 mandatory?"), Welsh, French, Polish, Spanish, German, Urdu, Arabic... questions
# about fostering are at most 0.008 (tests/test_language.py).
MIN_ENGLISH_PROBABILITY = 0.015
# A question of which at least this share of words are the guidance's own or English function words ("what",
# "have") is English without asking the identifier, which costs about a second and 95 MiB to load: 98.5% of the train
# and dev questions of 3+ words reach it (96% reach 0.6), the foreign questions of tests/test_language.py at most 0.33.
MIN_KNOWN_SHARE = 0.5


def fold_accents(text: str) -> str:
    """Letters with accents (precomposed or combining: "bre\u0301ak") become plain letters for searching."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))


class EnglishCheck:
    """Is a question in English? Judged by an offline language identifier over 140 languages (py3langid, whose
    character n-gram model ships inside the package), not by the guidance's own vocabulary, which made everyday
    words ("cant", "telly", "lad") look foreign. The model takes about a second to load, so it loads on the first
    question judged (only refusals are judged), not at start, and only for a question that is not mostly the
    guidance's own words and English function words."""

    def __init__(self, guidance_words: Iterable[str] = (), min_probability: float = MIN_ENGLISH_PROBABILITY):
        self.known_words = STOPWORDS.union(guidance_words)
        self.min_probability = min_probability
        self._identifier: LanguageIdentifier | None = None
        self._lock = threading.Lock()

    def _model(self) -> LanguageIdentifier:
        with self._lock:
            if self._identifier is None:
                self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            return self._identifier

    def english_probability(self, question: str) -> float:
        ranked = self._model().rank(unicodedata.normalize("NFC", question))
        return next((float(p) for language, p in ranked if language == "en"), 0.0)

    def looks_english(self, question: str) -> bool:
        words = _WORD.findall(question)
        if not words or (len(words) < 3 and all(w.isascii() for w in words)):
            return True  # too little to judge: a typo or a one-word topic is not a language
        if sum(w.lower() in self.known_words for w in words) >= MIN_KNOWN_SHARE * len(words):
            return True
        return self.english_probability(question) >= self.min_probability


def with_language_note(answer: Answer) -> Answer:
    """A refusal of a question not in English says that only English is supported, after the refusal line."""
    lines = list(answer.lines)
    at = next((n + 1 for n, line in enumerate(lines) if line.kind == LineKind.REFUSAL), len(lines))
    lines.insert(at, AnswerLine(ONLY_ENGLISH, LineKind.REFUSAL))
    return Answer(question=answer.question, refused=answer.refused, lines=tuple(lines), citations=answer.citations,
                  nearest_topics=answer.nearest_topics, notices=answer.notices)


__all__ = ["MIN_ENGLISH_PROBABILITY", "MIN_KNOWN_SHARE", "ONLY_ENGLISH", "EnglishCheck", "fold_accents", "with_language_note"]
