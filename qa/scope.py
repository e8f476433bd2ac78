"""Questions of a kind the guidance never answers (money amounts, medicine doses, other countries' law).

Similarity alone cannot tell "how much is the fostering allowance?" from "what support do foster carers
get?": both share the guidance's words. The rules are data (qa/data/scope.toml) so they can be reviewed.
"""

from __future__ import annotations

from pathlib import Path

from qa.patterns import DATA_DIR, matches_any

SCOPE_FILE = DATA_DIR / "scope.toml"


def outside_scope(question: str, path: Path = SCOPE_FILE) -> bool:
    return matches_any(question, path, "not_covered")


__all__ = ["outside_scope", "SCOPE_FILE"]
