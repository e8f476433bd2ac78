"""`python -m train.fit [--questions DIR] [--out FILE] [--classifier-out FILE] [--with-bank]`: fit the bank classifier
on the question bank, then the answer-evidence weights on the train split (with --with-bank, also on the question
bank, each bank question leaving itself out of the bank channel but not out of the classifier: measured worse on
dev, so not the default).

Writes qa/data/bank_classifier.npz (train/bank_classifier.py) and qa/data/evidence_weights.json, which the product
loads offline. Deterministic: same index, same train questions, same files. What is fitted after the classifier,
all on `train` only (dev chooses between variants, test is never read):
- which way questions about the guidance itself lean, in the embedding space (mean of the about-guidance
  questions minus mean of the rest);
- a logistic regression over qa.evidence.FEATURES for "this unit holds a gold evidence span" (its strength C
  chosen by grouped cross-validation on top-1 accuracy);
- the refusal threshold on the best unit's probability (as many near out-of-scope questions refused as possible
  while at most MAX_FALSE_REFUSAL of the answerable ones are);
- the share of the best probability a further sentence needs to be quoted, and the share of the best substantive
  sentence's probability that shared topic text needs to be quoted beside it;
- the margin by which a question's best probability must rise with the previous question for it to be treated as
  a follow-up;
- the coverage model: P(the guidance answers the question) over qa.evidence.COVER_FEATURES, with a persona-balanced
  classifier over the question's embedding stacked into it, and its refusal threshold.
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from eval.metrics import main_clause, normalise
from eval.questions import QUESTIONS_DIR, load_questions
from qa.bank_classifier import CLASSIFIER_FILE
from qa.evidence import COVER_FEATURES, FEATURES, LEANING_KINDS, WEIGHTS_FILE, EvidenceWeights, LinearModel, is_quotable
from qa.pipeline import Pipeline
from qa.select import MAX_QUOTES, MAX_TITLES, is_shared_text
from train.bank_classifier import fit_bank_classifier

# Refuse at most this share of train's answerable questions. Below the 0.03 the product aims at: since the bank
# channel reads the question as typed, unseen questions are refused a little more often than train's (dev and the
# written set: docs/decisions/2026-12-07-question-bank.md, session 9).
MAX_FALSE_REFUSAL = 0.02
CLOSENESS_QUANTILE = 0.01
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
SHARE_GRID = tuple(round(x, 2) for x in np.arange(0.3, 0.96, 0.05))
CONTEXT_GRID = tuple(round(x, 2) for x in np.arange(0.3, 1.51, 0.05))
MARGIN_GRID = tuple(round(x, 2) for x in np.arange(-0.1, 0.41, 0.02))
FOLDS = 5
QUESTION_COVER_C = 10.0  # strength of the question classifier, chosen on dev among 1, 3 and 10 (see README)
MIN_SPAN_CHARS = 40  # a unit this long that lies inside a gold span is part of the evidence


def load_split(split: str, directory: Path = QUESTIONS_DIR) -> list[dict]:
    return [q.model_dump() for q in load_questions([split], directory)]


def holds_evidence(unit_text: str, spans: Sequence[str]) -> bool:
    """The unit holds a gold span (or its main clause), or is itself a sentence of a longer span."""
    text = normalise(unit_text)
    for span in spans:
        clause = main_clause(span)
        if clause and clause in text:
            return True
        core = text.rstrip(" .;:,")
        if len(core) >= MIN_SPAN_CHARS and core in normalise(span):
            return True
    return False


@dataclass
class Example:
    item: dict
    features: np.ndarray  # one row per candidate unit
    labels: np.ndarray  # holds gold evidence
    quotable: np.ndarray  # may be quoted as the answer's content
    shared: np.ndarray  # shared topic text: quoted beside the lead only from the fitted context share


def resolved_question(item: dict) -> str:
    """The question as retrieval should see it: a follow-up carries the previous question (by its gold kind)."""
    if item["kind"] == "follow-up" and item["history"]:
        return f"{item['history'][-1]} {item['question']}"
    return item["question"]


def bank_items(pipeline: Pipeline) -> list[dict]:
    """The question bank (corpus/questions) as fitting items: answerable ones with their gold spans, out-of-scope
    ones as near out-of-scope questions. Each leaves itself out of the bank channel (`bank_exclude`), so a bank
    question is scored as a new question would be, by its neighbours, not by itself."""
    return [{"id": placed.question.question_id, "question": placed.question.question, "kind": "practical",
             "scope": "in" if placed.question.answerable else "near", "persona": placed.question.voice,
             "history": [], "evidence": [g.evidence for g in placed.question.gold],
             "gold_sections": [g.section_id for g in placed.question.gold], "bank_exclude": frozenset({n})}
            for n, placed in enumerate(pipeline.index.bank)]


def _exclude(item: dict) -> frozenset[int]:
    return item.get("bank_exclude", frozenset())


def examples(pipeline: Pipeline, items: Sequence[dict], directions: np.ndarray,
             names: Sequence[str] = FEATURES) -> list[Example]:
    """One Example per item, over the feature columns `names` (a subset of FEATURES: train.ablate)."""
    columns = [FEATURES.index(name) for name in names]
    out = []
    for item in items:
        question = resolved_question(item)
        ids, features = pipeline.features(question, directions, _exclude(item))
        features = features[:, columns]
        units = pipeline.index.units
        labels = np.array([holds_evidence(units[n].text, item["evidence"]) for n in ids], dtype=bool)
        sections = pipeline.index.sections
        quotable = np.array([is_quotable(units[n], sections[units[n].section_id].kind) for n in ids], dtype=bool)
        shared = np.array([is_shared_text(units[n]) for n in ids], dtype=bool)
        out.append(Example(item, features, labels, quotable, shared))
    return out


def kind_directions(pipeline: Pipeline, items: Sequence[dict]) -> np.ndarray:
    """For each of LEANING_KINDS, the unit direction from the other train questions' mean to that kind's mean."""
    vectors = np.stack([pipeline.query_vector(i["question"]) for i in items])
    rows = []
    for kind in LEANING_KINDS:
        chosen = np.array([i["kind"] == kind for i in items])
        if not chosen.any() or chosen.all():
            rows.append(np.zeros(vectors.shape[1]))
            continue
        direction = vectors[chosen].mean(axis=0) - vectors[~chosen].mean(axis=0)
        rows.append(direction / np.linalg.norm(direction))
    return np.asarray(rows, dtype=np.float32)


def _fit(examples_: Sequence[Example], c: float):
    """A ranking model fitted on pairs (a gold unit against every other candidate of the same question), then
    calibrated to a probability on all candidates (Platt scaling), so thresholds can be set on it."""
    from sklearn.linear_model import LogisticRegression

    features = np.vstack([e.features for e in examples_])
    labels = np.concatenate([e.labels for e in examples_])
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale[scale == 0] = 1.0
    pairs = []
    for e in examples_:
        z = (e.features - mean) / scale
        for k in np.flatnonzero(e.labels):
            pairs.append(z[k] - z[~e.labels])
    diffs = np.vstack(pairs)
    ranker = LogisticRegression(C=c, max_iter=5000, fit_intercept=False).fit(
        np.vstack([diffs, -diffs]), np.r_[np.ones(len(diffs)), np.zeros(len(diffs))])
    score = ((features - mean) / scale) @ ranker.coef_[0]
    platt = LogisticRegression(C=1e6, max_iter=5000).fit(score.reshape(-1, 1), labels)
    slope = float(platt.coef_[0][0])
    return mean, scale, ranker.coef_[0] * slope, float(platt.intercept_[0])


def _top1(examples_: Sequence[Example], weights: EvidenceWeights) -> float:
    answerable = [e for e in examples_ if e.item["scope"] == "in" and len(e.labels)]
    hits = [e.labels[int(np.argmax(weights.probabilities(e.features)))] for e in answerable]
    return float(np.mean(hits)) if hits else 0.0


def _weights(names, mean, scale, coef, intercept, direction, **thresholds) -> EvidenceWeights:
    return EvidenceWeights(tuple(names), mean, scale, coef, intercept, direction,
                           thresholds.get("refuse_below", 0.0), thresholds.get("quote_share", 0.5),
                           thresholds.get("follow_up_margin", 0.1), thresholds.get("about_above", 1.0))


def choose_c(train: Sequence[Example], direction: np.ndarray, names: Sequence[str] = FEATURES) -> float:
    answerable = [e for e in train if e.item["scope"] == "in" and len(e.labels)]
    scores = {}
    for c in C_GRID:
        accuracy = []
        for fold in range(FOLDS):
            fit_on = [e for n, e in enumerate(answerable) if n % FOLDS != fold]
            held = [e for n, e in enumerate(answerable) if n % FOLDS == fold]
            mean, scale, coef, intercept = _fit(fit_on, c)
            accuracy.append(_top1(held, _weights(names, mean, scale, coef, intercept, direction)))
        scores[c] = float(np.mean(accuracy))
    logging.info("C by cross-validated top-1: %s", scores)
    return max(C_GRID, key=lambda c: (scores[c], -c))


def refusal_threshold(best: Sequence[tuple[str, float]]) -> float:
    """The highest threshold that refuses at most MAX_FALSE_REFUSAL of the answerable questions."""
    answerable = sorted(p for scope, p in best if scope == "in")
    if not answerable:
        return 0.0
    allowed = int(MAX_FALSE_REFUSAL * len(answerable))
    return float(answerable[allowed]) - 1e-6 if allowed < len(answerable) else 0.0


def fit(pipeline: Pipeline, train: Sequence[dict], bank: Sequence[dict] = (),
        names: Sequence[str] = FEATURES) -> EvidenceWeights:
    """Directions, the follow-up margin and the closeness floor from `train` (real questions with their kinds and
    conversations); the ranker (over the features `names`), the quote shares and the coverage model from `train`
    and `bank` together."""
    direction = kind_directions(pipeline, train)
    train_examples = examples(pipeline, [*train, *bank], direction, names)
    c = choose_c(train_examples, direction, names)
    answerable = [e for e in train_examples if e.item["scope"] == "in" and len(e.labels)]
    mean, scale, coef, intercept = _fit(answerable, c)
    weights = _weights(names, mean, scale, coef, intercept, direction)
    share = quote_share(answerable, weights)
    context = context_share(answerable, replace(weights, quote_share=share))
    titles = title_share(answerable, replace(weights, quote_share=share, context_share=context), names)
    margin = follow_up_margin(pipeline, train, weights)
    about = about_threshold(pipeline, train, direction)
    weights = replace(_weights(names, mean, scale, coef, intercept, direction, quote_share=share, follow_up_margin=margin,
                               about_above=about), context_share=context, title_share=titles)
    cover, question, refuse_below = fit_cover(pipeline, [*train, *bank], weights)
    weights = replace(weights, cover=cover, question_cover=question, refuse_below=round(refuse_below, 6))
    return replace(weights, min_closeness=min_closeness(pipeline, train, weights))


def min_closeness(pipeline: Pipeline, train: Sequence[dict], weights: EvidenceWeights) -> float:
    """The closeness (best unit cosine) that CLOSENESS_QUANTILE of the answerable train questions reach: below it
    a question is far from everything the guidance says (weather, recipes), whatever the coverage model says."""
    closeness = [pipeline.closeness(q, pipeline.evidence(q, weights))
                 for q in (resolved_question(i) for i in train if i["scope"] == "in")]
    return round(float(np.quantile(closeness, CLOSENESS_QUANTILE)), 4) if closeness else 0.0


def fit_cover(pipeline: Pipeline, train: Sequence[dict], weights: EvidenceWeights):
    """P(answerable) over COVER_FEATURES, and the threshold refusing at most MAX_FALSE_REFUSAL of the answerable
    train questions, judged on cross-validated probabilities (not on the questions each fold was fitted on).

    The question_in_scope feature is a classifier over the question's embedding, stacked: each train question's
    value comes from a classifier fitted on the other folds, so the coverage model does not learn to trust it more
    than it deserves on new questions."""
    vectors = np.stack([pipeline.query_vector(resolved_question(i)) for i in train])
    answerable = np.array([i["scope"] == "in" for i in train])
    folds = np.arange(len(train)) % FOLDS
    in_scope = np.zeros(len(train))
    for fold in range(FOLDS):
        model = question_cover(vectors[folds != fold], [i for i, f in zip(train, folds) if f != fold])
        in_scope[folds == fold] = model.logit(vectors[folds == fold])
    features = np.array([pipeline.evidence(resolved_question(i), weights, _exclude(i)).cover_features for i in train])
    features[:, COVER_FEATURES.index("question_in_scope")] = in_scope
    held_out = np.zeros(len(train))
    for fold in range(FOLDS):
        test = folds == fold
        held_out[test] = _cover_model(features[~test], answerable[~test]).probability(features[test])
    return _cover_model(features, answerable), question_cover(vectors, train), refusal_threshold(list(zip(
        ["in" if a else "out" for a in answerable], held_out)))


def question_cover(vectors: np.ndarray, items: Sequence[dict]) -> LinearModel:
    """In scope or not from the question's embedding alone, with every (in or out of scope, persona) group given
    the same total weight: most out-of-scope train questions are a carer's, and the voice is not the topic."""
    from sklearn.linear_model import LogisticRegression

    groups = [(i["scope"] == "in", i["persona"]) for i in items]
    size = Counter(groups)
    weight = np.array([len(groups) / (len(size) * size[g]) for g in groups])
    model = LogisticRegression(C=QUESTION_COVER_C, max_iter=5000).fit(
        vectors, [answerable for answerable, _ in groups], sample_weight=weight)
    dims = vectors.shape[1]
    return LinearModel(np.zeros(dims), np.ones(dims), model.coef_[0], float(model.intercept_[0]))


