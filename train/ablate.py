"""`python -m train.ablate`: which answer-ranker features earn their place, judged on the product's dev answers.

Backward elimination in FEATURES order: the whole answer model (ranker, quote shares, follow-up margin, coverage
model and thresholds: `train.fit.fit`, on the train split) is refitted without one feature, and without those
already gone, and the product answers every dev question with it. A feature goes when, without it, no headline
figure loses more than one dev question against the product with every feature: questions whose first citation
holds a gold span (evidence@1), whose answer lines hold it (answer evidence), answered (not falsely refused), and
out-of-scope questions refused. Narrower judges misled: the sum of those counts kept 7 features whose product
found 5 more dev evidence@1 questions and lost 4 answer-evidence ones; evidence@1 and refusals alone kept 5 that
lost 4 answer-evidence questions; a ranker-only proxy (top-1 of the best quotable sentence) kept 3 that lost 5
evidence@1 questions, because the coverage model, quote shares and follow-ups read the ranker's probabilities too.
Measurement only: it prints a table and the features to keep and writes nothing; dropping a feature is a code
change to qa.evidence.FEATURES followed by `python -m train.fit`.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence

from eval.harness import Result, run
from eval.questions import Question, load_questions
from qa.evidence import FEATURES, EvidenceWeights

TOLERANCE = 1  # dev questions a feature may cost and still go


FIGURES = ("evidence@1", "answer evidence", "answered", "refused")


def dev_counts(results: Sequence[Result]) -> tuple[int, ...]:
    """Dev questions counted right by each of FIGURES."""
    answerable = [r.scores for r in results if r.question.answerable]
    return (sum(s["evidence@1"] == 1.0 for s in answerable), sum(s["answer_evidence"] == 1.0 for s in answerable),
            sum(not s["refused"] for s in answerable),
            sum(bool(r.scores["refused"]) for r in results if not r.question.answerable))


def eliminate(score: Callable[[tuple[str, ...]], tuple[int, ...]], features: Sequence[str] = FEATURES,
              tolerance: int = TOLERANCE) -> tuple[tuple[int, ...], list[tuple[str, tuple[int, ...], bool]]]:
    """Backward elimination: (the counts with every feature, [(feature, counts without it, kept)]). A feature goes
    when no count without it (and without those already gone) is more than `tolerance` below the full one."""
    full = score(tuple(features))
    kept = list(features)
    rows = []
    for name in features:
        trial = tuple(f for f in kept if f != name)
        without = score(trial) if trial else tuple(0 for _ in full)
        goes = all(w >= f - tolerance for f, w in zip(full, without, strict=True))
        if goes:
            kept.remove(name)
        rows.append((name, without, not goes))
    return full, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.ablate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    from eval.titles import TitleDetector
    from ingest import load_corpus
    from qa.service import Assistant
    from settings import Settings
    from train.fit import fit, load_split

    settings = Settings.from_env()
    fitting = Assistant(settings, evidence_weights=None)
    train = load_split("train")
    dev: list[Question] = load_questions(["dev"])
    is_title = TitleDetector(load_corpus(settings.corpus_dir).sections)

    def score(names: tuple[str, ...]) -> tuple[int, ...]:
        weights: EvidenceWeights = fit(fitting.pipeline, train, names=names)
        product = Assistant(settings, embedder=fitting.embedder, evidence_weights=weights)
        counts = dev_counts(run(lambda q, history: product.ask(q, history).to_json(), dev, is_title))
        logging.warning("%d features: %s", len(names), dict(zip(FIGURES, counts, strict=True)))
        return counts

    full, rows = eliminate(score)
    print(f"all {len(FEATURES)} features, dev questions right ({len(dev)} in all): "
          f"{dict(zip(FIGURES, full, strict=True))}")
    print(f"| feature | {' | '.join(FIGURES)} without it | kept |\n| --- |{' ---: |' * len(FIGURES)} --- |")
    for name, without, kept in rows:
        print(f"| {name} | {' | '.join(map(str, without))} | {'yes' if kept else 'no'} |")
    kept_names = [name for name, _, kept in rows if kept]
    print(f"keep {len(kept_names)}: {', '.join(kept_names)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
