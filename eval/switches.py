"""Topic switches at scale: every answerable train or dev question without history, asked after an unrelated
earlier question, answered with and without that history. A question that names its own topic should not borrow
the earlier one (qa.service.Assistant._resolve), so its evidence@1 and hit@1 should stay what they are alone.

The questions files hold only a few real topic switches; this asks ~260 (never the locked test split):

    python -m eval.switches            # train and dev
    python -m eval.switches --split dev
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from eval.harness import score_one
from eval.questions import Question, load_questions


def unrelated_pairs(questions: Sequence[Question]) -> list[tuple[str, Question]]:
    """(earlier question, question) for each answerable question without history; the earlier one is the first
    answerable question from half the list onwards (wrapping round) that shares no gold section with it."""
    alone = [q for q in questions if not q.history]
    n = len(alone)
    pairs = []
    for i, question in enumerate(alone):
        if not question.answerable:
            continue
        earlier = next((other for k in range(n) for other in [alone[(i + n // 2 + k) % n]]
                        if other.answerable and not set(other.gold_sections) & set(question.gold_sections)), None)
        if earlier is not None:
            pairs.append((earlier.question, question))
    return pairs


def measure(assistant, pairs: Sequence[tuple[str, Question]]) -> dict:
    """evidence@1 and hit@1 summed over the questions asked alone and asked after the earlier one."""
    figures = {"questions": len(pairs), "evidence@1 alone": 0.0, "evidence@1 after": 0.0,
               "hit@1 alone": 0.0, "hit@1 after": 0.0}
    for earlier, question in pairs:
        alone = score_one(question, assistant.ask(question.question).to_json(), lambda line: False)
        scored = score_one(question, assistant.ask(question.question, [earlier]).to_json(), lambda line: False)
        for name in ("evidence@1", "hit@1"):
            figures[f"{name} alone"] += alone[name] or 0.0
            figures[f"{name} after"] += scored[name] or 0.0
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.switches", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("train", "dev"), action="append", help="default: train and dev")
    args = parser.parse_args(argv)
    from qa.service import Assistant
    from settings import Settings

    assistant = Assistant(Settings.from_env())
    assistant.warm_up()
    for split in args.split or ("train", "dev"):
        f = measure(assistant, unrelated_pairs(load_questions([split])))
        print(f"{split}: {f['questions']} questions asked after an unrelated one: "
              f"evidence@1 {f['evidence@1 alone']:.0f} alone -> {f['evidence@1 after']:.0f} after, "
              f"hit@1 {f['hit@1 alone']:.0f} -> {f['hit@1 after']:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
