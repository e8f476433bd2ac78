"""Follow-up questions: a short or referring question borrows the previous question's words for retrieval."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.text import tokenize

_FOLLOW_UP = re.compile(
    r"^\s*(and|also|but|what about|how about|what if|does (that|this|it)|do (they|those|these)|is (that|this|it)|"
    r"can (they|it|that)|same for|for)\b|\b(that|this|it|they|them|those)\b\s*\??\s*$",
    re.IGNORECASE,
)
SHORT_QUESTION_TERMS = 3


def is_follow_up(question: str) -> bool:
    return bool(_FOLLOW_UP.search(question)) or len(tokenize(question)) <= SHORT_QUESTION_TERMS


def retrieval_query(question: str, history: Sequence[str] = ()) -> str:
    """The text retrieval should search for, given the earlier questions in this conversation (oldest first)."""
    previous = [h.strip() for h in history if h and h.strip()]
    if previous and is_follow_up(question):
        return f"{previous[-1]} {question}"
    return question


__all__ = ["is_follow_up", "retrieval_query"]
