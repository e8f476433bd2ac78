"""Follow-up questions: a short or referring question borrows the previous question's words for retrieval."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.text import tokenize

_OPENS_A_FOLLOW_UP = re.compile(
    r"^\s*(and|also|but|what about|how about|what if|does (that|this|it)|do (they|those|these)|is (that|this|it)|"
    r"can (they|it|that)|same for|for)\b",
    re.IGNORECASE,
)
_REFERS_BACK = re.compile(r"\b(that|this|it|they|them|those|these)\b", re.IGNORECASE)
SHORT_QUESTION_TERMS = 3
REFERRING_QUESTION_WORDS = 7


def is_follow_up(question: str) -> bool:
    """Opens like a follow-up, is too short to stand alone, or is short and points back ("does that apply?")."""
    if _OPENS_A_FOLLOW_UP.search(question) or len(tokenize(question)) <= SHORT_QUESTION_TERMS:
        return True
    return len(question.split()) <= REFERRING_QUESTION_WORDS and bool(_REFERS_BACK.search(question))


def retrieval_query(question: str, history: Sequence[str] = ()) -> str:
    """The text retrieval should search for, given the earlier questions in this conversation (oldest first)."""
    previous = [h.strip() for h in history if h and h.strip()]
    if previous and is_follow_up(question):
        return f"{previous[-1]} {question}"
    return question


__all__ = ["is_follow_up", "retrieval_query"]
