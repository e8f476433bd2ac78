"""Text handling shared by ingest, index, qa and eval: tokenising (BM25 terms, term overlap) and splitting text
into sentences and bullet items (passages, answer units, generated answers, synthetic corpora)."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")
# A sentence ends at . ! or ? followed by space and a capital, digit, quote or bracket ("e.g. the" does not end one).
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9‘’“'\"(])")
MAX_LABEL_CHARS = 200  # a section label or document title: copied into every passage, so it is kept short
MAX_SLUG_CHARS = 80  # the readable part of an id made from a heading
BULLET_NEEDS_LEAD_IN = 80  # a bullet shorter than this (or starting in lower case) reads badly on its own
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


def short_label(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """`text` if it is at most `limit` characters, else cut at the last word break before it, with an ellipsis (a
    one-line file's first line is its title: without this it was copied whole into every passage and unit)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


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


def split_sentences(line: str) -> list[str]:
    """The sentences of one line of text, stripped, empties dropped."""
    return [s.strip() for s in SENTENCE_END.split(line) if s.strip()]


def split_units(text: str) -> list[str]:
    """Sentences and bullet items; a short or lower-case bullet keeps the lead-in line that introduces its list."""
    units: list[str] = []
    lead_in = ""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            item = line[2:].strip()
            needs_lead_in = len(item) < BULLET_NEEDS_LEAD_IN or item[:1].islower()
            units.append(f"{lead_in} {item}" if lead_in and needs_lead_in else item)
            continue
        sentences = split_sentences(line)
        lead_in = sentences[-1] if line.endswith(":") else ""
        units.extend(sentences)
    return units


__all__ = ["BULLET_NEEDS_LEAD_IN", "SENTENCE_END", "STOPWORDS", "split_sentences", "split_units", "stem", "tokenize"]
