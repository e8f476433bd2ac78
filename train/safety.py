"""`python -m train.safety [--items DIR] [--out FILE] [-v]`: fit the safety classifier on eval/safety/train.jsonl.

Writes qa/data/safety_weights.npz, which the product reads as numbers (qa/safety/classify.py, where its format is
defined). Deterministic: the same train split, code and encoder write the same bytes. Rerun it whenever any of them changes (the encoder
above all: the classifier reads the question's vector); tests/test_safety.py checks that the shipped file is what
this command writes from the tree.

What is fitted, on `train` only (dev chose between variants; test is never read here):
- the feature vocabulary: the character n-grams and word n-grams (qa.safety.classify.features) of the normalised
  messages found in at least MIN_DF of them, and their idf;
- the detector, a logistic regression for "a child may be in danger now" over [vector_scale x the question's
  vector, the n-gram features], with everyday calm messages and plain questions on the guidance counted
  CALM_WEIGHT times; its strength C and vector_scale chosen by grouped cross-validation (FOLDS folds; messages that differ
  only in a pronoun stay in one fold): fewest calm false alarms at the threshold below;
- the threshold on P(danger): the highest that keeps TARGET_RECALL of the danger messages out of fold, counting the
  ones the pattern floor catches (high recall first);
- the hedged threshold, for messages whose own words put them in the past, make them hypothetical, ask about any
  child or for teaching material (the floor's `unless` list: "if i ever found marks on her arms..."): the highest,
  not below the threshold, at which the danger messages kept out of fold are still TARGET_RECALL;
- the kind model, a multinomial logistic regression over the kinds of danger (suicide, exploitation, ...) on the
  danger messages, on the same features, its C chosen by the same folds (accuracy of the notice the predicted kind
  gets: the notice is what a reader sees first; the kind also says which guidance may follow it).
"""

from __future__ import annotations

import argparse
import logging
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from eval.safety import SAFETY_DIR, SafetyItem, load_items, prepared, split_key
from qa.safety import floor_kinds, hedged, notice_for
from qa.safety.classify import DECIMALS, WEIGHTS_FILE, SafetyWeights, features, question_text
from qa.safety.normalise import normalise
from settings import Settings

CHARS = (2, 5)
WORDS = 2
# A feature is kept if at least this many train messages have it. 3 since the train split grew to 1560 messages
# (sources/calm-near-misses-2.jsonl, danger-more.jsonl): at 2 the vocabulary is 17.8k features and the weights file
# over the 1 MB tests/test_safety.py allows; at 3 on dev the same recall (133/135) and one calm false alarm fewer
# (5/184 against 6/184).
MIN_DF = 3
FOLDS = 10
TARGET_RECALL = 0.98  # the bar, on messages the fit has not seen (floor included)
# Calm messages of these kinds count this many times: everyday family life ("she screamed the house down because her
# ipad died") and plain questions on the guidance (the product's everyday traffic) are what a carer types most, and
# what the danger messages' words ("brother", "took", "tonight") pull towards a false alarm. 2 chosen on dev among
# 1, 2 and 3, and weighting everyday alone or with guidance: fewer false alarms, same recall.
CALM_WEIGHT = 2.0
WEIGHTED_KINDS = ("everyday", "guidance")
C_GRID = (10.0, 30.0, 100.0)
SCALE_GRID = (0.5, 1.0, 2.0)
KIND_C_GRID = (3.0, 10.0, 30.0)

log = logging.getLogger(__name__)


def vocabulary(normalised: Sequence[str], min_df: int = MIN_DF) -> tuple[list[str], np.ndarray]:
    """The features found in at least min_df messages, sorted, and their smoothed idf."""
    df = Counter(g for text in normalised for g in features(text, CHARS, WORDS))
    vocab = sorted(g for g, n in df.items() if n >= min_df)
    n = len(normalised)
    return vocab, np.array([math.log((1 + n) / (1 + df[g])) + 1.0 for g in vocab])


def feature_matrix(normalised: Sequence[str], vocab: Sequence[str], idf: np.ndarray) -> sparse.csr_matrix:
    """Each message's idf-weighted feature presence, scaled to unit length (as SafetyWeights.ngram_features)."""
    column = {g: n for n, g in enumerate(vocab)}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for r, text in enumerate(normalised):
        found = sorted(column[g] for g in features(text, CHARS, WORDS) if g in column)
        weights = idf[found]
        norm = float(np.sqrt(weights @ weights)) or 1.0
        rows += [r] * len(found)
        cols += found
        values += list(weights / norm)
    return sparse.csr_matrix((values, (rows, cols)), shape=(len(normalised), len(vocab)))


