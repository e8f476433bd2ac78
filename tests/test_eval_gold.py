"""The question set itself: its shape, and every gold id exists in the sections the current parser produces."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from eval.harness import load_questions

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def items():
    return load_questions()


@pytest.fixture(scope="module")
def sections():
    from ingest import load_corpus

    return {s.section_id: s for s in load_corpus(ROOT / "corpus").sections}


def test_every_gold_id_exists_in_the_current_index(items, sections):
    missing = sorted({(i["id"], g) for i in items for g in i["gold"] if g not in sections})
    assert not missing, f"gold ids the parser no longer produces: {missing}"


def test_docs_field_matches_gold(items, sections):
    for item in items:
        assert item["docs"] == sorted({sections[g].doc_id for g in item["gold"]}), item["id"]


def test_set_shape(items):
    assert len(items) >= 120
    personas = Counter(i["persona"] for i in items)
    assert all(n >= len(items) / 4 for n in personas.values()), personas
    assert sum(i["out_of_scope"] for i in items) >= 20
    follow_ups = [i for i in items if i["history"]]
    assert len(follow_ups) >= 10
    by_question = {i["question"]: i for i in items}
    for item in follow_ups:  # the first turn is itself in the set, in the same split
        assert by_question[item["history"][-1]]["split"] == item["split"]
    assert any("ignore" in i["question"].lower() and i["out_of_scope"] for i in items)  # instruction injection


def test_split_is_fixed_and_stratified(items):
    for persona in ("carer", "staff", "trainer"):
        chosen = [i for i in items if i["persona"] == persona]
        dev = sum(i["split"] == "dev" for i in chosen)
        assert abs(dev - len(chosen) / 2) <= 0.1 * len(chosen), persona