def _cover_model(features: np.ndarray, answerable: np.ndarray) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced").fit((features - mean) / scale, answerable)
    return LinearModel(mean, scale, model.coef_[0], float(model.intercept_[0]))


def about_threshold(pipeline: Pipeline, train: Sequence[dict], directions: np.ndarray) -> float:
    """The lean on the about-guidance direction that best separates those questions from the rest."""
    leans = [(i["kind"] == "about-guidance", float(pipeline.query_vector(i["question"]) @ directions[0]))
             for i in train]
    grid = sorted({round(lean, 3) for _, lean in leans})
    accuracy = {t: float(np.mean([(lean >= t) == about for about, lean in leans])) for t in grid}
    return max(grid, key=lambda t: (accuracy[t], t)) if grid else 1.0


def quote_share(answerable: Sequence[Example], weights: EvidenceWeights) -> float:
    """The highest share of the best probability that still finds the evidence among the quoted units (up to
    three) nearly as often as quoting the top three always would: fewer, surer sentences."""
    def found(share: float) -> float:
        hits = []
        for e in answerable:
            p = weights.probabilities(e.features)
            order = np.argsort(-p, kind="stable")[:3]
            kept = [k for k in order if p[k] >= share * p[order[0]]]
            hits.append(bool(e.labels[kept].any()))
        return float(np.mean(hits)) if hits else 0.0

    ceiling = found(0.0)
    return max((s for s in SHARE_GRID if found(s) >= ceiling - 0.01), default=SHARE_GRID[0])


