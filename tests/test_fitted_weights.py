"""The shipped unit-ranker and coverage weights are what `python -m train.fit` writes from the repository as it is:
learned weights must come from the command, so a change to features, corpus, encoder or train questions without a
refit fails here instead of silently shipping weights fitted on other code (found when a refit of the shipped tree
gave dev evidence@1 0.554 against the 0.565 its committed weights gave)."""

import math

import pytest

# Written with 6 decimals; a refit on another machine may differ in the last digits, a stale file by far more.
TOLERANCE = 1e-3


def _differences(shipped, refitted, path="weights"):
    if isinstance(shipped, dict) and isinstance(refitted, dict):
        if shipped.keys() != refitted.keys():
            return [f"{path}: keys {sorted(shipped)} != {sorted(refitted)}"]
        return [d for key in shipped for d in _differences(shipped[key], refitted[key], f"{path}.{key}")]
    if isinstance(shipped, list) and isinstance(refitted, list):
        if len(shipped) != len(refitted):
            return [f"{path}: {len(shipped)} values != {len(refitted)}"]
        return [d for n, (a, b) in enumerate(zip(shipped, refitted)) for d in _differences(a, b, f"{path}[{n}]")]
    if isinstance(shipped, float | int) and isinstance(refitted, float | int) and not isinstance(shipped, bool):
        return [] if math.isclose(shipped, refitted, abs_tol=TOLERANCE) else [f"{path}: {shipped} != {refitted}"]
    return [] if shipped == refitted else [f"{path}: {shipped!r} != {refitted!r}"]


@pytest.mark.slow
def test_shipped_weights_are_what_train_fit_writes_now(settings, embedder):
    from qa.evidence import EvidenceWeights
    from qa.service import Assistant
    from train.fit import fit, load_split

    assistant = Assistant(settings, embedder=embedder, evidence_weights=None)
    assistant.warm_up()
    refitted = fit(assistant.pipeline, load_split("train")).to_json()
    differences = _differences(EvidenceWeights.load().to_json(), refitted)
    assert not differences, f"qa/data/evidence_weights.json is stale: run python -m train.fit ({differences[:5]})"


@pytest.mark.slow
def test_the_shipped_bank_classifier_is_what_train_fit_writes_now(assistant):
    """The bank classifier (qa/data/bank_classifier.npz) comes from the bank as the index holds it: a change to the
    bank, the corpus's passages or the encoder without a refit fails here."""
    import numpy as np

    from qa.bank_classifier import BankClassifier
    from train.bank_classifier import fit_bank_classifier

    shipped, refitted = BankClassifier.load(), fit_bank_classifier(assistant.index)
    assert refitted is not None and shipped.passage_ids == refitted.passage_ids, (
        "qa/data/bank_classifier.npz is stale: run python -m train.fit")
    for name in ("passage_coef", "passage_intercept", "outside_coef", "outside_intercept"):
        assert np.allclose(getattr(shipped, name), getattr(refitted, name), atol=TOLERANCE), (
            f"qa/data/bank_classifier.npz is stale ({name}): run python -m train.fit")


def test_the_comparison_tolerates_rounding_but_not_a_stale_weight():
    shipped = {"intercept": -4.345106, "weights": [0.097315, 0.5], "kinds": ["a"]}
    assert not _differences(shipped, {"intercept": -4.3451, "weights": [0.0973, 0.5], "kinds": ["a"]})
    assert _differences(shipped, {"intercept": -4.345106, "weights": [0.100547, 0.5], "kinds": ["a"]})
    assert _differences(shipped, {"intercept": -4.345106, "weights": [0.097315], "kinds": ["a"]})
    assert _differences(shipped, {"intercept": -4.345106, "weights": [0.097315, 0.5], "kinds": ["b"]})


def test_ablation_drops_a_feature_only_while_no_figure_loses_more_than_the_tolerance():
    """Backward elimination (train.ablate) on made-up counts of two figures: each feature is worth its listed
    questions on each."""
    from train.ablate import eliminate

    worth = {"a": (0, 0), "b": (3, 0), "c": (1, 1), "d": (0, 1), "e": (2, -2)}  # "e" trades one figure for the other

    def score(names):
        return tuple(10 + sum(worth[n][k] for n in names) for k in range(2))

    full, rows = eliminate(score, features=tuple(worth), tolerance=1)
    assert full == (16, 10)
    assert rows == [("a", (16, 10), False), ("b", (13, 10), True), ("c", (15, 9), False), ("d", (15, 8), True),
                    ("e", (13, 11), True)]


def test_ablation_counts_each_headline_figure():
    from types import SimpleNamespace

    from train.ablate import dev_counts

    def result(answerable, refused, first=None, lines=None):
        return SimpleNamespace(question=SimpleNamespace(answerable=answerable),
                               scores={"refused": refused, "evidence@1": first, "answer_evidence": lines})

    results = [result(True, False, 1.0, 1.0), result(True, False, 0.0, 1.0), result(True, True, 0.0, 0.0),
               result(False, True), result(False, False)]
    assert dev_counts(results) == (1, 2, 2, 1)
