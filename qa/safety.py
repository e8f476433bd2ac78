"""A fixed safety notice for questions that sound like an emergency or a disclosure of abuse.

The notice is ours, not the guidance's, and is labelled so; the trigger list is data (qa/data/safety.toml).
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

SAFETY_FILE = Path(__file__).with_name("data") / "safety.toml"


@lru_cache(maxsize=2)
def _rules(path: Path = SAFETY_FILE) -> tuple[str, tuple[re.Pattern, ...]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return data["notice"], tuple(re.compile(p, re.IGNORECASE) for p in data["triggers"])


def safety_notices(question: str, path: Path = SAFETY_FILE) -> tuple[str, ...]:
    notice, triggers = _rules(path)
    text = question.replace("’", "'")
    return (notice,) if any(t.search(text) for t in triggers) else ()


__all__ = ["safety_notices", "SAFETY_FILE"]
