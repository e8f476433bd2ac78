"""The answer scorer's word signals, computed for every unit at once, equal the per-unit sums they replace."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from ingest.model import Section
from ingest.text import tokenize
from ingest.units import AnswerUnit
from qa.evidence import EvidenceScorer, TermWeights

TEXTS = ["Respite care gives foster carers a planned break.", "Siblings should be placed together.",
         "Carers should get training on attachment and respite.", "The independent reviewing officer chairs reviews.",
         "Short breaks and respite help carers and the child."]
QUESTIONS = ["Can I get respite as a foster carer?", "siblings placed together with training", "nothing in common",
             "respite respite carers", ""]


def scorer() -> EvidenceScorer:
    section = Section(section_id="doc/s1", doc_id="doc", label="Support for carers", text=" ".join(TEXTS))
    units = [AnswerUnit(section_id="doc/s1", passage=0, position=n, passage_order=0, text=t)
             for n, t in enumerate(TEXTS)]
    index = SimpleNamespace(units=units, sections={"doc/s1": section}, bank_documents=frozenset(), passages=[],
                            vectors=SimpleNamespace(all_vectors=lambda: np.zeros((1, 4), dtype=np.float32)))
    return EvidenceScorer(index, None, TermWeights(TEXTS, ("child",)))


def test_shared_weight_of_every_unit_equals_its_own_sum():
    s = scorer()
    for question in QUESTIONS:
        terms = set(tokenize(question))
        expected = [sum(s.terms.weight(t) for t in s.unit_terms[n] & terms) for n in range(len(TEXTS))]
        assert np.allclose(s.shared_weight(terms), expected, rtol=0, atol=1e-12)
        damped = s.shared_weight(terms) / np.sqrt(s.unit_sizes + 4)
        assert np.allclose(damped, [e / math.sqrt(len(s.unit_terms[n]) + 4) for n, e in enumerate(expected)],
                           rtol=0, atol=1e-12)
