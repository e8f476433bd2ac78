"""`python -m index build|status`: build the index by hand, or see what it holds and whether it is stale."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from errors import LacGuideError, shown
from settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="parse the corpus, embed it and write the index")
    build.add_argument("--corpus", type=Path, help="corpus folder (default: the project's corpus/)")
    build.add_argument("--out", type=Path, help="index folder (default: the project's .lac-index/)")
    status = sub.add_parser("status", help="documents, sections, passages, what it was built from, stale or not")
    status.add_argument("--index", type=Path, help="index folder")
    status.add_argument("--corpus", type=Path, help="corpus folder to compare with")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    from index.build import settings_for_index

    try:
        settings = Settings.from_env()
        if args.command == "build":
            return _build(settings.replace(**_given(corpus_dir=args.corpus, index_dir=args.out)))
        return _status(settings_for_index(settings, args.index) if args.index else settings, args.corpus)
    except LacGuideError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader of standard output went away: not an index write (errors.run_cli)
        raise
    except OSError as exc:  # read-only folder, full disk: the previous index is left as it was
        print(f"error: cannot write the index ({exc.strerror or exc.__class__.__name__}: "
              f"{exc.filename or ''}); the previous index is unchanged.", file=sys.stderr)
        return 2


def _given(**paths: Path | None) -> dict[str, Path]:
    return {name: path for name, path in paths.items() if path is not None}


def _build(settings: Settings) -> int:
    from index.build import build_index

    report = build_index(settings, progress=True)  # its warnings are logged as they arise: each shown once
    times = ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items())
    print(f"built {shown(settings.index_dir)}: {report.documents} documents, {report.sections} sections, "
          f"{report.passages} passages, {report.bank_questions} bank questions ({times})")
    return 0


def _status(settings: Settings, corpus: Path | None) -> int:
    from index.store import check_index

    index_dir = settings.index_dir
    corpus = corpus or settings.corpus_dir
    check = check_index(index_dir, settings, corpus)
    if check.manifest is None:
        print(f"no index at {shown(index_dir)} (it is built on first use, or with: python -m index build)")
        return 1
    m = check.manifest
    counts = m.get("counts", {})
    print(f"index:     {shown(index_dir)}")
    print(f"contents:  {counts.get('documents')} documents, {counts.get('sections')} sections, "
          f"{counts.get('passages')} passages")
    print(f"built:     {m.get('built_at')} from {m.get('corpus_dir')} with model {m.get('embedding_model')}")
    for name, digest in sorted(m.get("corpus", {}).items()):
        print(f"  {shown(name)}  {digest[:12]}")
    print(f"state:     {'up to date' if check.usable else check.reason}")
    return 0 if check.usable else 1


if __name__ == "__main__":
    from errors import run_cli

    raise SystemExit(run_cli(main))
