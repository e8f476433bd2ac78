"""The "not covered" decision and conversations, without a model: the signals beyond the domain's generic words,
the persona-balanced question classifier, and which questions point back at an earlier one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from qa.conversation import points_back
from qa.evidence import EvidenceScorer, TermWeights
from train.fit import question_cover


@pytest.mark.parametrize("question, back", [
    ("does that include stuff online", True),
    ("who wud have them while im away", True),
    ("What about the trainers themselves?", True),
    ("so does he stop going to his own school", True),
    ("i cant leave the house in the evenings though", True),
    ("What's the weather forecast for tomorrow?", False),
    ("How long does a care order last?", False),
    ("whats a virtual school", False),
    # a pronoun for a person refers inside the question when a noun phrase comes before it
    ("Will the child I look after be placed with their brothers and sisters?", False),
    ("Can my foster son see his birth dad at Christmas?", False),
    ("Does a child in care keep their social worker when they move?", False),
    ("will their brothers be placed with them", True),
    ("can he still see his mum", True),
    ("Who chaired the committee that developed the 2010 guidance?", False),  # "that" opens a relative clause
    ("Including kids we've placed in other authorities?", True),  # opens by continuing the question before
    # once the question has named its own topic (4+ content words), a later pronoun refers inside it
    ("How should respite be explained to the young person so it doesn't feel like rejection?", False),
    ("Which PH28 rec covers specialist knowledge about BAME LAC, and who should provide it?", False),
    ("do i get taught how to do it", True),
    # before that, pronouns for things, demonstratives and reflexives always point back
    ("what should the schools themselves do?", True),
    ("does the kids birth mum have to do it as well", True),
    ("Should those services be on the same site?", True),
    ("Which guideline number is it from?", True),
    ("Does that include looking after the carers' own wellbeing?", True),
])
def test_points_back_is_about_reference_words_not_topics(question, back):
    assert points_back(question) is back


@dataclass
class _Hit:
    section: object


@dataclass
class _Section:
    section_id: str


@dataclass
class _Retrieval:
    hits: list


def _scorer(passages: list[str], sections: dict[str, str], units: list[str]) -> EvidenceScorer:
    """An EvidenceScorer with only what own_word_shares reads (no index, no model)."""
    from ingest.text import tokenize

    scorer = EvidenceScorer.__new__(EvidenceScorer)
    scorer.terms = TermWeights(passages, ("child", "foster", "carer"))
    scorer.unit_terms = [frozenset(tokenize(u)) for u in units]
    scorer.section_terms = {sid: frozenset(tokenize(text)) for sid, text in sections.items()}
    scorer.known_terms = frozenset(scorer.terms.idf).union(*scorer.section_terms.values())
    return scorer


def test_own_word_shares_leave_out_the_domains_generic_words():
    passages = ["Provide respite care for the foster carer.", "Plan training for the carer before it is needed.",
                "Keep the child safe from exploitation.", "Support the child at school."]
    scorer = _scorer(passages, {"box-9": passages[0], "box-10": passages[1]}, passages)
    retrieval = _Retrieval([_Hit(_Section("box-9")), _Hit(_Section("box-10"))])
    # "foster child" is generic: only "respite" counts, and the lead sentence holds it
    assert scorer.own_word_shares("respite for my foster child", 0, retrieval) == (1.0, 1.0, 0.0)
    # "abroad" and "holiday" are words the guidance never uses; the sentence shares only generic words
    lead, sections, unknown = scorer.own_word_shares("can the foster child go abroad on holiday", 0, retrieval)
    assert lead == 0.0 and sections == 0.0 and unknown == 1.0
    # a question of generic words only is not held against the guidance
    assert scorer.own_word_shares("foster child", None, retrieval) == (1.0, 1.0, 0.0)


def test_question_classifier_learns_the_topic_not_the_askers_voice():
    """Out-of-scope questions mostly in a carer's voice: unweighted, the voice would predict the answer; each
    (scope, persona) group weighs the same, so within a persona the voice says nothing and the topic decides."""
    rng = np.random.default_rng(0)
    items, vectors = [], []
    for persona, n_in, n_out in (("carer", 10, 50), ("staff", 50, 10)):
        for answerable in [True] * n_in + [False] * n_out:
            voice = 1.0 if persona == "carer" else 0.0
            topic = (0.0 if answerable else 1.0) + rng.normal(0, 0.8)
            items.append({"scope": "in" if answerable else "near", "persona": persona})
            vectors.append([voice, topic])
    model = question_cover(np.asarray(vectors), items)
    voice_weight, topic_weight = model.coef
    assert topic_weight < 0 and abs(voice_weight) < 0.25 * abs(topic_weight)  # unweighted: voice -3.1, topic -1.9
    assert model.logit(np.array([1.0, 0.0])) > 0  # an in-scope topic in a carer's voice is in scope
