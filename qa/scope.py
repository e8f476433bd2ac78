"""Questions of a kind the guidance never answers (money amounts, medicine doses, other countries' law).

Similarity alone cannot tell "how much is the fostering allowance?" from "what support do foster carers
get?": both share the guidance's words. The rules are data (qa/data/scope.toml) so they can be reviewed.
"""

from __future__ import annotations

from pathlib import Path

from qa.patterns import DATA_DIR, load_rules, matches_any

SCOPE_FILE = DATA_DIR / "scope.toml"


def outside_scope(question: str, path: Path = SCOPE_FILE) -> bool:
    return matches_any(question, path, "not_covered")


def scope_reason(path: Path = SCOPE_FILE) -> str:
    """The one-sentence reason a refusal by these rules gives."""
    return load_rules(path)["reason"]


__all__ = ["outside_scope", "scope_reason", "SCOPE_FILE"]
