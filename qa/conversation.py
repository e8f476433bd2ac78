"""Follow-up questions: a short or referring question borrows the previous question's words for retrieval."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.text import tokenize

_OPENS_A_FOLLOW_UP = re.compile(
    r"^\s*(and|also|but|what about|how about|what if|does (that|this|it)|do (they|those|these)|is (that|this|it)|"
    r"can (they|it|that)|same for|for)\b",
    re.IGNORECASE,
)
_REFERS_BACK = re.compile(r"\b(that|this|it|they|them|those|these)\b", re.IGNORECASE)
REFERRING_QUESTION_WORDS = 7


def is_follow_up(question: str) -> bool:
    """Opens like a follow-up ("and for...", "what about...") or is short and points back ("does that apply?").

    A short question that does neither ("What is the capital of France?") stands alone.
    """
    if _OPENS_A_FOLLOW_UP.search(question):
        return True
    return len(question.split()) <= REFERRING_QUESTION_WORDS and bool(_REFERS_BACK.search(question))


def retrieval_query(question: str, history: Sequence[str] = ()) -> str:
    """The text retrieval should search for, given the earlier questions in this conversation (oldest first)."""
    previous = [h.strip() for h in history if h and h.strip()]
    if previous and is_follow_up(question):
        return f"{previous[-1]} {question}"
    return question


_PART_BREAK = re.compile(
    r"\?\s+|;\s+|,?\s+and also\s+|,?\s+and (?=(?:how|what|who|when|where|can|do|does|is|will|should)\b)",
    re.IGNORECASE,
)


def question_parts(question: str) -> list[str]:
    """Split a compound question ("Can I get respite and how much will I be paid?") into its parts.

    A later part that points back ("who must act on it?") carries the first part with it, so it can be
    judged on its own.
    """
    parts = [p.strip() for p in _PART_BREAK.split(question) if tokenize(p)]
    return parts[:1] + [f"{parts[0]} {p}" if _REFERS_BACK.search(p) else p for p in parts[1:]]


__all__ = ["is_follow_up", "question_parts", "retrieval_query"]
