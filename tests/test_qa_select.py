"""Choosing what an answer shows from scored units, and the fitted-weights plumbing (no model needed)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ingest.units import AnswerUnit
from qa.evidence import FEATURES, Evidence, EvidenceWeights, ScoredUnit, is_quotable
from qa.select import is_context_worth_quoting, select, with_antecedents
from train.fit import CONTEXT_GRID, Example, context_share, holds_evidence, refusal_threshold, title_share


@dataclass
class _Section:
    section_id: str
    kind: str = "box"
    doc_id: str = "doc"


@dataclass
class _Document:
    status: str = "current"


@dataclass
class _Index:
    units: list[AnswerUnit]
    sections: dict = field(default_factory=dict)
    documents: dict = field(default_factory=lambda: {"doc": _Document(), "old": _Document("superseded")})


def _index() -> _Index:
    units = [
        AnswerUnit("qrg/rec-36", 0, 0, 0, "Recommendation 36: Train carers.", "title"),
        AnswerUnit("qrg/rec-36", 0, 1, 0, "Foster care is a complex activity.", "text", shared=True),
        AnswerUnit("box-10", 1, 0, 0, "Plan training for carers before it is needed.", "text"),
        AnswerUnit("box-10", 1, 1, 0, "These skills should be reflected in recruitment.", "text"),
        AnswerUnit("box-10", 2, 0, 1, "Provide a schedule of mandatory training for carers.", "text"),
        AnswerUnit("box-4", 3, 0, 0, "See the online pathway.", "text"),
    ]
    sections = {"qrg/rec-36": _Section("qrg/rec-36", "recommendation"), "box-10": _Section("box-10"),
                "box-4": _Section("box-4", "pointer")}
    return _Index(units, sections)


def _evidence(index: _Index, probabilities: dict[int, float]) -> Evidence:
    ranked = sorted(probabilities, key=lambda n: -probabilities[n])
    units = tuple(ScoredUnit(n, index.units[n], probabilities[n]) for n in ranked)
    lead = next(u for u in units if is_quotable(u.unit, index.sections[u.unit.section_id].kind))
    return Evidence(units, 0.0, lead)


def test_only_substantive_text_leads_and_a_title_is_shown_as_a_title():
    index = _index()
    evidence = _evidence(index, {0: 0.9, 1: 0.8, 5: 0.7, 4: 0.6, 2: 0.1})
    assert evidence.lead.index == 4  # not the title, the shared topic text or the pointer
    selection = select(evidence, index, quote_share=0.5)
    by_section = {s.section_id: s for s in selection.sections}
    assert [s.section_id for s in selection.sections] == ["qrg/rec-36", "box-10"]  # in the order of their best unit
    assert by_section["qrg/rec-36"].title == 0 and by_section["qrg/rec-36"].quotes == [1]
    assert by_section["box-10"].quotes == [4] and by_section["box-10"].passage == 2


def test_the_cited_section_whose_passage_comes_nearest_leads():
    """Passage nearness (the bank questions a passage answers) picks the first citation; the ranker's order the rest."""
    index = _index()
    evidence = _evidence(index, {0: 0.9, 1: 0.8, 4: 0.6, 2: 0.1})
    led = Evidence(evidence.units, 0.0, evidence.lead, passage_nearness=np.array([0.2, 0.3, 0.9, 0.1]))
    assert [s.section_id for s in select(led, index, quote_share=0.5).sections] == ["box-10", "qrg/rec-36"]
    ranked = Evidence(evidence.units, 0.0, evidence.lead, passage_nearness=np.array([0.9, 0.3, 0.2, 0.1]))
    assert [s.section_id for s in select(ranked, index, quote_share=0.5).sections] == ["qrg/rec-36", "box-10"]


def test_shared_topic_text_is_quoted_beside_the_lead_only_from_the_fitted_context_share():
    index = _index()
    below = _evidence(index, {0: 0.9, 4: 0.6, 1: 0.5, 2: 0.4})  # the topic text is likely, but less than box 10's
    assert not is_context_worth_quoting(below.units[2], below.lead, context_share=0.85)
    assert is_context_worth_quoting(below.units[2], below.lead, context_share=0.8)
    by_section = {s.section_id: s for s in select(below, index, quote_share=0.5, context_share=0.85).sections}
    assert by_section["qrg/rec-36"].title == 0 and by_section["qrg/rec-36"].quotes == []  # title line, no boilerplate
    assert by_section["box-10"].quotes == [4]  # its best passage only
    above = _evidence(index, {0: 0.9, 1: 0.7, 4: 0.6})
    assert {s.section_id: s.quotes for s in select(above, index, quote_share=0.5, context_share=0.85).sections} == {
        "qrg/rec-36": [1], "box-10": [4]}


def test_context_share_is_the_highest_that_still_finds_the_evidence():
    # Candidates: the substantive lead (no evidence), shared topic text (the evidence in the first question only).
    features = np.array([[1.0], [0.0]])
    quotable, shared = np.array([True, False]), np.array([False, True])
    weights = EvidenceWeights(("x",), np.zeros(1), np.ones(1), np.array([1.0]), 0.0, np.zeros((3, 1), np.float32),
                              0.2, 0.3, 0.1, 0.3)
    lead_p, shared_p = weights.probabilities(features)
    needed = Example({}, features, np.array([False, True]), quotable, shared)
    assert context_share([needed], weights) >= 0.3 and context_share([needed], weights) <= shared_p / lead_p
    unneeded = Example({}, features, np.array([True, False]), quotable, shared)
    assert context_share([unneeded], weights) == max(CONTEXT_GRID)  # the topic text never helps: quoted only if it beats the lead


