"""Run any answerer over the question set and score it.

An answerer is any callable `(question: str, history: Sequence[str]) -> dict` shaped like `Answer.to_json()`
(an object with `to_json()` is accepted too). A citation names its section by `section_id`; a citation without
one (a baseline's raw chunk) lists the sections it contains under `covers`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eval import metrics

EVAL_DIR = Path(__file__).resolve().parent
QUESTIONS_FILE = EVAL_DIR / "questions.jsonl"
PERSONAS = ("carer", "staff", "trainer")
SPLITS = ("dev", "test")
Answerer = Callable[[str, Sequence[str]], dict]


def load_questions(path: Path = QUESTIONS_FILE) -> list[dict]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        for key in ("id", "persona", "question", "gold", "split", "out_of_scope"):
            if key not in item:
                raise ValueError(f"{path.name} line {n}: missing '{key}'")
        if item["persona"] not in PERSONAS or item["split"] not in SPLITS:
            raise ValueError(f"{path.name} line {n}: bad persona or split")
        if bool(item["gold"]) == bool(item["out_of_scope"]):
            raise ValueError(f"{path.name} line {n}: give gold ids, or mark out_of_scope, not both")
        item.setdefault("history", [])
        items.append(item)
    ids = [i["id"] for i in items]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path.name}: duplicate ids")
    return items


def select(items: Iterable[dict], split: str) -> list[dict]:
    return [i for i in items if split == "all" or i["split"] == split]


def cited_sections(answer: dict) -> list[frozenset[str]]:
    """One set of section ids per citation, in rank order."""
    out = []
    for c in sorted(answer.get("citations") or [], key=lambda c: c.get("rank", 0)):
        out.append(frozenset([c["section_id"]]) if c.get("section_id") else frozenset(c.get("covers") or ()))
    return out


@dataclass
class Result:
    item: dict
    answer: dict
    latency: float
    error: str | None = None
    scores: dict = field(default_factory=dict)


def score_one(item: dict, answer: dict) -> dict:
    refused = bool(answer.get("refused")) or "error" in answer
    if item["out_of_scope"]:
        return {"refused": refused}
    ranked = [] if refused else cited_sections(answer)
    gold = item["gold"]
    supported, sentences = (0, 0) if refused else metrics.support_counts(answer.get("lines") or [],
                                                                          answer.get("citations") or [])
    return {
        "refused": refused,
        "hit@1": metrics.hit_at(ranked, gold, 1),
        "hit@3": metrics.hit_at(ranked, gold, 3),
        "mrr@5": metrics.reciprocal_rank(ranked, gold, 5),
        "rank": metrics.first_gold_rank(ranked, gold, 5),
        "precision": metrics.citation_precision(ranked, gold),
        "recall": metrics.citation_recall(ranked, gold),
        "supported": supported,
        "sentences": sentences,
    }


def run(answerer: Answerer, items: Sequence[dict]) -> list[Result]:
    results = []
    for item in items:
        start = time.perf_counter()
        error = None
        try:
            answer = answerer(item["question"], tuple(item.get("history") or ()))
            if hasattr(answer, "to_json"):
                answer = answer.to_json()
        except Exception as exc:  # a rejected question (BadInputError) counts as a refusal
            error = f"{exc.__class__.__name__}: {exc}"
            answer = {"question": item["question"], "error": error, "refused": True, "citations": []}
        latency = time.perf_counter() - start
        results.append(Result(item, answer, latency, error, score_one(item, answer)))
    return results


def aggregate(results: Sequence[Result]) -> dict:
    """Overall figures for a group of results; None where a figure has nothing to be computed from."""
    answerable = [r.scores for r in results if not r.item["out_of_scope"]]
    oos = [r.scores for r in results if r.item["out_of_scope"]]
    answered = [s for s in answerable if not s["refused"]]
    sentences = sum(s["sentences"] for s in answered)
    latencies = [r.latency * 1000 for r in results]
    return {
        "questions": len(results),
        "answerable": len(answerable),
        "out_of_scope": len(oos),
        "hit@1": metrics.mean(s["hit@1"] for s in answerable),
        "hit@3": metrics.mean(s["hit@3"] for s in answerable),
        "mrr@5": metrics.mean(s["mrr@5"] for s in answerable),
        "precision": metrics.mean(s["precision"] for s in answered),
        "recall": metrics.mean(s["recall"] for s in answerable),
        "refusal": metrics.mean(float(s["refused"]) for s in oos),
        "false_refusal": metrics.mean(float(s["refused"]) for s in answerable),
        "support": (sum(s["supported"] for s in answered) / sentences) if sentences else None,
        "latency_p50_ms": metrics.percentile(latencies, 50),
        "latency_p95_ms": metrics.percentile(latencies, 95),
    }


def breakdown(results: Sequence[Result], splits: Sequence[str]) -> dict:
    """{split: {"all"|persona: figures}}."""
    out = {}
    for split in splits:
        chosen = [r for r in results if split == "all" or r.item["split"] == split]
        out[split] = {"all": aggregate(chosen)}
        for persona in PERSONAS:
            out[split][persona] = aggregate([r for r in chosen if r.item["persona"] == persona])
    return out


def miss_severity(result: Result) -> float:
    """0 for a perfect answer; larger is worse. Used to list the worst misses."""
    s = result.scores
    if result.item["out_of_scope"]:
        return 0.0 if s["refused"] else 1.0
    if s["refused"]:
        return 1.5
    return (1.0 - s["mrr@5"]) + 0.25 * (1.0 - s["recall"])


def worst_misses(results: Sequence[Result], n: int = 5) -> list[Result]:
    bad = [r for r in results if miss_severity(r) > 0.5]
    return sorted(bad, key=lambda r: (-miss_severity(r), r.item["id"]))[:n]


def describe_miss(result: Result) -> str:
    s, item = result.scores, result.item
    cited = [c.get("section_id") or "+".join(c.get("covers") or []) or "(no section)"
             for c in result.answer.get("citations") or []]
    if item["out_of_scope"]:
        return f"out of scope but answered, citing {', '.join(cited) or 'nothing'}"
    if s["refused"]:
        return "answerable but refused" + (f" ({result.error})" if result.error else "")
    if s["rank"] is None:
        return f"no gold section cited; cited {', '.join(cited)}"
    return f"gold first at rank {s['rank']}; rank 1 was {cited[0]}"


__all__ = ["Answerer", "PERSONAS", "QUESTIONS_FILE", "Result", "SPLITS", "aggregate", "breakdown", "cited_sections",
           "describe_miss", "load_questions", "miss_severity", "run", "score_one", "select", "worst_misses"]
