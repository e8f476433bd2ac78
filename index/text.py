"""Tokenising for BM25, shared by the index build and the query side so both see the same terms."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once
    only or other our ours out over own same she should so some such than that the their theirs them then there
    these they this those through to too under until up very was we were what when where which while who whom why
    will with would you your yours i'm i've it's what's who's can't don't
    get gets got getting much many please tell know also really thing things want wants wanted go goes
    anyone anybody someone somebody anything something everyone""".split()
)


def stem(word: str) -> str:
    """A light plural/verb-form folding: enough to match 'siblings'/'sibling', 'carers'/'carer'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    text = text.lower().replace("’", "'")
    return [stem(w) for w in _WORD.findall(text) if w not in STOPWORDS]


__all__ = ["tokenize", "stem", "STOPWORDS"]
