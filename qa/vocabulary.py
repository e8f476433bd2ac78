"""Bridge everyday words to the guidance's wording ("brothers and sisters" -> "siblings").

The table lives in qa/data/vocabulary.toml so it can be reviewed and extended without touching code.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

VOCABULARY_FILE = Path(__file__).with_name("data") / "vocabulary.toml"


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = VOCABULARY_FILE) -> tuple[tuple[re.Pattern, str], ...]:
    table = tomllib.loads(path.read_text(encoding="utf-8"))["expand"]
    return tuple(
        (re.compile(r"(?<![\w-])" + re.escape(phrase.lower()) + r"(?![\w-])"), terms)
        for phrase, terms in table.items()
    )


def expansion_terms(question: str, path: Path = VOCABULARY_FILE) -> list[str]:
    """The guidance terms for the everyday phrases in the question, in table order, without repeats."""
    text = question.lower().replace("’", "'")
    seen: list[str] = []
    for pattern, terms in load_vocabulary(path):
        if pattern.search(text) and terms not in seen:
            seen.append(terms)
    return seen


def expand(question: str, path: Path = VOCABULARY_FILE) -> str:
    extra = expansion_terms(question, path)
    return question if not extra else f"{question} {' '.join(extra)}"


__all__ = ["expand", "expansion_terms", "load_vocabulary", "VOCABULARY_FILE"]
