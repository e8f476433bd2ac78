"""The bank channel: passages ranked by the nearest of the written questions (corpus/questions, ingest/bank.py)
that each answers; the NEIGHBOURS nearest questions also vote for the answer units that answer them; and, for the
answer ranker and the choice of the leading passage, each passage's nearness plus CLASSIFIER_SHARE x the bank
classifier's log-probability of it (qa/bank_classifier.py: all of a passage's questions at once).

People ask in their own words; passages are written in the guidance's. A carer's "will they keep the kids
together" is far from "Support sibling placements" but near bank questions written in that voice, whose gold
passage is the sibling recommendation. The votes also feed the answer ranker (qa/evidence.py) and the coverage
model: how close the nearest answerable and the nearest out-of-scope bank questions are.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import numpy as np

from index.loaded import SearchIndex
from qa.bank_classifier import BankClassifier
from qa.model import BankVotes

if TYPE_CHECKING:
    from qa.channels import Query

NEIGHBOURS = 20  # bank questions that vote
# Weight of the classifier's log-probability beside the nearest bank question's similarity: chosen on train
# (cross-validated ranker top-1), dev and the written set among 0.05, 0.1, 0.2 and 0.3 (0.05-0.2 within a point).
CLASSIFIER_SHARE = 0.1


class BankChannel:
    name = "bank"

    def __init__(self, index: SearchIndex, classifier: BankClassifier | None = None, neighbours: int = NEIGHBOURS):
        self.index = index
        self.classifier = classifier
        self.neighbours = neighbours
        # each classifier class's passage position in this index (-1: not in it)
        self._classes = (classifier.classes_in([p.passage_id for p in index.passages]) if classifier is not None
                         else np.zeros(0, dtype=np.int64))
        self.places = index.bank_places
        self.answerable = self.places.answerable
        self.covered = index.bank_documents
        self.uncovered = any(p.doc_id not in self.covered for p in index.passages)  # e.g. a user's own file
        # the (question, passage) pairs grouped by passage: every passage's nearest question in one reduceat
        pair_question, pair_passage = self.places.passage_pairs()
        by_passage = np.argsort(pair_passage, kind="stable")
        self._pair_question = pair_question[by_passage]
        self._answered, self._group_starts = np.unique(pair_passage[by_passage], return_index=True)

    def votes(self, query: Query) -> BankVotes:
        """Which passages and units the nearest bank questions point at, by the question as typed (the bank's
        questions are embedded as written: the vocabulary's guidance words pull a carer's wording away from the
        carers' questions); how close the nearest answerable and out-of-scope ones come, by the question with the
        guidance's words (what the coverage model was fitted on). `query.bank_exclude`: bank positions left out
        (fitting on the bank itself: a question must not find itself)."""
        if not len(self.places):
            return BankVotes()
        typed = self._similarity(query.typed_vector, query.bank_exclude)
        expanded = typed if query.vector is query.typed_vector else self._similarity(query.vector, query.bank_exclude)
        answerable = np.where(self.answerable, typed, -1.0)
        outside = np.where(self.answerable, -1.0, expanded)
        k = min(self.neighbours, int(self.answerable.sum()))
        nearest = np.argpartition(-answerable, k - 1)[:k] if k else np.zeros(0, dtype=int)
        units: dict[int, float] = {}
        for position in nearest[np.argsort(-answerable[nearest], kind="stable")]:
            for n in self.places.units(int(position)):
                units.setdefault(n, float(answerable[position]))
        passage_best = np.full(len(self.index.passages), -1.0)
        if len(self._answered):
            passage_best[self._answered] = np.maximum.reduceat(answerable[self._pair_question], self._group_starts)
        best_in = float(np.where(self.answerable, expanded, -1.0).max())
        best_out = float(outside.max()) if (~self.answerable).any() else 0.0
        if self.classifier is None:
            return BankVotes(units, best_in, best_out, passage_best, passage_best)
        said = self.classifier.passage_log_probability(query.typed_vector, self._classes, len(passage_best))
        score = np.where(passage_best > -1.0, passage_best + CLASSIFIER_SHARE * said, -1.0)
        return BankVotes(units, best_in, best_out, passage_best, score, self.classifier.outside_logit(query.typed_vector))

    def _similarity(self, vector: np.ndarray, exclude: Collection[int]) -> np.ndarray:
        similarity = self.index.bank_vectors @ vector
        if exclude:
            similarity[list(exclude)] = -1.0
        return similarity

    def rank(self, query: Query, n: int) -> list[tuple[int, float]]:
        return self.rank_votes(self.votes(query), query, n)

    def rank_votes(self, votes: BankVotes, query: Query, n: int) -> list[tuple[int, float]]:
        """Passages by the nearest bank question each answers, among all of them (`votes`, computed once per question
        by the retriever); a passage of a document with no bank questions (a user's own file) stands for itself, by
        its own similarity, so that such documents are not left out of this channel."""
        scores = {int(n): float(votes.passage_best[n]) for n in np.flatnonzero(votes.passage_best > -1.0)}
        if self.uncovered:
            for position, cosine in self.index.dense(query.vector, n):
                if self.index.passages[position].doc_id not in self.covered:
                    scores[position] = max(scores.get(position, -1.0), cosine)
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:n]


__all__ = ["CLASSIFIER_SHARE", "NEIGHBOURS", "BankChannel", "BankVotes"]
