"""Regular-expression lists kept in TOML data files (safety triggers, out-of-scope rules), compiled once."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")


@lru_cache(maxsize=8)
def load_rules(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def compiled(path: Path, key: str) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in load_rules(path)[key])


@lru_cache(maxsize=1024)
def whole_phrase(phrase: str, case_sensitive: bool = False) -> re.Pattern:
    """A phrase matched as whole words: "break" is not found in "breakdown", "IRO" not in "IROs"."""
    return re.compile(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])", 0 if case_sensitive else re.IGNORECASE)


def matches_any(text: str, path: Path, key: str) -> bool:
    text = text.replace("’", "'")
    return any(p.search(text) for p in compiled(path, key))


__all__ = ["DATA_DIR", "compiled", "load_rules", "matches_any", "whole_phrase"]