def test_a_title_is_shown_only_from_the_fitted_title_share():
    index = _index()
    evidence = _evidence(index, {0: 0.9, 4: 0.6, 2: 0.1})  # the title is likelier than the lead: 1.5 times
    shown = {s.section_id: s.title for s in select(evidence, index, quote_share=0.5, title_share=1.4).sections}
    assert shown == {"box-10": None, "qrg/rec-36": 0}
    hidden = select(evidence, index, quote_share=0.5, title_share=1.6).sections
    assert [(s.section_id, s.title) for s in hidden] == [("box-10", None)]  # and no citation for it alone


def test_title_share_is_the_highest_that_still_finds_the_evidence():
    # Candidates: the substantive lead, and a PH28 title (the evidence in the first question only).
    features = np.array([[1.0, 0.0], [0.0, 1.0]])
    quotable, shared = np.array([True, False]), np.array([False, False])
    weights = EvidenceWeights(("x", "title"), np.zeros(2), np.ones(2), np.array([1.0, 0.5]), 0.0,
                              np.zeros((3, 1), np.float32), 0.2, 0.3, 0.1, 0.3)
    lead_p, title_p = weights.probabilities(features)
    needed = Example({}, features, np.array([False, True]), quotable, shared)
    assert 0.3 <= title_share([needed], weights, ("x", "title")) <= title_p / lead_p
    unneeded = Example({}, features, np.array([True, False]), quotable, shared)
    assert title_share([unneeded], weights, ("x", "title")) == max(CONTEXT_GRID)
    assert title_share([needed], weights, ("x",)) == 0.0  # fitted without the title column: every title as before


def test_a_sentence_that_refers_back_brings_the_one_before_it():
    assert with_antecedents([3], _index()) == [2, 3]
    assert with_antecedents([2], _index()) == [2]


def test_evidence_labels_hold_a_span_or_its_main_clause_or_lie_inside_a_long_span():
    spans = ["Provide a schedule of mandatory training for carers, excluding birth parents. Ensure it covers:"]
    assert holds_evidence("Provide a schedule of mandatory training for carers, excluding birth parents.", spans)
    assert not holds_evidence("Plan training for carers.", spans)


def test_refusal_threshold_keeps_false_refusals_within_the_allowance():
    best = [("in", p) for p in np.linspace(0.1, 1.0, 100)] + [("near", 0.05), ("near", 0.5)]
    threshold = refusal_threshold(best)
    assert sum(p < threshold for scope, p in best if scope == "in") <= 3
    assert threshold > 0.1


def test_weights_round_trip_and_refuse_other_features():
    weights = EvidenceWeights(FEATURES, np.zeros(len(FEATURES)), np.ones(len(FEATURES)), np.ones(len(FEATURES)), 0.0,
                              np.zeros((3, 4), dtype=np.float32), 0.2, 0.5, 0.1, 0.3)
    again = EvidenceWeights.from_json({**weights.to_json(), "title_share": 0.65})
    assert again.quote_share == 0.5 and again.directions.shape == (3, 4) and again.title_share == 0.65
    fewer = {**weights.to_json(), "features": ["cosine"], "mean": [0.0], "scale": [1.0], "coef": [1.0]}
    assert EvidenceWeights.from_json(fewer).features == ("cosine",)  # a fit may use fewer (named) columns
    import pytest

    with pytest.raises(ValueError, match="python -m train.fit"):
        EvidenceWeights.from_json({**weights.to_json(), "features": ["no_such_feature"]})


def test_a_pointer_box_is_shown_as_a_box_title_with_its_date_and_status():
    from ingest.model import Document, Section
    from qa.answer import title_line

    document = Document("path-2020", "NICE Pathway: Looked-after children (2020)", "p.md", "", date="2020-11-04",
                        status="superseded", superseded_by="NG205 (2021)")
    section = Section("path-2020/box-2", "path-2020", "Box 2: National strategy, policy and commissioning",
                      "See Looked-after children / National strategy, policy and commissioning", kind="pointer")
    line = title_line(section, document, 1)
    assert line.text == ("NICE Pathway has a box on this: Box 2: National strategy, policy and commissioning "
                         "(2020, replaced by NG205 (2021)).")
    assert line.kind == "title" and line.citations == (1,)


def test_current_guidance_is_cited_before_replaced_guidance_that_also_answers():
    index = _index()
    index.sections["qrg/rec-36"] = _Section("qrg/rec-36", "recommendation", doc_id="old")
    units = [*index.units, AnswerUnit("qrg/rec-36", 0, 2, 0, "Train carers in attachment before placements.", "text")]
    index.units[:] = units
    chosen = select(_evidence(index, {6: 0.9, 2: 0.8, 4: 0.7}), index, quote_share=0.5)
    assert [s.section_id for s in chosen.sections] == ["box-10", "qrg/rec-36"]
