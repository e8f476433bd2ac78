"""qa/cli.py: how `python -m qa ask --batch` reads its input (fast: no model is loaded)."""

from __future__ import annotations

import io
import os
import resource
import sys
import threading

import pytest

from errors import BadInputError
from qa.cli import MAX_SKIP_BYTES, read_lines, stream_questions


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
