"""The evaluation's scoring functions, on tiny hand-made inputs."""

from __future__ import annotations

import json

import pytest

from eval import metrics
from eval.harness import Result, aggregate, cited_sections, load_questions, miss_severity, score_one

A, B, C = frozenset({"a"}), frozenset({"b"}), frozenset({"c"})


def test_hit_and_mrr():
    ranked = [B, A, C]
    assert metrics.hit_at(ranked, ["a"], 1) == 0.0
    assert metrics.hit_at(ranked, ["a"], 3) == 1.0
    assert metrics.reciprocal_rank(ranked, ["a"], 5) == pytest.approx(0.5)
    assert metrics.reciprocal_rank(ranked, ["z"], 5) == 0.0
    assert metrics.reciprocal_rank([B, C, B, C, B, A], ["a"], 5) == 0.0  # rank 6 is beyond @5
    assert metrics.first_gold_rank([], ["a"], 5) is None


def test_any_of_several_gold_ids_counts():
    assert metrics.hit_at([C, B], ["a", "b"], 2) == 1.0
    assert metrics.hit_at([frozenset({"x", "a"})], ["a"], 1) == 1.0  # a chunk containing several sections


def test_precision_and_recall():
    assert metrics.citation_precision([A, B, C], ["a", "b"]) == pytest.approx(2 / 3)
    assert metrics.citation_precision([], ["a"]) is None
    assert metrics.citation_recall([A, C], ["a", "b"]) == pytest.approx(0.5)
    assert metrics.citation_recall([], ["a"]) == 0.0
    with pytest.raises(ValueError):
        metrics.citation_recall([A], [])


def line(text, kind="quote", citations=()):
    return {"text": text, "kind": kind, "citations": list(citations)}


def test_answer_sentences_read_guidance_lines_and_skip_framing():
    lines = [line("First sentence.", citations=[1]), line("A second one", "generated", [2, 1]),
             line("Who should act: Social workers", "who-should-act", [1]),
             line("Who should act (listed for the whole topic): A; B", "who-should-act", [1]),
             line("Terms: CAMHS = child and adolescent mental health services.", "term"),
             line("Note: [2] comes from superseded guidance.", "currency-note", [2]),
             line("Call 999.", "safety-notice"), line("Virtual school head: a person", "definition", [3])]
    assert metrics.answer_sentences(lines) == [("First sentence.", [1]), ("A second one", [2, 1]),
                                               ("Virtual school head: a person", [3])]


def test_support_counts_verbatim_whitespace_and_bullets():
    citations = [
        {"rank": 1, "text": "Provide  out-of-hours support\nfor carers. Other text."},
        {"rank": 2, "text": "Ensure training covers:\n- safeguarding procedures\n- record keeping"},
    ]
    lines = [line("Provide out-of-hours support for carers.", citations=[1]),
             line("Ensure training covers: record keeping", citations=[2]),
             line("Made-up claim.", citations=[1]), line("Who should act: anyone", "who-should-act", [1])]
    assert metrics.support_counts(lines, citations) == (2, 3)
    # a sentence is checked against the passage its citations name, not any other
    assert metrics.support_counts([line("Other text.", citations=[2])], citations) == (0, 1)
    assert metrics.support_counts([line("Other text.")], citations) == (1, 1)  # no citation: any cited passage


def test_percentile_nearest_rank():
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert metrics.percentile(values, 50) == 3.0
    assert metrics.percentile(values, 95) == 5.0
    assert metrics.percentile([], 50) is None
    assert metrics.mean([1.0, None, 0.0]) == 0.5 and metrics.mean([]) is None


def _item(id="x", gold=("a",), split="dev", persona="carer"):
    return {"id": id, "persona": persona, "question": "q", "gold": list(gold), "split": split,
            "out_of_scope": not gold, "history": []}


def test_cited_sections_product_and_baseline_shapes():
    answer = {"citations": [{"rank": 2, "section_id": "b"}, {"rank": 1, "section_id": None, "covers": ["a", "c"]},
                            {"rank": 3, "covers": []}]}
    assert cited_sections(answer) == [frozenset({"a", "c"}), B, frozenset()]


def test_score_and_aggregate():
    answered = {"answer": "Text here. [1]", "lines": [line("Text here.", citations=[1])], "refused": False, "citations": [{"rank": 1, "section_id": "b", "text": "Text here."},
                                                                          {"rank": 2, "section_id": "a", "text": "x"}]}
    refused = {"answer": "no", "refused": True, "citations": []}
    results = [
        Result(_item("1"), answered, 0.010, scores=score_one(_item("1"), answered)),
        Result(_item("2"), refused, 0.020, scores=score_one(_item("2"), refused)),
        Result(_item("3", gold=()), refused, 0.030, scores=score_one(_item("3", gold=()), refused)),
        Result(_item("4", gold=()), answered, 0.040, scores=score_one(_item("4", gold=()), answered)),
    ]
    agg = aggregate(results)
    assert agg["hit@1"] == 0.0 and agg["hit@3"] == 0.5 and agg["mrr@5"] == pytest.approx(0.25)
    assert agg["precision"] == 0.5  # answered questions only
    assert agg["recall"] == 0.5
    assert agg["refusal"] == 0.5 and agg["false_refusal"] == 0.5
    assert agg["support"] == 1.0
    assert agg["latency_p50_ms"] == pytest.approx(20.0)
    assert miss_severity(results[1]) > miss_severity(results[0]) > 0


def test_load_questions_rejects_gold_and_out_of_scope_together(tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text(json.dumps({**_item(), "out_of_scope": True}) + "\n")
    with pytest.raises(ValueError):
        load_questions(bad)
