"""Jargon help: glossary definitions from the corpus itself (cited), and abbreviations spelt out."""

from __future__ import annotations

import re
from pathlib import Path

from qa.model import Hit
from qa.patterns import DATA_DIR, load_rules, whole_phrase

ABBREVIATIONS_FILE = DATA_DIR / "abbreviations.toml"
GLOSSARY_PREFIX = "Glossary: "
MAX_DEFINITIONS = 2
# Defined in the glossary but everyday words to a carer: explaining them would only add noise.
EVERYDAY_TERMS = frozenset({"carers", "foster carers", "practitioners"})


def abbreviations(path: Path = ABBREVIATIONS_FILE) -> dict[str, str]:
    return load_rules(path)["abbreviations"]


def _mentions(text: str, phrase: str, case_sensitive: bool = False) -> bool:
    return whole_phrase(phrase, case_sensitive).search(text) is not None


def first_clause(definition: str) -> str:
    """The definition up to its first ':' or ';' break, which is a complete gloss in the NG205 glossary."""
    return re.split(r"[:;] ", definition, maxsplit=1)[0].strip()


class TermExplainer:
    """Knows the corpus glossary (sections of kind "glossary") as hits ready to cite."""

    def __init__(self, glossary_hits: list[Hit]):
        self._entries = sorted(
            ((hit.section.label.removeprefix(GLOSSARY_PREFIX), hit) for hit in glossary_hits),
            key=lambda entry: -len(entry[0]),  # "connected carers" before "carers"
        )

    def defined_terms(self, text: str, exclude: set[str]) -> list[tuple[str, Hit]]:
        found: list[tuple[str, Hit]] = []
        for term, hit in self._entries:
            if hit.section.section_id in exclude or any(_mentions(t, term) for t, _ in found):
                continue
            if term.lower() not in EVERYDAY_TERMS and _mentions(text, term):
                found.append((term, hit))
            if len(found) == MAX_DEFINITIONS:
                break
        return found


def spelled_out(text: str) -> list[str]:
    return [f"{short} = {long}" for short, long in abbreviations().items() if _mentions(text, short, case_sensitive=True)]


def with_abbreviations_spelt_out(text: str) -> str:
    """The text with the long form of each abbreviation it uses added: "IRO" and "independent reviewing officer"
    are the asker's own words either way (unlike the vocabulary's bridges to the guidance's wording)."""
    longs = [long for short, long in abbreviations().items() if _mentions(text, short, case_sensitive=True)]
    return " ".join([text, *longs])


__all__ = ["TermExplainer", "abbreviations", "first_clause", "spelled_out", "with_abbreviations_spelt_out"]
