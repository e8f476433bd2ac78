"""Run any answerer over the question set and score it.

An answerer is any callable `(question: str, history: Sequence[str]) -> dict` shaped like `Answer.to_json()`
(an object with `to_json()` is accepted too). A citation names its section by `section_id`; a citation without
one (a baseline's raw chunk) lists the sections it contains under `covers`. Its `text` is the passage shown.
An answer without `lines` (a baseline: ranked chunks, no sentences) scores n/a on the line-based figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from eval import metrics
from eval.questions import KINDS, PERSONAS, Question

Answerer = Callable[[str, Sequence[str]], dict]
IsTitle = Callable[[str], bool]


def cited_sections(answer: dict) -> list[frozenset[str]]:
    """One set of section ids per citation, in rank order."""
    return [frozenset([c["section_id"]]) if c.get("section_id") else frozenset(c.get("covers") or ())
            for c in _ranked_citations(answer)]


def cited_passages(answer: dict) -> list[str]:
    """The text of each citation, in rank order."""
    return [c.get("text") or "" for c in _ranked_citations(answer)]


def _ranked_citations(answer: dict) -> list[dict]:
    return sorted(answer.get("citations") or [], key=lambda c: c.get("rank", 0))


@dataclass
class Result:
    question: Question
    answer: dict
    latency: float
    error: str | None = None
    scores: dict = field(default_factory=dict)


def score_one(question: Question, answer: dict, is_title: IsTitle) -> dict:
    """Per-question scores; None where a figure does not apply (no lines, nothing answered)."""
    refused = bool(answer.get("refused")) or "error" in answer
    lines = answer.get("lines")
    scores: dict = {"refused": refused,
                    "title_only": None if refused or lines is None else metrics.title_only(lines, is_title)}
    if not question.answerable:
        return scores
    ranked = [] if refused else cited_sections(answer)
    passages = [] if refused else cited_passages(answer)
    gold, spans = question.gold_sections, question.evidence
    supported, quoted = (0, 0) if refused or lines is None else metrics.support_counts(lines,
                                                                                     answer.get("citations") or [])
    return scores | {
        "evidence@1": metrics.evidence_at(passages, spans, 1),
        "evidence@3": metrics.evidence_at(passages, spans, 3),
        "answer_evidence": None if lines is None else (0.0 if refused else metrics.answer_evidence(
            lines, spans, citations=answer.get("citations") or [], gold=gold)),
        "answer_evidence_quotes": None if lines is None else (
            0.0 if refused else metrics.answer_evidence(lines, spans, metrics.CONTENT_KINDS)),
        "hit@1": metrics.hit_at(ranked, gold, 1),
        "hit@3": metrics.hit_at(ranked, gold, 3),
        "mrr@5": metrics.reciprocal_rank(ranked, gold, 5),
        "rank": metrics.first_gold_rank(ranked, gold, 5),
        "precision": metrics.citation_precision(ranked, gold),
        "recall": metrics.citation_recall(ranked, gold),
        "supported": supported,
        "quoted": quoted,
    }


def run(answerer: Answerer, questions: Sequence[Question], is_title: IsTitle) -> list[Result]:
    """Ask every question (with its conversation history) and score the answer."""
    results = []
    for question in questions:
        start = time.perf_counter()
        error = None
        try:
            answer = answerer(question.question, question.history)
            if hasattr(answer, "to_json"):
                answer = answer.to_json()
        except Exception as exc:  # a rejected question (BadInputError) counts as a refusal
            error = exc.__class__.__name__
            answer = {"question": question.question, "error": error, "refused": True, "citations": [], "lines": []}
        latency = time.perf_counter() - start
        results.append(Result(question, answer, latency, error, score_one(question, answer, is_title)))
    return results


def _refusal(results: Sequence[Result], scope: str) -> float | None:
    return metrics.mean(float(r.scores["refused"]) for r in results if r.question.scope == scope)


def aggregate(results: Sequence[Result]) -> dict:
    """Figures for a group of results; None where a figure has nothing to be computed from."""
    answerable = [r.scores for r in results if r.question.answerable]
    answered = [s for s in answerable if not s["refused"]]
    quoted = sum(s["quoted"] for s in answered)
    latencies = [r.latency * 1000 for r in results]
    return {
        "questions": len(results),
        "answerable": len(answerable),
        "near": sum(r.question.scope == "near" for r in results),
        "far": sum(r.question.scope == "far" for r in results),
        "evidence@1": metrics.mean(s["evidence@1"] for s in answerable),
        "evidence@3": metrics.mean(s["evidence@3"] for s in answerable),
        "answer_evidence": metrics.mean(s["answer_evidence"] for s in answerable),
        "answer_evidence_quotes": metrics.mean(s["answer_evidence_quotes"] for s in answerable),
        "hit@1": metrics.mean(s["hit@1"] for s in answerable),
        "hit@3": metrics.mean(s["hit@3"] for s in answerable),
        "mrr@5": metrics.mean(s["mrr@5"] for s in answerable),
        "precision": metrics.mean(s["precision"] for s in answered),
        "recall": metrics.mean(s["recall"] for s in answerable),
        "near_refusal": _refusal(results, "near"),
        "far_refusal": _refusal(results, "far"),
        "false_refusal": _refusal(results, "in"),
        "title_only_answers": metrics.mean(float(r.scores["title_only"]) for r in results
                                           if r.scores["title_only"] is not None),
        "support": (sum(s["supported"] for s in answered) / quoted) if quoted else None,
        "latency_p50_ms": metrics.percentile(latencies, 50),
        "latency_p95_ms": metrics.percentile(latencies, 95),
    }


def breakdown(results: Sequence[Result], splits: Sequence[str]) -> dict:
    """{split: {"all": figures, "persona": {persona: figures}, "kind": {kind: figures}}}; empty groups left out."""
    out = {}
    for split in splits:
        chosen = [r for r in results if r.question.split == split]
        out[split] = {
            "all": aggregate(chosen),
            "persona": {p: aggregate(group) for p in PERSONAS if (group := [r for r in chosen if r.question.persona == p])},
            "kind": {k: aggregate(group) for k in KINDS if (group := [r for r in chosen if r.question.kind == k])},
        }
    return out


def misses(result: Result) -> list[str]:
    """What went wrong for one question, as miss kinds (empty: nothing did)."""
    s = result.scores
    out = ["title-only"] if s["title_only"] else []
    if not result.question.answerable:
        return ([] if s["refused"] else ["answered out of scope"]) + out
    # a refused answerable question misses every figure too, so each count is questions x (1 - figure)
    return (["refused"] if s["refused"] else []) + out + \
        [name for name in ("evidence@1", "evidence@3", "answer_evidence", "hit@1") if s[name] == 0.0]


__all__ = ["Answerer", "Result", "aggregate", "breakdown", "cited_passages", "cited_sections", "misses", "run",
           "score_one"]
