"""Pure scoring functions. No I/O, no model: every function takes plain lists/dicts and returns numbers.

Ranked inputs are lists of *sets* of section ids, one set per citation in rank order: a product citation
names exactly one section; a baseline chunk may contain (cover) several sections, or none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from qa.model import GUIDANCE_KINDS  # the product's own list, so the two cannot drift

Ranked = Sequence[set[str] | frozenset[str]]


def first_gold_rank(ranked: Ranked, gold: Iterable[str], k: int) -> int | None:
    """1-based rank of the first citation among the top k that names a gold section, or None."""
    gold = set(gold)
    for rank, sections in enumerate(ranked[:k], start=1):
        if sections & gold:
            return rank
    return None


def hit_at(ranked: Ranked, gold: Iterable[str], k: int) -> float:
    return 1.0 if first_gold_rank(ranked, gold, k) is not None else 0.0


def reciprocal_rank(ranked: Ranked, gold: Iterable[str], k: int = 5) -> float:
    rank = first_gold_rank(ranked, gold, k)
    return 0.0 if rank is None else 1.0 / rank


def citation_precision(ranked: Ranked, gold: Iterable[str]) -> float | None:
    """Share of citations that name (or contain) a gold section; None when nothing was cited."""
    if not ranked:
        return None
    gold = set(gold)
    return sum(1 for sections in ranked if sections & gold) / len(ranked)


def citation_recall(ranked: Ranked, gold: Iterable[str]) -> float:
    """Share of the gold sections that some citation names (or contains)."""
    gold = set(gold)
    if not gold:
        raise ValueError("citation recall needs at least one gold section")
    cited = set().union(*ranked) if ranked else set()
    return len(gold & cited) / len(gold)


def normalise(text: str) -> str:
    """Whitespace folded, list bullets ("- " at a line start) dropped, curly quotes straightened."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    lines = [line.strip() for line in text.splitlines()]
    lines = [line[2:] if line.startswith("- ") else line for line in lines]
    return " ".join(" ".join(lines).split())


def answer_sentences(lines: Sequence[dict]) -> list[tuple[str, list[int]]]:
    """(sentence, the cited ranks) for each line of an answer (`Answer.to_json()["lines"]`) that carries guidance
    content. Fixed framing ("Who should act...", "Note: ...", "Terms: ...") is skipped: it is not guidance content."""
    return [(line["text"], list(line.get("citations") or ())) for line in lines
            if line.get("kind") in GUIDANCE_KINDS and line.get("text")]


def sentence_supported(sentence: str, passage: str) -> bool:
    """The sentence appears verbatim (after `normalise`) in the passage.

    The product joins a short bullet to the line that introduces its list ("... should: item"); such a
    sentence counts as supported when the lead-in (up to and including its ':') and the item each appear.
    """
    s, p = normalise(sentence), normalise(passage)
    if s in p:
        return True
    head, sep, tail = s.partition(": ")
    return bool(sep and tail) and (head + ":") in p and tail in p


def support_counts(lines: Sequence[dict], citations: Sequence[dict]) -> tuple[int, int]:
    """(supported sentences, sentences) for one answer. A sentence is checked against the passages of the
    citations its markers name; a sentence with no marker against all cited passages."""
    by_rank = {c.get("rank", i + 1): c.get("text", "") for i, c in enumerate(citations)}
    supported = total = 0
    for sentence, ranks in answer_sentences(lines):
        passages = [by_rank[r] for r in ranks if r in by_rank] or list(by_rank.values())
        total += 1
        supported += any(sentence_supported(sentence, p) for p in passages)
    return supported, total


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100): the smallest value with at least q% of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def mean(values: Iterable[float | None]) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


__all__ = [
    "answer_sentences", "citation_precision", "citation_recall", "first_gold_rank", "hit_at",
    "mean", "normalise", "percentile", "reciprocal_rank", "sentence_supported", "support_counts",
]
