"""`python -m eval [--split train|dev|test|all] [--json] [--check] [--answerer module:callable] [--no-baselines]`

Scores the product (or any answerer with the ask contract) and the LangChain/BM25 baselines on the question set
(eval/questions/{train,dev,test}.jsonl), prints the table, writes eval/reports/latest.md and latest.png (full
runs only), and with --check exits 1 when the product's figures on the checked split (default: test) break a
bound in eval/thresholds.toml.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
import time
import tomllib
from pathlib import Path

from errors import LacGuideError
from eval.harness import breakdown, misses, run
from eval.questions import QUESTIONS_DIR, SPLITS, available, load_questions
from settings import Settings

EVAL_DIR = Path(__file__).resolve().parent
THRESHOLDS_FILE = EVAL_DIR / "thresholds.toml"
REPORTS_DIR = EVAL_DIR / "reports"


def load_thresholds(path: Path | None = None) -> dict[str, dict[str, float]]:
    """{"minimum": {figure: bound}, "maximum": {figure: bound}} from eval/thresholds.toml (or `path`)."""
    data = tomllib.loads((path or THRESHOLDS_FILE).read_text(encoding="utf-8"))
    return {side: {k: float(v) for k, v in data.get(side, {}).items()} for side in ("minimum", "maximum")}


def check(figures: dict, thresholds: dict[str, dict[str, float]]) -> dict:
    """Each bound against the product's overall figure on the checked split; a missing figure fails."""
    results = {}
    for side, bounds in thresholds.items():
        for name, bound in bounds.items():
            value = figures.get(name)
            ok = value is not None and (value >= bound if side == "minimum" else value <= bound)
            results[name] = (value, f"{'>=' if side == 'minimum' else '<='} {bound:.3f}", ok)
    return {"ok": all(ok for _, _, ok in results.values()), "results": results}


def load_answerer(spec: str):
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise SystemExit("--answerer takes module:callable")
    return getattr(importlib.import_module(module_name), attr)


def product_answerer(settings: Settings, embedder=None):
    from qa.service import Assistant

    assistant = Assistant(settings, embedder=embedder)
    assistant.warm_up()
    return lambda question, history: assistant.ask(question, history).to_json()


def evaluate(answerer, settings: Settings, *, splits=SPLITS, baselines: bool = True, embedder=None,
             questions_dir: Path = QUESTIONS_DIR) -> dict:
    """Run the product answerer and (optionally) the baselines on the chosen splits."""
    from eval.titles import TitleDetector
    from ingest import load_corpus

    start = time.perf_counter()
    corpus_dir = settings.corpus_dir
    sections = load_corpus(corpus_dir).sections
    is_title = TitleDetector(sections)
    questions = load_questions(splits, questions_dir)
    systems = {"product": answerer}
    if baselines:
        from eval.baselines import build_baselines
        from index.embedder import Embedder

        embedder = embedder or Embedder.from_settings(settings)
        for baseline in build_baselines(corpus_dir, embedder, sections):
            systems[baseline.name] = baseline
    results = {name: run(fn, questions, is_title) for name, fn in systems.items()}
    figures = {name: breakdown(res, splits) for name, res in results.items()}
    return {"figures": figures, "results": results, "splits": list(splits),
            "seconds": time.perf_counter() - start}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="all",
                        help="questions to score (default: all three splits); --check checks test unless given")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    parser.add_argument("--check", action="store_true", help="exit 1 when the product breaks eval/thresholds.toml")
    parser.add_argument("--answerer", metavar="MODULE:CALLABLE", help="score this answerer instead of the product")
    parser.add_argument("--no-baselines", action="store_true", help="skip the LangChain and BM25 baselines")
    parser.add_argument("--questions", type=Path, default=QUESTIONS_DIR, metavar="DIR",
                        help="folder of {train,dev,test}.jsonl (default: eval/questions)")
    parser.add_argument("--index", type=Path, metavar="DIR", help="product index folder (default: settings)")
    parser.add_argument("--no-report", action="store_true", help="do not write eval/reports/latest.*")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)

    splits = SPLITS if args.split == "all" else (args.split,)
    if not available(args.questions, splits):
        parser.error(f"{args.questions} lacks a question file of {', '.join(f'{s}.jsonl' for s in splits)}")
    from index.build import settings_for_index

    try:
        settings = Settings.from_env()
        settings = settings_for_index(settings, args.index) if args.index else settings
    except LacGuideError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    answerer = load_answerer(args.answerer) if args.answerer else product_answerer(settings)
    out = evaluate(answerer, settings, splits=splits, baselines=not args.no_baselines, questions_dir=args.questions)
    figures, results = out["figures"], out["results"]
    check_split = "test" if args.split == "all" else args.split
    verdict = None
    if args.check:
        verdict = {"split": check_split, **check(figures["product"][check_split]["all"], load_thresholds())}
    command = "python -m eval" + "".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:]))

    if args.json:
        dev_misses = [{"id": r.question.id, "kind": r.question.kind, "misses": misses(r)}
                      for r in results["product"] if r.question.split == "dev" and misses(r)]
        print(json.dumps({"figures": figures, "check": verdict, "seconds": round(out["seconds"], 1),
                          "dev_misses": dev_misses}, indent=2, default=str))
    else:
        from eval.report import rows, text_table

        print(text_table(rows(figures)))
        for grouping in ("persona", "kind"):
            print(f"\nproduct per {grouping}\n" + text_table(rows(figures, grouping, systems=["product"])))
        print(f"\n{len(results['product'])} questions, {len(results)} systems in {out['seconds']:.0f} s")
        if verdict:
            print(f"\ncheck ({check_split} split): {'ok' if verdict['ok'] else 'FAILED'}")
            for name, (value, bound, ok) in verdict["results"].items():
                shown = "—" if value is None else f"{value:.3f}"
                print(f"  {name}: {shown} {bound} {'ok' if ok else 'FAILED'}")
    if not args.no_report and args.split == "all":
        from eval.report import chart, markdown_report

        REPORTS_DIR.mkdir(parents=True, exist_ok=True)
        report = markdown_report(figures, results, verdict, command, out["seconds"])
        (REPORTS_DIR / "latest.md").write_text(report, encoding="utf-8")
        chart(figures, REPORTS_DIR / "latest.png")
    return 1 if verdict and not verdict["ok"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