def _found(answerable: Sequence[Example], weights: EvidenceWeights, context: float, title: float = 0.0,
           title_column: int | None = None) -> float:
    """The share of questions whose evidence is among what the answer would show: the lead (the best substantive
    sentence), then the units at least the quote share as likely, up to MAX_QUOTES sentences; shared topic text from
    `context` of the lead's probability, and (with `title_column`, the "title" feature) up to MAX_TITLES titles
    from `title`."""
    hits = []
    for e in answerable:
        if not e.quotable.any():
            continue
        p = weights.probabilities(e.features)
        lead = int(np.flatnonzero(e.quotable)[np.argmax(p[e.quotable])])
        is_title = e.features[:, title_column] > 0 if title_column is not None else np.zeros(len(p), dtype=bool)
        shown, titles = [lead], 0
        for k in np.argsort(-p, kind="stable"):
            if len(shown) - titles >= MAX_QUOTES or p[k] < weights.quote_share * p[lead]:
                break
            if is_title[k]:
                if titles < MAX_TITLES and p[k] >= title * p[lead]:
                    shown.append(int(k))
                    titles += 1
            elif k != lead and (e.quotable[k] or (e.shared[k] and p[k] >= context * p[lead])):
                shown.append(int(k))
        hits.append(bool(e.labels[shown].any()))
    return float(np.mean(hits)) if hits else 0.0


