"""Which passage a question asks about, and whether the guidance answers it at all, learned from the whole question
bank: two logistic regressions over the question's vector as typed, fitted by `python -m train.fit`
(train/bank_classifier.py) on the bank's questions and shipped as numbers (qa/data/bank_classifier.npz); the
product only reads them.

The bank channel's nearness (qa/channels/bank.py) asks which single bank question comes nearest; a passage's
classifier weighs all of its 15-20 questions at once against its neighbours', so the words that tell one part of a
long NG205 box, or one of two sibling PH28 recommendations, from the other count more than the words they share
(docs/decisions/2026-12-07-question-bank.md, session 10).

- `passage`: a multinomial over the passages the bank's answerable questions are answered by (a question answered
  by two counts for each), named by passage id, so an index with other passages (a user's own file) uses the
  classes it has;
- `outside`: a binary model, out-of-scope bank questions against answerable ones; its logit is a coverage feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.npz import write_npz
from qa.patterns import DATA_DIR

CLASSIFIER_FILE = DATA_DIR / "bank_classifier.npz"
FLOOR = 1e-6  # log(P + FLOOR): a passage the classifier rules out still scores by its nearest bank question
ARRAYS = ("passage_ids", "passage_coef", "passage_intercept", "outside_coef", "outside_intercept")


@dataclass(frozen=True, eq=False)
class BankClassifier:
    passage_ids: tuple[str, ...]  # the passage classes, in the order of the rows below
    passage_coef: np.ndarray  # float32, passages x dimension
    passage_intercept: np.ndarray  # float32, one per passage
    outside_coef: np.ndarray  # float32, one per dimension
    outside_intercept: float

    @classmethod
    def load(cls, path: Path = CLASSIFIER_FILE) -> BankClassifier:
        return _load(path)

    @classmethod
    def from_file(cls, path: Path) -> BankClassifier:
        """The classifier a `save` wrote; ValueError when the arrays are not of its shape (use `load`: read once per
        path)."""
        with np.load(path, allow_pickle=False) as saved:
            missing = [name for name in ARRAYS if name not in saved]
            if missing:
                raise ValueError(f"{path.name}: no {', '.join(missing)}")
            ids = saved["passage_ids"].tobytes().decode("utf-8")
            classifier = cls(passage_ids=tuple(ids.split("\n")) if ids else (),
                             passage_coef=saved["passage_coef"], passage_intercept=saved["passage_intercept"],
                             outside_coef=saved["outside_coef"], outside_intercept=float(saved["outside_intercept"][0]))
        problem = classifier._shape_problem()
        if problem:
            raise ValueError(f"{path.name}: {problem}")
        return classifier

    def save(self, path: Path = CLASSIFIER_FILE) -> None:
        if any("\n" in passage_id for passage_id in self.passage_ids):
            raise ValueError("a passage id holds a line break")
        write_npz(Path(path), {
            "passage_ids": np.frombuffer("\n".join(self.passage_ids).encode("utf-8"), dtype=np.uint8),
            "passage_coef": np.asarray(self.passage_coef, dtype=np.float32),
            "passage_intercept": np.asarray(self.passage_intercept, dtype=np.float32),
            "outside_coef": np.asarray(self.outside_coef, dtype=np.float32),
            "outside_intercept": np.array([self.outside_intercept], dtype=np.float32)})

    def classes_in(self, passage_ids: Sequence[str]) -> np.ndarray:
        """Each class's position among `passage_ids` (an index's passages), -1 where the index lacks it."""
        position = {passage_id: n for n, passage_id in enumerate(passage_ids)}
        return np.array([position.get(passage_id, -1) for passage_id in self.passage_ids], dtype=np.int64)

    def passage_log_probability(self, vector: np.ndarray, classes: np.ndarray, passages: int) -> np.ndarray:
        """Per passage of an index of `passages` (`classes`: from `classes_in`), log(P(the question asks about
        it) + FLOOR), over the classes the index has; log(FLOOR) for a passage that is no class."""
        present = classes >= 0
        out = np.full(passages, np.log(FLOOR))
        if present.any():
            logits = (self.passage_coef[present] @ vector + self.passage_intercept[present]).astype(np.float64)
            probabilities = np.exp(logits - logits.max())  # a softmax in numpy: scipy is not loaded to answer
            out[classes[present]] = np.log(probabilities / probabilities.sum() + FLOOR)
        return out

    def outside_logit(self, vector: np.ndarray) -> float:
        """How far the question leans towards the bank's out-of-scope questions (log-odds)."""
        return float(self.outside_coef @ vector + self.outside_intercept)

    def _shape_problem(self) -> str:
        classes, dimension = (self.passage_coef.shape if self.passage_coef.ndim == 2 else (-1, -1))
        if classes != len(self.passage_ids) or self.passage_intercept.shape != (classes,):
            return "the passage model is not one row and one intercept per passage id"
        if self.outside_coef.shape != (dimension,):
            return "the out-of-scope model does not have the passage model's dimension"
        if len(set(self.passage_ids)) != len(self.passage_ids):
            return "a passage id is listed twice"
        return ""


@lru_cache(maxsize=4)
def _load(path: Path) -> BankClassifier:
    return BankClassifier.from_file(path)


__all__ = ["CLASSIFIER_FILE", "FLOOR", "BankClassifier"]
