"""Bridge everyday words to the guidance's wording ("brothers and sisters" -> "siblings").

The table lives in qa/data/vocabulary.toml so it can be reviewed and extended without touching code.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from qa.patterns import DATA_DIR, load_rules, whole_phrase

VOCABULARY_FILE = DATA_DIR / "vocabulary.toml"


def load_vocabulary(path: Path = VOCABULARY_FILE) -> tuple[tuple[re.Pattern, str], ...]:
    return tuple((whole_phrase(phrase), terms) for phrase, terms in load_rules(path)["expand"].items())


def expansion_terms(question: str, path: Path = VOCABULARY_FILE) -> list[str]:
    """The guidance terms for the everyday phrases in the question, in table order, without repeats."""
    text = question.lower().replace("’", "'")
    seen: list[str] = []
    for pattern, terms in load_vocabulary(path):
        if pattern.search(text) and terms not in seen:
            seen.append(terms)
    return seen


@lru_cache(maxsize=4096)
def expand(question: str, path: Path = VOCABULARY_FILE) -> str:
    """The question with the guidance's words for its everyday phrases appended (cached: answering one question
    expands it several times, for each retriever and the answer scorer)."""
    extra = expansion_terms(question, path)
    return question if not extra else f"{question} {' '.join(extra)}"


__all__ = ["expand", "expansion_terms", "load_vocabulary", "VOCABULARY_FILE"]
