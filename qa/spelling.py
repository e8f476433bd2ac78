"""Correct misspelt words in a question ("has run awya") for the safety check, so a tired carer typing on a phone
about a child in danger gets the safety notice as if the words were spelt right. (Searching the corrected question was
measured too: neutral on dev, and it failed the locked test split's gate, so retrieval sees the question as typed.)

Corrections come from pyspellchecker (English word frequencies shipped in the package), with the guidance's own words
added and preferred. Only a word that nothing knows is corrected: alphabetic, at least MIN_LETTERS long, not a word of
the guidance, not in the English dictionary, not an abbreviation or an everyday phrase the vocabulary bridges. The
correction is a word one edit away (a letter added, dropped, changed or two swapped); two edits cost pyspellchecker up
to a second per unknown word on this machine (a name, say), for few more fixes. The question as typed is still what
the answer shows.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ingest.text import STOPWORDS
from qa.patterns import load_rules
from qa.terms import abbreviations
from qa.vocabulary import VOCABULARY_FILE

MIN_LETTERS = 3
# A word this short is one edit from too many words ("rec": red, reg, rev...): it is corrected only by a dropped
# letter put back, to a word of the guidance ("hom" -> "home", never "how").
SHORT_LETTERS = 3
# A guidance word's count in the corpus is worth this many English occurrences when choosing between corrections,
# so "guidence" becomes "guidance" and "placment" "placement" rather than a more common English word.
GUIDANCE_BOOST = 10_000
# The favourite correction must be this many times as frequent as the next one (guidance boost included).
MIN_LEAD = 3.0
_WORD = re.compile(r"(?<![\w'’-])[A-Za-z]+(?![\w'’])")


def words_of(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z]+", text)]


class SpellingCorrector:
    """Built from the guidance's texts (cheap); the English dictionary (about 0.2 s) loads on the first word that
    neither the guidance nor the list of function words knows."""

    def __init__(self, guidance_texts: Iterable[str]):
        self.guidance_counts = Counter(w for text in guidance_texts for w in words_of(text))
        # Function words ("what", "does") are known without the dictionary, so a question in the guidance's own
        # words never pays for loading it.
        self.protected = frozenset(words_of(" ".join(abbreviations())) + [
            w for phrase in load_rules(VOCABULARY_FILE)["expand"] for w in words_of(phrase)]).union(STOPWORDS)
        self._checker: Any = None  # pyspellchecker's SpellChecker, loaded on first need
        self._lock = threading.Lock()

    def _english(self):
        with self._lock:
            if self._checker is None:
                from spellchecker import SpellChecker

                checker = SpellChecker(distance=1)
                checker.word_frequency.load_json(
                    {w: checker.word_frequency[w] + GUIDANCE_BOOST * n for w, n in self.guidance_counts.items()})
                self._checker = checker
            return self._checker

    def warm_up(self) -> None:
        """Load the English dictionary now (a long-running app), not on the first unknown word (a one-question CLI)."""
        self._english()

    def correction(self, word: str) -> str | None:
        """The word that `word` was meant to be, or None when it is known or nothing one edit away is."""
        lower = word.lower()
        if len(lower) < MIN_LETTERS or lower in self.guidance_counts or lower in self.protected:
            return None
        if sum(ch.isupper() for ch in word) >= 2:
            return None  # an abbreviation the guidance does not use (PEP, LAC, SSWs)
        checker = self._english()
        if lower in checker or any(f"{lower[:n]}'{lower[n:]}" in checker for n in range(1, len(lower))):
            return None  # an English word, or one written without its apostrophe (dont, theres, childs)
        frequency = checker.word_frequency
        short = len(lower) <= SHORT_LETTERS
        ranked = sorted((c for c in checker.candidates(lower) or () if c.isalpha() and c != lower
                         and (not short or (len(c) == len(lower) + 1 and c in self.guidance_counts))),
                        key=lambda c: (-frequency[c], c))
        if not ranked or (len(ranked) > 1 and frequency[ranked[0]] < MIN_LEAD * frequency[ranked[1]]):
            return None  # nothing one edit away, or no clear favourite ("ment": men, meet, went, meant...)
        return ranked[0].capitalize() if word[0].isupper() else ranked[0]

    def correct(self, text: str) -> str:
        """The text with each unknown word replaced by its correction; everything else unchanged."""
        return _WORD.sub(lambda m: (None if _is_name(text, m.start()) else self.correction(m.group())) or m.group(), text)


def _is_name(text: str, start: int) -> bool:
    """A capitalised word inside a sentence is taken for a name (Kayleigh, Tyrese), which a dictionary does not know."""
    before = text[:start].rstrip()
    return text[start].isupper() and bool(before) and before[-1] not in ".?!:;\"'(“‘"


__all__ = ["GUIDANCE_BOOST", "MIN_LETTERS", "SpellingCorrector"]
