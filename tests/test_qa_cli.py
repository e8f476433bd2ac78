"""qa/cli.py: how `python -m qa ask --batch` reads its input (fast: no model is loaded), its history files, and hostile
questions through the real CLI (slow)."""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from errors import BadInputError
from qa.cli import MAX_SKIP_BYTES, read_lines, stream_questions
from tests.hostile_questions import LONG, QUESTIONS


def test_batch_from_standard_input_yields_each_question_before_the_input_closes(monkeypatch):
    read_fd, write_fd = os.pipe()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(os.fdopen(read_fd, "rb")))
    os.write(write_fd, b"Can I get a break from caring?\n")
    questions = stream_questions("-", 2000)
    got: list = []
    reader = threading.Thread(target=lambda: got.append(next(questions)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert got == [("Can I get a break from caring?", "")]  # the writer is still open
    os.write(write_fd, b"Ask about siblings\r\n\xff\n")
    os.close(write_fd)
    rest = list(questions)
    assert rest[0] == ("Ask about siblings", "") and "not UTF-8" in rest[1][1]


def test_batch_line_over_the_question_limit_gets_its_error_and_the_rest_are_read(tmp_path):
    batch = tmp_path / "questions.txt"
    batch.write_bytes(b"first question\n" + b"x" * 50_000 + b"\nlast question\n")
    rows = list(stream_questions(str(batch), 2000))
    assert [q for q, _ in rows[::2]] == ["first question", "last question"]
    assert "longer than 2,000 characters" in rows[1][1] and len(rows[1][0]) <= 200


def test_batch_of_dev_zero_stops_with_one_message_in_bounded_memory():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(BadInputError, match="without a line break"):
        list(stream_questions("/dev/zero", 2000))
    grew_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grew_kib < 64 * 1024, f"peak memory grew by {grew_kib} KiB reading /dev/zero"
    assert MAX_SKIP_BYTES <= 16 * 1024 * 1024


def test_batch_of_a_large_file_is_streamed_not_read_whole(tmp_path):
    batch = tmp_path / "big.txt"
    with open(batch, "wb") as handle:
        line = b"How do I get respite?\n"
        handle.write(line * (20_000_000 // len(line)))  # 20 MB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    questions = stream_questions(str(batch), 2000)
    assert next(questions) == ("How do I get respite?", "")
    for _ in range(100_000):
        next(questions)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 16 * 1024


def test_history_file_over_its_limit_is_refused_not_read(tmp_path):
    with pytest.raises(BadInputError, match="larger than"):
        read_lines("/dev/zero")
    small = tmp_path / "h.txt"
    small.write_text("earlier question\n", encoding="utf-8")
    assert read_lines(str(small)) == ["earlier question"]


# --- red-team case 12: history files ----------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("content, message", [
    ('[{"q": "hi"}]', "history item 1 is not an earlier question"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('["respite", "siblings"', "not valid JSON"),
    ('{"question": "respite"}', "expected a JSON list"),
    ('["respite", 3]', "history item 2 is not an earlier question"),
])
def test_case_12_bad_history_file_is_one_clear_error(tmp_path, capsys, content, message):
    from qa.cli import main

    path = tmp_path / "history.json"
    path.write_text(content, encoding="utf-8")
    assert main(["ask", "Can I get a break from caring?", "--history", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_case_12_good_history_files_still_read(tmp_path):
    from qa.cli import read_history

    path = tmp_path / "h"
    path.write_text('["respite", {"question": "siblings"}]', encoding="utf-8")
    assert read_history(str(path)) == ["respite", "siblings"]
    path.write_text("respite\n\nsiblings placed together?\n", encoding="utf-8")
    assert read_history(str(path)) == ["respite", "siblings placed together?"]


# --- hostile questions through the real CLI (reliability) -------------------------------------------------------------

def _cli(*args, stdin=None, index=None, timeout=300):
    cmd = [sys.executable, "-m", "qa", "ask", *args]
    if index is not None:
        cmd += ["--index", str(index)]
    return subprocess.run(cmd, cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_cli_batch_survives_every_bad_question(assistant):
    # one question per line; a lone surrogate cannot be written as UTF-8 at all, so it becomes U+FFFD here
    rows_in = [q.replace("\r", " ").replace("\n", " ").replace("\ud800", "\ufffd") for q, _ in QUESTIONS.values()]
    result = _cli("--json", "--batch", "-", stdin="\n".join(rows_in) + "\n", index=assistant.index.path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(rows_in)
    for row, (name, (_question, outcome)) in zip(rows, QUESTIONS.items()):
        if outcome == "refused-input":
            assert row.get("error"), name
        else:
            assert "error" not in row and row["answer"], name
            for c in row["citations"]:
                for line in c["text"].split("\n"):
                    assert line in assistant.index.sections[c["section_id"]].text


@pytest.mark.slow
@pytest.mark.parametrize("question", [LONG, "\t \x01\x1b ", "a" * 2001])  # (argv cannot hold NUL)
def test_cli_refuses_bad_single_questions_with_one_line(assistant, question):
    result = _cli(question, index=assistant.index.path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


@pytest.mark.slow
def test_cli_text_mode_survives_control_characters_and_markup(assistant):
    result = _cli("<b>Can</b> I get\x07 a break 🙏 from caring?", index=assistant.index.path)
    assert result.returncode == 0, result.stderr
    assert "Sources:" in result.stdout


@pytest.mark.slow
def test_cli_batch_line_that_is_not_text_gets_its_own_one_line_error(tmp_path, assistant):
    """--batch streams line by line (tests/test_qa_cli.py): a line that is not UTF-8 is answered by one line saying so."""
    bad = tmp_path / "questions.bin"
    bad.write_bytes(b"\xff\xfe\x00\x81 not utf-8")
    result = _cli("--batch", str(bad), index=assistant.index.path)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert result.stdout.strip().splitlines() == ["Line 1 is not UTF-8 text; give one question per line as UTF-8."]


# --- a reader that goes away early (`python -m qa ask ... | head -1`) -------------------------------------------------

def run_into_closed_pipe(*args: str, buffered: bool, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python ARGS` writing to a pipe whose reader has already gone, as `| head -1` leaves it once head has its line;
    `buffered`: standard output block-buffered (as for any pipe) or not (PYTHONUNBUFFERED=1)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"} | ({} if buffered else {"PYTHONUNBUFFERED": "1"})
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, *args], cwd=ROOT, stdout=write_end, stderr=subprocess.PIPE, text=True,
                              env=env, timeout=timeout)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("buffered", [True, False])
def test_closed_standard_output_ends_the_cli_quietly(buffered):
    result = run_into_closed_pipe("-m", "qa", "--help", buffered=buffered)
    # no traceback and no "Exception ignored ... BrokenPipeError" (status 120); unbuffered, argparse itself drops
    # the failed write and exits 0
    assert result.stderr == "" and result.returncode == (1 if buffered else 0)


@pytest.mark.slow
@pytest.mark.parametrize("buffered", [True, False])
def test_answer_into_a_closed_pipe_ends_quietly(assistant, buffered):
    result = run_into_closed_pipe("-m", "qa", "ask", "Can I get a break from caring?", "--index",
                                  str(assistant.index.path), buffered=buffered)
    assert (result.returncode, result.stderr) == (1, "")
