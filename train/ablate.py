"""`python -m train.ablate`: which answer-ranker features earn their place, judged on the product's dev answers.

Backward elimination in FEATURES order: the whole answer model (ranker, quote shares, follow-up margin, coverage
model and thresholds: `train.fit.fit`, on the train split) is refitted without one feature, and without those
already gone, and the product answers every dev question with it. A feature goes when the product without it
scores at most one dev question less than with every feature, the score summing the questions that count in the
headline figures: answerable ones whose first citation holds a gold span (evidence@1), whose answer lines hold
it (answer evidence) and that are answered (not falsely refused), and out-of-scope ones refused. Narrower
judges misled: counting evidence@1 and refusals alone kept 5 features whose product lost 4 dev answer-evidence
questions, and a ranker-only proxy (top-1 of the best quotable sentence) kept 3 whose product lost 5 evidence@1
questions, because the coverage model, quote shares and follow-ups read the ranker's probabilities too.
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


def dev_score(results: Sequence[Result]) -> int:
    """Questions counted right by the headline figures, summed over the figures: evidence@1, answer evidence and
    answered (of the answerable questions), refused (of the out-of-scope ones)."""
    return sum(int(r.scores["evidence@1"] == 1.0) + int(r.scores["answer_evidence"] == 1.0) +
               int(not r.scores["refused"]) if r.question.answerable else int(bool(r.scores["refused"]))
               for r in results)


def eliminate(score: Callable[[tuple[str, ...]], int], features: Sequence[str] = FEATURES,
              tolerance: int = TOLERANCE) -> tuple[int, list[tuple[str, int, bool]]]:
    """Backward elimination: (the score with every feature, [(feature, score without it, kept)]). A feature goes
    when the score without it (and without those already gone) is at most `tolerance` below the full score."""
    full = score(tuple(features))
    kept = list(features)
    rows = []
    for name in features:
        trial = tuple(f for f in kept if f != name)
        without = score(trial) if trial else 0
        goes = without >= full - tolerance
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

    def score(names: tuple[str, ...]) -> int:
        weights: EvidenceWeights = fit(fitting.pipeline, train, names=names)
        product = Assistant(settings, embedder=fitting.embedder, evidence_weights=weights)
        right = dev_score(run(lambda q, history: product.ask(q, history).to_json(), dev, is_title))
        logging.warning("%d features: dev score %d", len(names), right)
        return right

    full, rows = eliminate(score)
    print(f"all {len(FEATURES)} features: dev score {full} ({len(dev)} questions)")
    print("| feature | dev score without it | kept |\n| --- | ---: | --- |")
    for name, without, kept in rows:
        print(f"| {name} | {without} | {'yes' if kept else 'no'} |")
    kept_names = [name for name, _, kept in rows if kept]
    print(f"keep {len(kept_names)}: {', '.join(kept_names)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
