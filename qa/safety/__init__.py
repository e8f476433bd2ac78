"""A fixed safety notice for questions that sound like an emergency or a disclosure of abuse.

The notice is ours, not the guidance's, and is labelled so; the trigger list is data (qa/data/safety.toml).
"""

from __future__ import annotations

from pathlib import Path

from qa.patterns import DATA_DIR, load_rules, matches_any

SAFETY_FILE = DATA_DIR / "safety.toml"


def safety_notices(question: str, path: Path = SAFETY_FILE) -> tuple[str, ...]:
    return (load_rules(path)["notice"],) if matches_any(question, path, "triggers") else ()


__all__ = ["safety_notices", "SAFETY_FILE"]
