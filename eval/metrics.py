"""Pure scoring functions. No I/O, no model: every function takes plain lists/dicts and returns numbers.

Two kinds of gold are scored:
- sections: ranked inputs are lists of *sets* of section ids, one set per citation in rank order (a product
  citation names exactly one section; a baseline chunk may contain several sections, or none);
- evidence: spans quoted verbatim from corpus/. A passage or an answer "holds" a span when the normalised span
  (see `normalise`, trailing punctuation dropped) occurs in its normalised text.

Answer lines are the JSON shape of `Answer.to_json()["lines"]`: {"text", "kind", "citations"}.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from ingest.clean import strip_markdown
from qa.model import GUIDANCE_KINDS

Ranked = Sequence[set[str] | frozenset[str]]
Line = dict  # {"text": str, "kind": str, "citations": [int, ...]}

# Lines whose words come from the cited passages (the product's own list, so the two cannot drift): answer evidence
# and support are measured on them. Every other kind is our framing.
CONTENT_KINDS = frozenset(str(kind) for kind in GUIDANCE_KINDS)
QUOTE_KINDS = frozenset({"quote"})
TITLE_KINDS = frozenset({"title"})  # a bare recommendation title, if the product marks it as such (issue 12)
# Answer evidence also reads the framing lines that carry the guidance's own words about one section: its title
# (the answer to "which recommendation...?") and the roles it names (the answer to "who should act?"). The gold
# spans of those questions are titles and role names, which issue 12 forbids quoting as sentences, so reading
# quote lines only would score every correct answer to them as a miss. Such a line counts only when it cites a
# gold section (role names recur across recommendations). Our own framing (currency note, terms, about the
# source, not covered) is never read.
SECTION_LINE_KINDS = TITLE_KINDS | frozenset({"who-should-act"})
ANSWER_KINDS = CONTENT_KINDS | SECTION_LINE_KINDS

# A span's main clause ends at the first of these that leaves at least MIN_CLAUSE_CHARS characters before it.
CLAUSE_BREAKS = ("; ", ": ", " - ", " – ", " — ", ", which ", ", who ", ", where ", ", including ", ", such as ",
                 ", for example", " (")
MIN_CLAUSE_CHARS = 40
_TRAILING = " .;:,"
_WRAPPED_HYPHEN = re.compile(r"(\w)- (\w)")  # "asylum-\nseeking" after whitespace folding


# ---------------------------------------------------------------- sections

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


# ---------------------------------------------------------------- evidence

def normalise(text: str) -> str:
    """Whitespace folded, list bullets ("- " or "• " at a line start) dropped, curly quotes straightened; and the two
    changes ingest makes to the raw files, so a span quoted from corpus/ matches the passage shown: markdown link
    targets and emphasis dropped (`ingest.clean.strip_markdown`), a word hard-wrapped after its hyphen rejoined."""
    text = strip_markdown(text).replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    lines = [line.strip() for line in text.splitlines()]
    lines = [line.removeprefix("- ").removeprefix("• ") for line in lines]
    return _WRAPPED_HYPHEN.sub(r"\1-\2", " ".join(" ".join(lines).split()))


def _core(span: str) -> str:
    """The normalised span without trailing punctuation (a quoted bullet may end in '.', ';' or nothing)."""
    return normalise(span).rstrip(_TRAILING)


def main_clause(span: str) -> str:
    """The normalised span up to its first clause break that leaves at least MIN_CLAUSE_CHARS characters;
    the whole span (trailing punctuation dropped) when there is no such break."""
    core = _core(span)
    cuts = [i for brk in CLAUSE_BREAKS if (i := core.find(brk, MIN_CLAUSE_CHARS)) >= 0]
    return core[: min(cuts)].rstrip(_TRAILING) if cuts else core


def holds_span(text: str, spans: Iterable[str]) -> bool:
    """The text contains one of the spans, whole (both normalised)."""
    haystack = normalise(text)
    return any((core := _core(span)) and core in haystack for span in spans)


def evidence_at(passages: Sequence[str], spans: Iterable[str], k: int) -> float:
    """1.0 when one of the first k cited passages holds a gold span, whole. A passage from the right section
    that lacks every span is a miss."""
    spans = list(spans)
    return 1.0 if any(holds_span(p, spans) for p in passages[:k]) else 0.0


def content_text(lines: Sequence[Line], kinds: frozenset[str] = CONTENT_KINDS) -> str:
    """The answer's lines of these kinds (default: guidance lines: quote, definition, generated), normalised and
    joined in order; framing left out."""
    return " ".join(normalise(line.get("text", "")) for line in lines if line.get("kind") in kinds)


def answer_evidence(lines: Sequence[Line], spans: Iterable[str], kinds: frozenset[str] = ANSWER_KINDS,
                    citations: Sequence[dict] = (), gold: Iterable[str] = ()) -> float:
    """1.0 when the answer's lines of these kinds contain a gold span or at least its main clause. By default
    (ANSWER_KINDS) guidance lines are read, and title and "Who should act" lines that cite a gold section (the
    `citations` of the answer, `gold` sections); `kinds=CONTENT_KINDS` is the quoted-lines-only reading."""
    gold = set(gold)
    gold_ranks = {c.get("rank", n + 1) for n, c in enumerate(citations) if c.get("section_id") in gold}
    read = [line for line in lines if line.get("kind") in CONTENT_KINDS or (
        line.get("kind") in kinds & SECTION_LINE_KINDS and gold_ranks & set(line.get("citations") or ()))]
    content = content_text(read, kinds)
    return 1.0 if any((clause := main_clause(span)) and clause in content for span in spans) else 0.0


def title_only(lines: Sequence[Line], is_title: Callable[[str], bool]) -> bool:
    """The answer has quote (or bare title) lines and every one of them is a title or shared boilerplate."""
    quoted = [line for line in lines if line.get("kind") in QUOTE_KINDS | TITLE_KINDS]
    return bool(quoted) and all(line["kind"] in TITLE_KINDS or is_title(line.get("text", "")) for line in quoted)


# ---------------------------------------------------------------- support

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


def support_counts(lines: Sequence[Line], citations: Sequence[dict]) -> tuple[int, int]:
    """(supported lines, guidance lines) for one answer. A line is checked against the passages of the citations
    it names; a line naming none against all cited passages."""
    by_rank = {c.get("rank", i + 1): c.get("text", "") for i, c in enumerate(citations)}
    supported = total = 0
    for line in lines:
        if line.get("kind") not in CONTENT_KINDS or not line.get("text"):
            continue
        passages = [by_rank[r] for r in line.get("citations") or () if r in by_rank] or list(by_rank.values())
        total += 1
        supported += any(sentence_supported(line["text"], p) for p in passages)
    return supported, total


# ---------------------------------------------------------------- aggregation

def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100): the smallest value with at least q% of values at or below it
    (numpy's "inverted_cdf"). The one percentile of the evaluation, the benchmark and the load test; None when empty."""
    if not len(values):
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q, method="inverted_cdf"))


def mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


__all__ = [
    "ANSWER_KINDS", "CLAUSE_BREAKS", "CONTENT_KINDS", "SECTION_LINE_KINDS", "MIN_CLAUSE_CHARS", "QUOTE_KINDS", "TITLE_KINDS", "answer_evidence",
    "citation_precision", "citation_recall", "content_text", "evidence_at", "first_gold_rank", "hit_at",
    "holds_span", "main_clause", "mean", "normalise", "percentile", "reciprocal_rank", "sentence_supported",
    "support_counts", "title_only",
]
