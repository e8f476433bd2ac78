"""The guidance is in English: fold accents for searching, and recognise a question that is not in English so a
"not covered" answer can say that only English is supported (instead of leaving a Welsh or French speaker to
think the guidance has nothing on their question)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from qa.model import Answer, AnswerLine, LineKind

ONLY_ENGLISH = ("Only questions in English are supported: the guidance in this collection is in English. "
                "Please ask your question in English.")
_WORD = re.compile(r"[^\W\d_]+")
# Below this share of words the guidance itself uses, a question of 3+ words (or with non-Latin letters) is not English.
MIN_KNOWN_SHARE = 0.4


def fold_accents(text: str) -> str:
    """Letters with accents (precomposed or combining: "bre\u0301ak") become plain letters for searching."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))


class EnglishCheck:
    """Is a question in English? Judged by the share of its words found in the guidance's own vocabulary."""

    def __init__(self, vocabulary: Iterable[str]):
        self.vocabulary = frozenset(vocabulary)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> EnglishCheck:
        return cls(word for text in texts for word in _WORD.findall(fold_accents(text).lower()))

    def looks_english(self, question: str) -> bool:
        words = _WORD.findall(fold_accents(question).lower())
        if not words or (len(words) < 3 and all(w.isascii() for w in words)):
            return True  # too little to judge: a typo or a one-word topic is not a language
        known = sum(w in self.vocabulary for w in words)
        return known / len(words) >= MIN_KNOWN_SHARE


def with_language_note(answer: Answer) -> Answer:
    """A refusal of a question not in English says that only English is supported, after the refusal line."""
    lines = list(answer.lines)
    at = next((n + 1 for n, line in enumerate(lines) if line.kind == LineKind.REFUSAL), len(lines))
    lines.insert(at, AnswerLine(ONLY_ENGLISH, LineKind.REFUSAL))
    return Answer(question=answer.question, refused=answer.refused, lines=tuple(lines), citations=answer.citations,
                  nearest_topics=answer.nearest_topics, notices=answer.notices)


__all__ = ["ONLY_ENGLISH", "EnglishCheck", "fold_accents", "with_language_note"]