def context_share(answerable: Sequence[Example], weights: EvidenceWeights) -> float:
    """The highest share of the lead's probability (the best substantive sentence) that shared topic text needs to
    be quoted beside it, while the quoted units still find the evidence nearly as often as quoting shared text like
    any other sentence: context only where it answers."""
    ceiling = _found(answerable, weights, weights.quote_share)
    return max((s for s in CONTEXT_GRID if _found(answerable, weights, s) >= ceiling - 0.01),
               default=weights.quote_share)


def title_share(answerable: Sequence[Example], weights: EvidenceWeights, names: Sequence[str] = FEATURES) -> float:
    """The highest share of the lead's probability a PH28 title needs to be shown on its own line, while the quoted
    sentences and shown titles still find the evidence for every train question that showing every title above the
    quote share finds it for: a title only where it answers ("which recommendation...?"). No slack, unlike the
    sentence shares: a title is the whole answer to the question that needs it."""
    if "title" not in names:
        return 0.0
    column = list(names).index("title")
    ceiling = _found(answerable, weights, weights.context_share, weights.quote_share, column)
    return max((s for s in CONTEXT_GRID if _found(answerable, weights, weights.context_share, s, column) >= ceiling),
               default=weights.quote_share)


def follow_up_margin(pipeline: Pipeline, train: Sequence[dict], weights: EvidenceWeights) -> float:
    """The margin that best separates follow-ups (borrow the previous question) from topic switches (do not)."""
    items = [i for i in train if i["history"] and i["kind"] in ("follow-up", "topic-switch")]
    if not items:
        return 0.1
    gains = []
    for item in items:
        alone = pipeline.evidence(item["question"], weights).lead_probability
        joined = pipeline.evidence(f"{item['history'][-1]} {item['question']}", weights).lead_probability
        gains.append((item["kind"] == "follow-up", joined - alone))
    accuracy = {m: float(np.mean([(gain > m) == borrow for borrow, gain in gains])) for m in MARGIN_GRID}
    logging.info("follow-up margin accuracy: %s", accuracy)
    return max(MARGIN_GRID, key=lambda m: (accuracy[m], -abs(m - 0.1)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.fit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=QUESTIONS_DIR, help="folder holding train.jsonl")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE, help="weights file to write")
    parser.add_argument("--classifier-out", type=Path, default=CLASSIFIER_FILE, help="bank classifier file to write")
    parser.add_argument("--with-bank", action="store_true",
                        help="also fit on the question bank (measured worse on dev: docs/decisions/2026-12-07-question-bank.md)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from settings import Settings

    pipeline = Pipeline.open(Settings.from_env(), evidence_weights=None, bank_classifier=None)
    classifier = fit_bank_classifier(pipeline.index)
    if classifier is not None:
        classifier.save(args.classifier_out)
        print(f"wrote {args.classifier_out}: {len(classifier.passage_ids)} passages")
    pipeline = pipeline.with_bank_classifier(classifier)
    weights = fit(pipeline, load_split("train", args.questions), bank_items(pipeline) if args.with_bank else ())
    weights.save(args.out)
    print(f"wrote {args.out}: refuse below {weights.refuse_below:.3f}, quote share {weights.quote_share}, "
          f"title share {weights.title_share}, "
          f"follow-up margin {weights.follow_up_margin}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