def design(vectors: np.ndarray, grams: sparse.csr_matrix, scale: float) -> sparse.csr_matrix:
    return sparse.hstack([sparse.csr_matrix(vectors * scale), grams], format="csr")


def _model(c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=10_000, tol=1e-6)


def sample_weights(items: Sequence[SafetyItem]) -> np.ndarray:
    return np.array([CALM_WEIGHT if not i.danger and i.kind in WEIGHTED_KINDS else 1.0 for i in items])


def folds(items: Sequence[SafetyItem]) -> list[np.ndarray]:
    """Test indices of FOLDS folds, stratified by notice (or calm), messages with one split key in one fold."""
    from sklearn.model_selection import StratifiedGroupKFold

    labels = [notice_for(i.kind) if i.danger else "calm" for i in items]
    splitter = StratifiedGroupKFold(n_splits=FOLDS, shuffle=False)
    return [test for _, test in splitter.split(np.zeros(len(items)), labels, [split_key(i.text) for i in items])]


def threshold_for(p_danger: np.ndarray, is_danger: np.ndarray, floor: np.ndarray,
                  target: float = TARGET_RECALL) -> float:
    """The highest threshold on P(danger) at which the detector and the floor together keep `target` of the danger
    messages, set halfway down to the next lower score so that a message scored like the last one kept is kept."""
    for cut in np.unique(p_danger)[::-1]:
        if np.mean((p_danger[is_danger] >= cut) | floor[is_danger]) >= target:
            return _halfway_down(cut, p_danger)
    return 0.0


def _halfway_down(cut: float, scores: np.ndarray) -> float:
    """Halfway from `cut` to the next lower of `scores` (`cut` itself when none is lower)."""
    lower = scores[scores < cut]
    return float((cut + lower.max()) / 2) if lower.size else float(cut)


def hedged_threshold_for(p_danger: np.ndarray, is_danger: np.ndarray, floor: np.ndarray, is_hedged: np.ndarray,
                         threshold: float, target: float = TARGET_RECALL) -> float:
    """The highest threshold for hedged messages (the threshold applying to the rest) at which the detector and the
    floor together keep `target` of the danger messages; set halfway down to the next lower hedged score, like
    threshold_for; never below `threshold`."""
    others = (~is_hedged & (p_danger >= threshold)) | floor
    scores = p_danger[is_hedged & (p_danger >= threshold)]
    for cut in np.unique(scores)[::-1]:
        if np.mean(others[is_danger] | (is_hedged & (p_danger >= cut))[is_danger]) >= target:
            return _halfway_down(cut, scores)
    return threshold


