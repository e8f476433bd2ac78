"""`python -m qa ask`: answer questions from the command line, as text or JSON (one object per question)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

from errors import BadInputError, LacGuideError
from qa.model import Answer, LineKind, render_text
from settings import Settings

SAFETY_LABEL = "!! SAFETY NOTICE"


def format_text(answer: Answer) -> str:
    """A readable answer: the short answer first, then the numbered sources with their passages."""
    notices = [line for line in answer.lines if line.kind is LineKind.SAFETY_NOTICE]
    rest = [line for line in answer.lines if line.kind is not LineKind.SAFETY_NOTICE]
    callout = [SAFETY_LABEL, *(f"  {n.text}" for n in notices), ""] if notices else []  # first, and set apart
    lines = [*callout, render_text(rest)]
    if answer.citations:
        lines += ["", "Sources:"]
        for c in answer.citations:
            when = c.date or "date unknown"
            status = c.status if not c.superseded_by else f"{c.status}, replaced by {c.superseded_by}"
            lines.append(f"[{c.rank}] {c.section} — {c.title} ({when}; {status})")
            lines.extend(f"    {row}" for row in c.text.splitlines() if row.strip())
    return "\n".join(lines)


MAX_HISTORY_BYTES = 2_000_000  # a history file is earlier questions: far less than this
MAX_SKIP_BYTES = 16 * 1024 * 1024  # an overlong batch line is skipped up to this; beyond, the input is not questions


def read_lines(source: str, max_bytes: int = MAX_HISTORY_BYTES) -> list[str]:
    """A small text file (or '-': standard input) as lines; more than max_bytes is refused, not read."""
    try:
        with _open_binary(source) as handle:
            raw = handle.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise BadInputError(f"{source} is larger than {max_bytes:,} bytes; give a short text file.")
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"Cannot read {source}: {exc.__class__.__name__}. Give a UTF-8 text file, one question per line.") from exc
    return text.splitlines()


def _open_binary(source: str):
    return contextlib.nullcontext(sys.stdin.buffer) if source == "-" else open(source, "rb")  # noqa: SIM115


def stream_questions(source: str, max_chars: int) -> Iterator[tuple[str, str]]:
    """(question, error) for each line of `source` ('-': standard input) as it arrives: memory is bounded by one
    line, and a question is answered before the next line is read. A line over max_chars characters (or not
    UTF-8) gives its error; one that runs on for MAX_SKIP_BYTES without a line break (/dev/zero, a binary file)
    stops the batch with BadInputError."""
    limit = max_chars * 4 + 2  # the UTF-8 bytes of the longest question allowed, and its line break
    try:
        handle_context = _open_binary(source)
        with handle_context as handle:
            number = 0
            while raw := handle.readline(limit):
                number += 1
                if len(raw) >= limit and not raw.endswith(b"\n"):
                    _skip_rest_of_line(handle, source, number, len(raw))
                    preview = raw[:200].decode("utf-8", errors="replace")
                    yield preview, (f"Question on line {number} is longer than {max_chars:,} characters (the limit); "
                                    "ask something shorter.")
                    continue
                try:
                    yield raw.decode("utf-8").rstrip("\r\n"), ""
                except UnicodeDecodeError:
                    yield raw[:200].decode("utf-8", errors="replace").rstrip("\r\n"), (
                        f"Line {number} is not UTF-8 text; give one question per line as UTF-8.")
    except OSError as exc:
        raise BadInputError(f"Cannot read {source}: {exc.__class__.__name__}. Give a UTF-8 text file, one question "
                            "per line.") from exc


def _skip_rest_of_line(handle, source: str, number: int, skipped: int) -> None:
    while skipped <= MAX_SKIP_BYTES:
        rest = handle.readline(1 << 20)
        skipped += len(rest)
        if not rest or rest.endswith(b"\n"):
            return
    raise BadInputError(f"{source}: line {number} runs on for more than {MAX_SKIP_BYTES:,} bytes without a line "
                        "break; it is not a file of questions (one per line).")


def read_history(path: str) -> list[str]:
    """Earlier questions, oldest first: a JSON list (of strings or {"question": ...}) or one per line.
    A file that starts like JSON must be valid JSON of that shape: it is never silently read as one question."""
    lines = read_lines(path)
    text = "\n".join(lines)
    if not text.lstrip().startswith(("[", "{")):
        return [line for line in lines if line.strip()]
    try:
        data = json.loads(text)
    except RecursionError:
        raise BadInputError(f"{path}: the JSON is nested too deeply; give a list of earlier questions.") from None
    except ValueError as exc:
        raise BadInputError(f"{path}: not valid JSON ({exc}); give a JSON list of earlier questions, "
                            "or one question per line.") from None
    if not isinstance(data, list):
        raise BadInputError(f"{path}: expected a JSON list of earlier questions.")
    questions = []
    for n, item in enumerate(data, start=1):
        if isinstance(item, dict):
            item = item.get("question")
        if not isinstance(item, str):
            raise BadInputError(f'{path}: history item {n} is not an earlier question; give text or '
                                '{"question": "..."} for each item.')
        questions.append(item)
    return questions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer a question with numbered citations")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--batch", metavar="FILE", help="one question per line ('-' for standard input)")
    ask.add_argument("--history", metavar="FILE", help="earlier questions of this conversation, oldest first")
    ask.add_argument("--index", type=Path, metavar="DIR", help="index folder (default: built on demand from corpus/)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")

    try:
        if (args.question is None) == (args.batch is None):
            raise BadInputError("Give either a question or --batch FILE.")
        history = read_history(args.history) if args.history else []
        settings = Settings.from_env()
        if args.index:
            from index.build import settings_for_index

            settings = settings_for_index(settings, args.index)
        # The encoder loads on a background thread while the index, the parsers and the answering code are
        # imported and opened (most of its load, hashing and ONNX Runtime's session, runs without the GIL).
        from index.embedder import Embedder

        embedder = Embedder.from_settings(settings)
        embedder.start_warm_up()
        from qa.service import Assistant

        assistant = Assistant(settings, embedder=embedder)
        if args.batch is None:
            print(_render(assistant.ask(args.question, history), args.json))
            return 0
        assistant.warm_up(progress=True)
        separator = "\n" if args.json else "\n\n"
        for question, problem in stream_questions(args.batch, settings.max_question_chars):
            try:
                if problem:
                    raise BadInputError(problem)
                text = _render(assistant.ask(question, history), args.json)
            except BadInputError as exc:
                error = {"question": question, "error": str(exc)}
                text = json.dumps(error, ensure_ascii=False) if args.json else str(exc)
            print(text, end=separator, flush=True)
        return 0
    except LacGuideError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _render(answer: Answer, as_json: bool) -> str:
    return json.dumps(answer.to_json(), ensure_ascii=False) if as_json else format_text(answer)


__all__ = ["format_text", "main", "read_lines", "stream_questions"]
