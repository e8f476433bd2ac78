"""`python -m train.ablate [--with-bank]`: which answer-ranker features earn their place, measured on dev.

The ranker (qa.evidence.FEATURES) is refitted without each feature in turn, on the same items as `python -m
train.fit` (the train split; with --with-bank, the question bank too), and scored on dev by top-1: the best quotable unit holds a gold span.
A feature goes when the ranker without it (and without those already gone) finds at most one dev question fewer
than the ranker with every feature. Prints a table (features in FEATURES order) and the features to keep.
Measurement only: it writes nothing; dropping a feature is a code change followed by `python -m train.fit`.
"""

from __future__ import annotations

import argparse
import logging

import numpy as np

from qa.evidence import FEATURES
from train.fit import _fit, bank_items, choose_c, examples, kind_directions, load_split


def top1(items, names: tuple[str, ...], mean, scale, coef, intercept) -> int:
    """Dev questions whose best quotable unit holds gold evidence, for a ranker over the columns `names`."""
    columns = [FEATURES.index(n) for n in names]
    found = 0
    for e in items:
        if e.item["scope"] != "in" or not e.quotable.any():
            continue
        logit = ((e.features[:, columns] - mean) / scale) @ coef + intercept
        best = int(np.flatnonzero(e.quotable)[np.argmax(logit[e.quotable])])
        found += bool(e.labels[best])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.ablate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--with-bank", action="store_true", help="fit on the question bank too, as train.fit --with-bank")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    from qa.pipeline import Pipeline
    from settings import Settings

    pipeline = Pipeline.open(Settings.from_env())
    train = load_split("train")
    direction = kind_directions(pipeline, train)
    fit_on = examples(pipeline, [*train, *(bank_items(pipeline) if args.with_bank else ())], direction)
    fit_on = [e for e in fit_on if e.item["scope"] == "in" and len(e.labels)]
    dev = examples(pipeline, load_split("dev"), direction)
    c = choose_c(fit_on, direction)

    def score(names: tuple[str, ...]) -> int:
        columns = [FEATURES.index(n) for n in names]
        narrowed = [type(e)(e.item, e.features[:, columns], e.labels, e.quotable, e.shared) for e in fit_on]
        return top1(dev, names, *_fit(narrowed, c))

    full = score(FEATURES)
    kept = list(FEATURES)
    print(f"all {len(FEATURES)} features: {full} dev questions top-1 (C={c})")
    print("| feature | dev top-1 without it | kept |\n| --- | ---: | --- |")
    for name in FEATURES:
        trial = tuple(f for f in kept if f != name)
        without = score(trial)
        drop = without >= full - 1
        if drop:
            kept = list(trial)
        print(f"| {name} | {without} | {'no' if drop else 'yes'} |")
    print(f"keep {len(kept)}: {', '.join(kept)}; dev top-1 {score(tuple(kept))} (all: {full})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
