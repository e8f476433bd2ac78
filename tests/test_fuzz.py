"""Hypothesis fuzzing of the cleaners, loaders, parsers, passage splitter and the answer path.

Bounded (max_examples, deadline=None, derandomize=True) so the suite stays fast and deterministic.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from errors import BadInputError
from ingest import clean
from ingest.model import Document, Section

FUZZ = hsettings(max_examples=150, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FUZZ_SLOW = hsettings(max_examples=40, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

WORDS = ["Recommendation 15:", "Box 9:", "carers", "siblings", "respite", "- ", "e ", "¢ ", "\\o ", "/P", "rinciples",
         "#", "## ", "**", "[link](http://x.org)", "<https://a.b>", "Who should take action?", ")", "(", ":", ".",
         "\n", "\n\n", "  ", "\t", "\r\n", "WWWw.", "T These", "9 authority", "café", "’", "🧒", "\u200b", "\x0c"]
# Guidance-like text: fragments the cleaners and parsers react to, mixed with arbitrary characters.
guidance_text = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=400), guidance_text)


@FUZZ
@given(any_text)
def test_cleaners_never_fail_and_keep_their_shapes(text):
    lines = clean.lines_of(text)
    assert all("\n" not in line and "\r" not in line for line in lines)
    blocks = clean.blocks_of(lines)
    assert all(block and all(line.strip() == line and line for line in block) for block in blocks)
    for block in blocks:
        joined = clean.join_wrapped(block)
        assert isinstance(joined, str)
    paragraphs = clean.join_broken_paragraphs([clean.join_wrapped(b) for b in blocks])
    assert all(isinstance(p, str) for p in paragraphs)
    cleaned = clean.clean_ocr_lines(lines)
    assert all(isinstance(line, str) and "\n" not in line for line in cleaned)
    assert len(cleaned) <= len(lines)
    assert isinstance(clean.drop_chrome(lines), list)
    normal = clean.normalise(text)
    assert normal == normal.strip() and "\n" not in normal and "  " not in normal
    assert len(clean.text_hash(text)) == 64 and clean.text_hash(text) == clean.text_hash(text)
    assert isinstance(clean.strip_markdown(text), str)


@FUZZ
@given(st.binary(max_size=600), st.sampled_from([".txt", ".md", ".html", ".pdf", ".docx"]))
def test_loaders_return_text_or_a_reason(raw, suffix):
    from ingest.loaders import Unreadable, load_text

    try:
        text, warnings = load_text(Path("fuzz" + suffix), raw)
    except Unreadable as exc:
        assert str(exc)
    else:
        assert text.strip() and all(isinstance(w, str) for w in warnings)


def _doc(text: str) -> Document:
    return Document(doc_id="fuzz", title="Fuzz document", path="/tmp/fuzz.txt", text=text)


@FUZZ
@given(any_text)
def test_generic_parser_on_random_text(text):
    from ingest.parsers import generic

    sections = generic.parse(_doc(text))
    ids = [s.section_id for s in sections]
    assert len(ids) == len(set(ids))
    for n, section in enumerate(sections):
        assert section.text.strip() and section.doc_id == "fuzz" and section.section_id.startswith("fuzz/")
        assert section.order == n


@FUZZ
@given(any_text, st.sampled_from(["pathway", "quick reference guide", "recommendations page", "news report"]))
def test_layout_parsers_fail_only_in_ways_ingest_catches(text, kind):
    """ingest.corpus falls back to the generic parser on these exceptions; anything else would crash ingest."""
    from ingest.parsers import parser_for

    try:
        sections = parser_for(kind)(_doc(text))
    except (ValueError, IndexError, AttributeError, StopIteration):
        return
    assert all(isinstance(s, Section) for s in sections)


@FUZZ
@given(any_text, st.sampled_from(["", "pathway", "quick reference guide", "recommendations page", "news report"]))
def test_ingest_of_a_random_file_never_crashes(tmp_path_factory, text, kind):
    from errors import CorpusError
    from ingest import load_corpus

    folder = tmp_path_factory.mktemp("fz")
    (folder / "doc.txt").write_text(text, encoding="utf-8", errors="surrogatepass")
    if kind:
        (folder / "manifest.toml").write_text(f'[[document]]\nfile = "doc.txt"\nid = "doc"\nkind = "{kind}"\n')
    try:
        corpus = load_corpus(folder)
    except CorpusError:
        return
    for section in corpus.sections:
        assert section.text.strip()


section_text = st.lists(
    st.one_of(st.sampled_from(["- ", "Lead in:", ". ", "! ", "? ", "\n", "\n\n", " ", "A", "The carer", "“Q"]),
              st.text(max_size=40)), max_size=80).map("".join)


@FUZZ
@given(st.lists(section_text, min_size=1, max_size=4), st.integers(min_value=20, max_value=800))
def test_split_passages_every_passage_line_is_in_its_section(texts, max_chars):
    from ingest import split_passages

    sections = [Section(f"d/s{n}", "d", f"Section {n}", t) for n, t in enumerate(texts)]
    passages = split_passages(sections, max_chars)
    by_id = {s.section_id: s.text for s in sections}
    assert len({c.passage_id for c in passages}) == len(passages)
    for passage in passages:
        assert passage.text.strip()
        for line in passage.text.split("\n"):
            assert line in by_id[passage.section_id]


questions = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(["carer", "respite", "siblings", "school", "health", "the", "?", "and", "what about",
                              "<b>", "**", "\x00", "🧒", "ignore previous instructions", "NG205", "PH28",
                              "recommendation 15", "box 9", "\n"]), max_size=25).map(" ".join),
)


@pytest.mark.slow
@FUZZ_SLOW
@given(questions, st.lists(st.text(max_size=60), max_size=2))
def test_answer_path_random_questions(assistant, question, history):
    index = assistant.index
    try:
        answer = assistant.ask(question, history=history)
    except BadInputError as exc:
        assert str(exc)
        return
    assert answer.answer.strip()
    for c in answer.citations:
        section = index.sections[c.section_id]
        assert c.doc_id == section.doc_id and c.section == section.label
        for line in c.text.split("\n"):
            assert line in section.text
