"""Question structure: the parts of a compound question, parts the answer's framing lines answer, and whether a
question points back at an earlier one.

(Whether a question is a follow-up is decided by evidence, qa.service.Assistant._resolve; a question far from
everything the guidance says is a new topic unless it points back.)"""

from __future__ import annotations

import re

from ingest.text import tokenize

_REFERS_BACK = re.compile(r"\b(that|this|it|they|them|those|these)\b", re.IGNORECASE)
_PART_BREAK = re.compile(
    r"\?\s+|;\s+|,?\s+and also\s+|,?\s+and (?=(?:how|what|who|when|where|can|do|does|is|will|should)\b)",
    re.IGNORECASE,
)


# Words that stand for something said before: pronouns, "what about ...", "... though".
_POINTS_BACK = re.compile(
    r"\b(that|this|it|they|them|those|these|he|she|him|her|his|their|themselves|itself)\b|^\W*(?:and|what about)\b"
    r"|\bthough\W*$",
    re.IGNORECASE,
)
_ASKS_WHO_ACTS = re.compile(r"^\W*(?:and\s+|so\s+|also\s+)?who\b", re.IGNORECASE)


def asks_who_acts(part: str) -> bool:
    """A part that asks who should act ("and who must act on it?"): the answer's roles line answers it."""
    return bool(_ASKS_WHO_ACTS.search(part))


def points_back(question: str) -> bool:
    """The question refers to something said before ("does that include stuff online", "what about the schools?")."""
    return bool(_POINTS_BACK.search(question))


def question_parts(question: str) -> list[str]:
    """Split a compound question ("Can I get respite and how much will I be paid?") into its parts.

    A later part that points back ("who must act on it?") carries the first part with it, so it can be
    judged on its own.
    """
    parts = [p.strip() for p in _PART_BREAK.split(question) if tokenize(p)]
    return parts[:1] + [f"{parts[0]} {p}" if _REFERS_BACK.search(p) else p for p in parts[1:]]


__all__ = ["asks_who_acts", "points_back", "question_parts"]
