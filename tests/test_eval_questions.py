"""The question set of issue 11 (eval/questions/): schema, unique ids, gold sections the ingest produces,
evidence spans verbatim in corpus/, stratified splits, and the test split locked by the changelog."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from eval.question_set import (
    CHANGELOG,
    KINDS,
    PERSONAS,
    QUESTIONS_DIR,
    SPLITS,
    corpus_text,
    file_sha256,
    load_all,
    load_split,
    locked_sha256,
    problems,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def records():
    return load_all()


@pytest.fixture(scope="module")
def section_ids():
    from ingest import load_corpus

    return {s.section_id for s in load_corpus(ROOT / "corpus").sections}


def test_every_record_is_sound(records, section_ids):
    found = problems(records, corpus_text(ROOT / "corpus"), section_ids)
    assert not found, "\n".join(found[:40])


def test_each_file_holds_its_own_split_sorted_by_id():
    for split in SPLITS:
        items = load_split(split)
        assert {i["split"] for i in items} == {split}
        assert [i["id"] for i in items] == sorted(i["id"] for i in items)


def test_set_size_and_coverage(records):
    assert len(records) >= 250
    scope = Counter(r["scope"] for r in records)
    assert scope["near"] >= 60 and scope["far"] >= 20, scope
    conversations = [r for r in records if r["kind"] in ("follow-up", "topic-switch")]
    assert len(conversations) >= 40
    assert any(r["kind"] == "topic-switch" for r in conversations)


def test_splits_are_stratified(records):
    """Every split holds every persona and every kind; train is about half the set, dev and test a quarter each."""
    for split in SPLITS:
        chosen = [r for r in records if r["split"] == split]
        assert {r["persona"] for r in chosen} == set(PERSONAS), split
        assert {r["kind"] for r in chosen} == set(KINDS), (split, set(KINDS) - {r["kind"] for r in chosen})
    share = Counter(r["split"] for r in records)
    assert abs(share["train"] / len(records) - 0.5) < 0.08, share
    assert abs(share["test"] / len(records) - 0.25) < 0.06, share


def test_test_split_is_locked_by_the_changelog():
    """test.jsonl may change only together with a new dated line `YYYY-MM-DD <sha256> why` in the changelog."""
    locked = locked_sha256(CHANGELOG)
    assert locked is not None, f"{CHANGELOG} has no dated sha256 line"
    assert file_sha256(QUESTIONS_DIR / "test.jsonl") == locked, (
        "eval/questions/test.jsonl changed: the test split is locked; add a changelog line saying why")


def test_checker_catches_a_span_that_is_not_in_the_corpus(section_ids):
    record = {"id": "x", "split": "dev", "persona": "carer", "kind": "practical", "scope": "in",
              "question": "q", "history": [], "target": "nice-pathway-2021/box-9",
              "gold_sections": ["nice-pathway-2021/box-9", "no/such-section"],
              "evidence": ["Provide out-of-hours   support services for carers", "Provide free holidays for carers"]}
    found = problems([record, record], corpus_text(ROOT / "corpus"), section_ids)
    assert any("duplicate id" in f for f in found)
    assert any("no/such-section" in f for f in found)
    assert any("free holidays" in f for f in found)
    assert not any("out-of-hours" in f for f in found)  # whitespace is folded before matching
