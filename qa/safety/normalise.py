"""A message as the safety check sees it: the ways people type in a hurry folded into one spelling.

Lower case, straight apostrophes, a letter typed three or more times cut to two ("killll" -> "kill"), then whole
words and phrases from qa/data/safety.toml replaced: apostrophes left out ("hes", "hasnt"), words split in two
("him self"), text speak ("rn", "kms") and danger words as they are often mistyped ("kil", "sucide", "overdoes");
and unambiguous figures of speech taken out ("this homework is killing me", "lol").
Both the pattern floor and the classifier read this text; the answer still shows the question as typed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from qa.patterns import DATA_DIR, load_rules

SAFETY_FILE = DATA_DIR / "safety.toml"
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_REPEATS = re.compile(r"([a-z])\1{2,}")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@lru_cache(maxsize=4)
def _tables(path: Path) -> tuple[dict[str, str], re.Pattern | None, dict[str, str], tuple[re.Pattern, ...]]:
    rules = load_rules(path)["normalise"]
    words = {k.lower(): v.lower() for k, v in rules["words"].items()}
    phrases = {k.lower(): v.lower() for k, v in rules["phrases"].items()}
    # longest first, so "kill him self" is replaced before "him self"
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=lambda p: (-len(p), p)))
    pattern = re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])") if phrases else None
    figures = tuple(re.compile(p) for p in rules.get("figures_of_speech", ()))
    return words, pattern, phrases, figures


@lru_cache(maxsize=4096)
def normalise(text: str, path: Path = SAFETY_FILE) -> str:
    """The message folded for the safety check (cached: the floor and the classifier both read it)."""
    words, phrase_pattern, phrases, figures = _tables(path)
    folded = " ".join(_REPEATS.sub(r"\1\1", text.lower().translate(_APOSTROPHES)).split())
    folded = _WORD.sub(lambda m: words.get(m.group(), m.group()), folded)
    if phrase_pattern is not None:
        folded = phrase_pattern.sub(lambda m: phrases[m.group()], folded)
    for figure in figures:
        folded = figure.sub(" ", folded)
    return " ".join(folded.split())


def tokens(normalised: str) -> list[str]:
    """The words of a normalised message (letters, digits and inner apostrophes), for the classifier."""
    return _WORD.findall(normalised)


__all__ = ["SAFETY_FILE", "normalise", "tokens"]
