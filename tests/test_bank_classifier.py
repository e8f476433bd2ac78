"""The bank classifier (qa/bank_classifier.py, fitted by train/bank_classifier.py): what it learns from the bank,
how the bank channel adds its say, and its file."""

from __future__ import annotations

import numpy as np
import pytest

from qa.bank_classifier import FLOOR, BankClassifier
from qa.channels import BankChannel, Query
from qa.channels.bank import CLASSIFIER_SHARE
from tests.index_fakes import FakeEmbedder
from tests.test_question_bank import _small_index_with_a_bank


def _opened(tmp_path):
    from index.loaded import open_index

    return open_index(_small_index_with_a_bank(tmp_path), embedder=FakeEmbedder(), rebuild=False)


def _query(text: str) -> Query:
    vector = FakeEmbedder().embed_query(text)
    return Query(text, text, vector, vector)


def test_it_learns_one_class_per_passage_the_bank_answers_and_names_them_by_passage_id(tmp_path):
    from train.bank_classifier import fit_bank_classifier

    index = _opened(tmp_path)
    classifier = fit_bank_classifier(index)
    assert classifier is not None
    answered = {index.passages[n].passage_id for n in index.bank_places.passage_ids.tolist()}
    assert set(classifier.passage_ids) == answered and len(answered) == 2
    assert classifier.passage_coef.shape == (2, index.bank_vectors.shape[1])
    # "can i get a break" (answered by the respite passage alone) is most likely about it; with two classes the
    # softmax is the binary model sklearn fits
    classes = classifier.classes_in([p.passage_id for p in index.passages])
    said = classifier.passage_log_probability(index.bank_vectors[0], classes, len(index.passages))
    assert int(np.argmax(said)) == index.bank_places.passages(0)[0]
    # the out-of-scope model leans towards the bank's out-of-scope question
    answerable = index.bank_places.answerable
    logits = [classifier.outside_logit(v) for v in index.bank_vectors]
    assert min(np.array(logits)[~answerable]) > max(np.array(logits)[answerable])


def test_a_bank_that_cannot_teach_it_gives_no_classifier(tmp_path):
    from dataclasses import replace

    from index.bank import BankPlaces
    from train.bank_classifier import fit_bank_classifier

    index = _opened(tmp_path)
    places = index.bank_places
    all_answerable = BankPlaces(np.ones(len(places), dtype=bool), places.passage_starts, places.passage_ids,
                                places.unit_starts, places.unit_ids)
    assert fit_bank_classifier(replace(index, bank_places=all_answerable)) is None


def test_the_channel_adds_the_classifiers_say_to_a_passages_nearness_but_ranks_by_nearness(tmp_path):
    from train.bank_classifier import fit_bank_classifier

    index = _opened(tmp_path)
    classifier = fit_bank_classifier(index)
    plain, said = BankChannel(index), BankChannel(index, classifier)
    query = _query("can i get a break")
    without, votes = plain.votes(query), said.votes(query)
    assert np.array_equal(votes.passage_best, without.passage_best)
    assert np.array_equal(without.passage_score, without.passage_best) and without.outside == 0.0
    classes = classifier.classes_in([p.passage_id for p in index.passages])
    log_probability = classifier.passage_log_probability(query.typed_vector, classes, len(index.passages))
    answered = votes.passage_best > -1.0
    assert np.allclose(votes.passage_score[answered],
                       votes.passage_best[answered] + CLASSIFIER_SHARE * log_probability[answered])
    assert (votes.passage_score[~answered] == -1.0).all()
    assert votes.outside == pytest.approx(classifier.outside_logit(query.typed_vector))
    assert said.rank(query, 5) == plain.rank(query, 5)  # the channel's own ranking is the nearness alone


def test_classes_an_index_lacks_are_left_out_and_its_other_passages_get_the_floor():
    classifier = BankClassifier(("a#0", "gone#0", "b#0"), np.eye(3, 2, dtype=np.float32),
                                np.zeros(3, dtype=np.float32), np.ones(2, dtype=np.float32), -1.0)
    classes = classifier.classes_in(["b#0", "mine#0", "a#0"])  # a user's own passage in the middle
    assert classes.tolist() == [2, -1, 0]
    said = classifier.passage_log_probability(np.array([2.0, 0.0], dtype=np.float32), classes, 3)
    assert said[1] == pytest.approx(np.log(FLOOR))
    assert np.exp(said[[0, 2]]).sum() == pytest.approx(1.0 + 2 * FLOOR)  # a softmax over the two it has
    assert said[2] > said[0]  # "a#0" leans on the first dimension
    assert classifier.outside_logit(np.array([1.0, 2.0])) == pytest.approx(2.0)


def test_its_file_gives_it_back_and_the_same_classifier_the_same_bytes(tmp_path):
    classifier = BankClassifier(("s#0", "s#1"), np.arange(6, dtype=np.float32).reshape(2, 3) / 7,
                                np.array([0.5, -0.5], dtype=np.float32), np.ones(3, dtype=np.float32), 0.25)
    classifier.save(tmp_path / "a.npz")
    classifier.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    again = BankClassifier.from_file(tmp_path / "a.npz")
    assert again.passage_ids == classifier.passage_ids and again.outside_intercept == 0.25
    assert np.array_equal(again.passage_coef, classifier.passage_coef)


def test_a_classifier_file_of_the_wrong_shape_is_refused_naming_the_file(tmp_path):
    bad = BankClassifier(("s#0", "s#1"), np.zeros((3, 4), dtype=np.float32), np.zeros(3, dtype=np.float32),
                         np.zeros(4, dtype=np.float32), 0.0)
    bad.save(tmp_path / "bad.npz")
    with pytest.raises(ValueError, match=r"bad\.npz: the passage model is not one row"):
        BankClassifier.from_file(tmp_path / "bad.npz")
    np.savez(tmp_path / "partial.npz", passage_ids=np.zeros(0, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"partial\.npz: no passage_coef"):
        BankClassifier.from_file(tmp_path / "partial.npz")


def test_the_shipped_classifier_is_small():
    from qa.bank_classifier import CLASSIFIER_FILE

    assert CLASSIFIER_FILE.stat().st_size < 1_000_000