class Fit:
    """The train messages as the product sees them, and everything fitted on them."""

    def __init__(self, items: Sequence[SafetyItem], normalised: Sequence[str], vectors: np.ndarray):
        self.items = list(items)
        self.normalised = list(normalised)
        self.vectors = vectors
        self.is_danger = np.array([i.danger for i in items])
        self.floor = np.array([bool(floor_kinds(t)) for t in normalised])
        self.hedged = np.array([hedged(t) for t in normalised])
        self.kinds = np.array([i.kind if i.danger else "" for i in items])
        self.weights = sample_weights(items)
        self.folds = folds(items)
        # the vocabulary of each fold's training part, so no feature comes from the messages it is tested on
        self._fold_grams = []
        for test in self.folds:
            train = np.setdiff1d(np.arange(len(items)), test)
            vocab, idf = vocabulary([self.normalised[i] for i in train])
            self._fold_grams.append((train, test, feature_matrix(self.normalised, vocab, idf)))

    def out_of_fold(self, c: float, scale: float) -> np.ndarray:
        """P(danger) of each message from a detector fitted without its fold."""
        out = np.zeros(len(self.items))
        for train, test, grams in self._fold_grams:
            x = design(self.vectors, grams, scale)
            model = _model(c).fit(x[train], self.is_danger[train], sample_weight=self.weights[train])
            out[test] = model.predict_proba(x[test])[:, 1]
        return out

    def kind_accuracy(self, c: float, scale: float) -> float:
        """Out-of-fold accuracy of the kind model on the danger messages: the predicted kind gets the right notice."""
        right = 0
        for train, test, grams in self._fold_grams:
            x = design(self.vectors, grams, scale)
            train, test = train[self.is_danger[train]], test[self.is_danger[test]]
            model = _model(c).fit(x[train], self.kinds[train])
            right += sum(notice_for(p) == notice_for(k) for p, k in zip(model.predict(x[test]), self.kinds[test]))
        return right / int(self.is_danger.sum())

    def choose(self) -> dict:
        """The detector's C and scale, its threshold and the kind model's C, all by cross-validation."""
        trials = []
        for scale in SCALE_GRID:
            for c in C_GRID:
                p = self.out_of_fold(c, scale)
                t = threshold_for(p, self.is_danger, self.floor)
                t_hedged = hedged_threshold_for(p, self.is_danger, self.floor, self.hedged, t)
                flagged = (p >= np.where(self.hedged, t_hedged, t)) | self.floor
                result = {"C": c, "vector_scale": scale, "threshold": t, "hedged_threshold": t_hedged,
                          "recall": float(flagged[self.is_danger].mean()),
                          "false_alarms": float(flagged[~self.is_danger].mean())}
                log.info("%s", result)
                trials.append(((result["false_alarms"], c, abs(math.log(scale))), result))
        chosen = min(trials, key=lambda t: t[0])[1]
        accuracy = {c: self.kind_accuracy(c, chosen["vector_scale"]) for c in KIND_C_GRID}
        log.info("kind accuracy by C: %s", accuracy)
        kind_c = max(KIND_C_GRID, key=lambda c: (accuracy[c], -c))
        return {**chosen, "kind_C": kind_c, "kind_accuracy": accuracy[kind_c]}

    def weights_file(self) -> dict:
        """The weights file's content: the chosen models refitted on every train message."""
        chosen = self.choose()
        vocab, idf = vocabulary(self.normalised)
        x = design(self.vectors, feature_matrix(self.normalised, vocab, idf), chosen["vector_scale"])
        detector = _model(chosen["C"]).fit(x, self.is_danger, sample_weight=self.weights)
        kind_model = _model(chosen["kind_C"]).fit(x[self.is_danger], self.kinds[self.is_danger])
        dimension = self.vectors.shape[1]
        coef = detector.coef_[0]
        return {
            "about": {
                "fitted_by": "python -m train.safety", "train_messages": len(self.items),
                "train_danger": int(self.is_danger.sum()), "target_recall": TARGET_RECALL,
                "calm_weight": CALM_WEIGHT, "weighted_kinds": list(WEIGHTED_KINDS), "folds": FOLDS,
                "cross_validated": {k: round(float(v), 4) for k, v in chosen.items()},
            },
            "threshold": _round(chosen["threshold"]),
            "hedged_threshold": _round(chosen["hedged_threshold"]),
            "vector_scale": chosen["vector_scale"],
            "features": {"chars": list(CHARS), "words": WORDS, "vocabulary": vocab, "idf": _rounded(idf)},
            "detector": {"intercept": _round(detector.intercept_[0]), "vector_weights": _rounded(coef[:dimension]),
                         "ngram_weights": _rounded(coef[dimension:])},
            "kinds": {"classes": [str(k) for k in kind_model.classes_], "intercept": _rounded(kind_model.intercept_),
                      "vector_weights": [_rounded(row[:dimension]) for row in kind_model.coef_],
                      "ngram_weights": [_rounded(row[dimension:]) for row in kind_model.coef_]},
        }


def _round(value) -> float:
    return round(float(value), DECIMALS) + 0.0  # + 0.0: never "-0.0"


def _rounded(values) -> list[float]:
    return [_round(v) for v in np.ravel(values)]


def question_vectors(items: Sequence[SafetyItem], settings: Settings, embedder=None) -> tuple[list[str], np.ndarray]:
    """The normalised messages and the question vectors the product computes for them (one at a time, through
    embed_query, as the product does)."""
    from index.embedder import Embedder

    embedder = embedder or Embedder.from_settings(settings)
    texts = [prepared(i.text, settings.max_question_chars) for i in items]
    vectors = np.stack([embedder.embed_query(question_text(t)) for t in texts]).astype(np.float64)
    return [normalise(t) for t in texts], vectors


def fit(items: Sequence[SafetyItem], normalised: Sequence[str], vectors: np.ndarray) -> dict:
    return Fit(items, normalised, vectors).weights_file()


def write(weights: dict, path: Path) -> None:
    """The weights file the product reads (qa.safety.classify.SafetyWeights.save): the same weights, the same bytes."""
    SafetyWeights.from_json(weights).save(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.safety", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=Path, default=SAFETY_DIR, help="folder holding train.jsonl")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    parser.add_argument("-v", "--verbose", action="store_true", help="print each cross-validated trial")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    items = load_items(["train"], args.items)
    normalised, vectors = question_vectors(items, Settings.from_env())
    weights = fit(items, normalised, vectors)
    write(weights, args.out)
    about = weights["about"]
    print(f"wrote {args.out}: {about['train_messages']} train messages, {len(weights['features']['vocabulary'])} "
          f"features, threshold {weights['threshold']} (hedged {weights['hedged_threshold']}), cross-validated {about['cross_validated']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
