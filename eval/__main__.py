"""`python -m eval [--split dev|test|all] [--json] [--check] [--answerer module:callable] [--no-baselines]`

Scores the product (or any answerer with the ask contract) and the LangChain/BM25 baselines on the question set,
prints a table, writes eval/reports/latest.md and latest.png, and with --check exits 1 when the product's
hit@1, hit@3 or refusal rate on the chosen split (default: test) falls below eval/thresholds.toml.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
import tomllib
from pathlib import Path

from eval.harness import EVAL_DIR, QUESTIONS_FILE, breakdown, load_questions, run, select, worst_misses

THRESHOLDS_FILE = EVAL_DIR / "thresholds.toml"
REPORTS_DIR = EVAL_DIR / "reports"


def load_thresholds(path: Path = THRESHOLDS_FILE) -> dict[str, float]:
    return {k: float(v) for k, v in tomllib.loads(path.read_text(encoding="utf-8"))["product"].items()}


def check(figures: dict, thresholds: dict[str, float]) -> dict:
    """Every threshold is a minimum for the product's overall figure on the checked split."""
    results = {}
    for name, minimum in thresholds.items():
        value = figures.get(name)
        value = 0.0 if value is None else value
        results[name] = (value, minimum, value >= minimum)
    return {"ok": all(ok for _, _, ok in results.values()), "results": results}


def load_answerer(spec: str):
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise SystemExit("--answerer takes module:callable")
    return getattr(importlib.import_module(module_name), attr)


def product_answerer(index_dir: Path | None = None, embedder=None):
    from qa.service import Assistant
    from settings import Settings

    assistant = Assistant(Settings.from_env(), index_dir=index_dir, embedder=embedder)
    assistant.warm_up()
    return lambda question, history: assistant.ask(question, history).to_json()


def evaluate(answerer, *, split: str = "all", baselines: bool = True, corpus_dir: Path | None = None,
             embedder=None, questions: Path = QUESTIONS_FILE) -> dict:
    """Run the product answerer and (optionally) the baselines; returns figures, results and the split scored."""
    from settings import Settings

    items = select(load_questions(questions), split)
    splits = ["dev", "test"] if split == "all" else [split]
    systems = {"product": answerer}
    if baselines:
        from eval.baselines import build_baselines
        from index.embedder import Embedder
        from ingest import load_corpus

        settings = Settings.from_env()
        corpus_dir = Path(corpus_dir or settings.corpus_dir)
        embedder = embedder or Embedder.from_settings(settings)
        for baseline in build_baselines(corpus_dir, embedder, load_corpus(corpus_dir).sections):
            systems[baseline.name] = baseline
    results = {name: run(fn, items) for name, fn in systems.items()}
    figures = {name: breakdown(res, splits) for name, res in results.items()}
    return {"figures": figures, "results": results, "splits": splits}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["dev", "test", "all"], default=None,
                        help="questions to score (default: all, reported as dev and test); --check uses test unless given")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    parser.add_argument("--check", action="store_true", help="exit 1 when the product falls below eval/thresholds.toml")
    parser.add_argument("--answerer", metavar="MODULE:CALLABLE", help="score this answerer instead of the product")
    parser.add_argument("--no-baselines", action="store_true", help="skip the LangChain and BM25 baselines")
    parser.add_argument("--index", type=Path, metavar="DIR", help="product index folder (default: settings)")
    parser.add_argument("--no-report", action="store_true", help="do not write eval/reports/latest.*")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)

    split = args.split or "all"
    answerer = load_answerer(args.answerer) if args.answerer else product_answerer(args.index)
    out = evaluate(answerer, split=split, baselines=not args.no_baselines)
    figures = out["figures"]
    check_split = args.split if args.split in ("dev", "test") else "test"
    verdict = check(figures["product"][check_split]["all"], load_thresholds()) if args.check else None
    dev_results = [r for r in out["results"]["product"] if r.item["split"] == "dev"]
    worst = worst_misses(dev_results, 5)
    command = "python -m eval" + "".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:]))

    if args.json:
        payload = {"figures": figures, "check": verdict and {"split": check_split, **verdict},
                   "worst_dev_misses": [{"id": r.item["id"], "question": r.item["question"], "gold": r.item["gold"],
                                         "cited": [c.get("section_id") for c in r.answer.get("citations") or []],
                                         "refused": r.scores["refused"]} for r in worst]}
        print(json.dumps(payload, indent=2, default=str))
    else:
        from eval.report import text_table

        print(text_table(figures))
        if verdict:
            print(f"\ncheck ({check_split} split): {'ok' if verdict['ok'] else 'FAILED'}")
            for name, (value, minimum, ok) in verdict["results"].items():
                print(f"  {name}: {value:.3f} >= {minimum:.3f} {'ok' if ok else 'BELOW'}")
    if not args.no_report:
        from eval.report import chart, markdown_report

        REPORTS_DIR.mkdir(parents=True, exist_ok=True)
        n = sum(len(v) for v in [out["results"]["product"]])
        (REPORTS_DIR / "latest.md").write_text(markdown_report(figures, worst, verdict, command, n), encoding="utf-8")
        chart(figures, REPORTS_DIR / "latest.png")
    return 1 if verdict and not verdict["ok"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
