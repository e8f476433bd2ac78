"""Fit the bank classifier (qa/bank_classifier.py) on the question bank as the index holds it: `python -m train.fit`
runs this first, since the answer weights read its output. Deterministic: the same index, the same numbers.

Only the bank is fitted on (never an eval split): the answer ranker, fitted on train next, then learns how far real
questions can trust the classifier, as it does the bank's nearness.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from index.loaded import SearchIndex
from qa.bank_classifier import BankClassifier

# Strength of both models, chosen on train, dev and the written set among 1, 10, 30 and 100 (top-1 passage of the
# classifier and of the channel's nearness with it; docs/decisions/2026-12-07-question-bank.md, session 10).
C = 10.0
MAX_ITERATIONS = 3000


def fit_bank_classifier(index: SearchIndex) -> BankClassifier | None:
    """None when the bank cannot teach both models: fewer than two passages answer its questions, or it has no
    out-of-scope questions (a small test corpus)."""
    places, vectors = index.bank_places, index.bank_vectors
    rows, labels = places.passage_pairs()
    if len(np.unique(labels)) < 2 or places.answerable.all():
        return None
    passage = LogisticRegression(C=C, max_iter=MAX_ITERATIONS).fit(vectors[rows], labels)
    outside = LogisticRegression(C=C, max_iter=MAX_ITERATIONS).fit(vectors, ~places.answerable)
    coef, intercept = passage.coef_, passage.intercept_
    if len(passage.classes_) == 2:  # sklearn keeps one row for two classes: as a softmax, half of it each way
        coef, intercept = np.vstack([-coef[0] / 2, coef[0] / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
    return BankClassifier(
        passage_ids=tuple(index.passages[int(n)].passage_id for n in passage.classes_),
        passage_coef=coef.astype(np.float32),
        passage_intercept=intercept.astype(np.float32),
        outside_coef=outside.coef_[0].astype(np.float32),
        outside_intercept=float(np.float32(outside.intercept_[0])),
    )


__all__ = ["C", "fit_bank_classifier"]
