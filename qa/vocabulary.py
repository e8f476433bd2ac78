"""Bridge everyday words to the guidance's wording ("brothers and sisters" -> "siblings").

The table lives in qa/data/vocabulary.toml so it can be reviewed and extended without touching code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from qa.patterns import DATA_DIR, load_rules, whole_phrase

VOCABULARY_FILE = DATA_DIR / "vocabulary.toml"


def load_vocabulary(path: Path = VOCABULARY_FILE) -> tuple[tuple[str, str], ...]:
    """(everyday phrase, the guidance's terms for it), in table order."""
    return tuple(load_rules(path)["expand"].items())


def expansion_terms(question: str, path: Path = VOCABULARY_FILE) -> list[str]:
    """The guidance terms for the everyday phrases in the question, in table order, without repeats.

    A phrase is matched as whole words (qa.patterns.whole_phrase). In ASCII text an ASCII phrase can only match
    where its lower-case form occurs (ignoring case is plain case folding there), so a phrase that does not occur
    is passed over without compiling its pattern: a first question compiled all 141 (about 13 ms)."""
    text = question.lower().replace("’", "'")
    plain = text.isascii()
    seen: list[str] = []
    for phrase, terms in load_vocabulary(path):
        if plain and phrase.isascii() and phrase.lower() not in text:
            continue
        if whole_phrase(phrase).search(text) and terms not in seen:
            seen.append(terms)
    return seen


@lru_cache(maxsize=4096)
def expand(question: str, path: Path = VOCABULARY_FILE) -> str:
    """The question with the guidance's words for its everyday phrases appended (cached: answering one question
    expands it several times, for each retriever and the answer scorer)."""
    extra = expansion_terms(question, path)
    return question if not extra else f"{question} {' '.join(extra)}"


__all__ = ["expand", "expansion_terms", "load_vocabulary", "VOCABULARY_FILE"]
