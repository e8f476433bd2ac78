"""Issue 15: the hostile cases of the red-team pass, one test (or a few) per case, named after it.

Small generated inputs, bounded time and memory, nothing beyond loopback. Cases that need the embedding model
or a built index are marked slow.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from ingest import Section, load_corpus, split_passages
from ingest.loaders import FileLimits

ROOT = Path(__file__).resolve().parents[1]
GOOD = "Placement stability\n\nAvoid unplanned moves for looked-after children wherever possible.\n"
QRG = "ph28-quick-reference-guide.txt"


def real_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", folder)
    return folder


def manifest_with(folder: Path, old: str, new: str) -> None:
    path = folder / "manifest.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def qrg_sections(corpus) -> list[str]:
    return [s.section_id for s in corpus.sections if s.doc_id in ("ph28-qrg", "ph28-quick-reference-guide")]


# --- 1. manifest metadata ------------------------------------------------------------------------------------

def test_missing_manifest_gives_a_warning_and_default_metadata(tmp_path):
    folder = real_corpus(tmp_path)
    (folder / "manifest.toml").unlink()
    corpus = load_corpus(folder)
    assert any("manifest.toml: not found" in w for w in corpus.warnings)
    assert any("/rec-" in sid for sid in qrg_sections(corpus))  # the quick reference guide is still recognised


def test_manifest_syntax_error_gives_a_warning_and_default_metadata(tmp_path):
    folder = real_corpus(tmp_path)
    (folder / "manifest.toml").write_text('[[document]]\nfile = "a.txt\nkind = \n', encoding="utf-8")
    corpus = load_corpus(folder)
    assert any("manifest.toml: cannot be parsed" in w for w in corpus.warnings)
    assert {d.status for d in corpus.documents} == {"unknown"}


def test_entry_without_kind_and_renamed_file_are_recognised_by_layout(tmp_path):
    folder = real_corpus(tmp_path)
    manifest_with(folder, 'kind = "quick reference guide"\n', "")
    corpus = load_corpus(folder)
    assert any("/rec-" in sid for sid in qrg_sections(corpus))
    (folder / QRG).rename(folder / "renamed.txt")
    corpus = load_corpus(folder)
    assert any(w.startswith("renamed.txt: no manifest entry") for w in corpus.warnings)
    assert any(s.doc_id == "renamed" and "/rec-" in s.section_id for s in corpus.sections)


@pytest.mark.parametrize("field, bad", [
    ("kind", "99"), ("kind", '"leaflet"'), ("superseded_by", '["NG205"]'), ("status", '"obsolete"'),
    ("title", "{ a = 1 }"), ("date", "2021.5"), ("id", '"../etc"'), ("colour", '"red"'),
])
def test_bad_manifest_field_is_reported_by_file_and_field_and_defaulted(tmp_path, field, bad):
    folder = real_corpus(tmp_path)
    path = folder / "manifest.toml"
    text = path.read_text(encoding="utf-8")
    start = text.rindex("[[document]]", 0, text.index(f'file = "{QRG}"'))
    end = text.find("[[document]]", start + 1) % (len(text) + 1)
    block = [line for line in text[start:end].strip().splitlines() if not line.startswith(f"{field} =")]
    path.write_text(text[:start] + "\n".join([*block, f"{field} = {bad}"]) + "\n\n" + text[end:], encoding="utf-8")
    corpus = load_corpus(folder)
    problems = [w for w in corpus.warnings if QRG in w and f"field {field!r}" in w]
    assert len(problems) == 1, corpus.warnings
    document = next(d for d in corpus.documents if d.path.endswith(QRG))
    assert isinstance(document.superseded_by, (str, type(None))) and isinstance(document.kind, str)
    assert any("/rec-" in s.section_id for s in corpus.sections if s.doc_id == document.doc_id)


def test_every_bad_field_of_an_entry_is_reported(tmp_path):
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "manifest.toml").write_text(
        '[[document]]\nfile = "a.txt"\nkind = 99\nstatus = 1\nsuperseded_by = ["x"]\ntitle = "A"\n', encoding="utf-8")
    corpus = load_corpus(tmp_path)
    for field in ("kind", "status", "superseded_by"):
        assert any("entry 1 (a.txt)" in w and f"field {field!r}" in w for w in corpus.warnings), field
    (document,) = corpus.documents
    assert (document.title, document.status, document.superseded_by) == ("A", "unknown", None)


def test_manifest_kinds_are_the_parsers_kinds():
    from ingest.model import KINDS
    from ingest.parsers import PARSERS

    assert set(PARSERS) | {"document"} == set(KINDS)


# --- 2. symbolic links ------------------------------------------------------------------------------------------

def test_symlink_out_of_the_corpus_is_never_read(tmp_path):
    from index.store import corpus_fingerprint

    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET-MARKER:/root:/bin/bash\n", encoding="utf-8")
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "inside.txt").symlink_to(folder / "good.txt")  # not followed either: only regular files are read
    corpus = load_corpus(folder)
    assert not any("SECRET-MARKER" in s.text for s in corpus.sections)
    assert [d.doc_id for d in corpus.documents] == ["good"]
    assert any(w.startswith("passwd.txt: is a symbolic link") for w in corpus.warnings)
    assert set(corpus_fingerprint(folder)) == {"good.txt"}


# --- 3. size and decompression bombs ----------------------------------------------------------------------------

def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _skipped(tmp_path: Path, name: str, content: bytes, limits: FileLimits | None = None) -> str:
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / name).write_bytes(content)
    corpus = load_corpus(folder, limits or FileLimits())
    assert [d.doc_id for d in corpus.documents] == ["good"]
    return next(w for w in corpus.warnings if w.startswith(f"{name}:"))


def test_docx_decompression_bomb_is_refused_before_parsing(tmp_path, monkeypatch):
    import docx

    monkeypatch.setattr(docx, "Document", lambda *a, **k: pytest.fail("the bomb reached the parser"))
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:p/>" * 4_000_000})  # 24 MB
    assert len(bomb) < 200_000
    warning = _skipped(tmp_path, "bomb.docx", bomb)
    assert "LAC_MAX_ZIP_RATIO" in warning and "skipped" in warning


def test_docx_over_the_uncompressed_total_is_refused(tmp_path):
    warning = _skipped(tmp_path, "big.docx", _docx("Placement moves " * 50), FileLimits(max_zip_bytes=5_000))
    assert "over the limit of 5,000 (LAC_MAX_ZIP_BYTES)" in warning


def test_file_over_the_byte_limit_is_not_read(tmp_path):
    warning = _skipped(tmp_path, "big.html", b"<p>respite</p>" * 1000, FileLimits(max_file_bytes=10_000))
    assert "over the limit of 10,000 (LAC_MAX_FILE_BYTES)" in warning


def test_text_over_the_character_limit_is_refused(tmp_path):
    warning = _skipped(tmp_path, "long.txt", ("Respite care matters. " * 500).encode(),
                       FileLimits(max_document_chars=5_000))
    assert "LAC_MAX_DOCUMENT_CHARS" in warning


def test_huge_html_is_refused_before_the_html_parser_runs(tmp_path, monkeypatch):
    import ingest.loaders

    monkeypatch.setattr(ingest.loaders, "html_to_text", lambda markup: pytest.fail("parsed a huge page"))
    warning = _skipped(tmp_path, "huge.html", b"<div>" * 10_000, FileLimits(max_document_chars=5_000))
    assert "LAC_MAX_DOCUMENT_CHARS" in warning


def test_pdf_over_the_page_limit_is_refused(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=100, height=100)
    buffer = io.BytesIO()
    writer.write(buffer)
    warning = _skipped(tmp_path, "long.pdf", buffer.getvalue(), FileLimits(max_pdf_pages=2))
    assert "3 pages, over the limit of 2 (LAC_MAX_PDF_PAGES)" in warning


def test_limits_come_from_settings():
    from settings import Settings

    limits = FileLimits.from_settings(Settings(max_pdf_pages=7, max_zip_ratio=9))
    assert (limits.max_pdf_pages, limits.max_zip_ratio) == (7, 9)


def test_normal_docx_still_loads(tmp_path):
    (tmp_path / "a.docx").write_bytes(_docx("Avoid unplanned moves for looked-after children."))
    corpus = load_corpus(tmp_path)
    assert "Avoid unplanned moves" in corpus.sections[0].text


# --- 4. every passage obeys the maximum ---------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "word\n" * 20_000,  # a million lines in the red-team case; 20,000 keep the test quick
    "word " * 20_000,  # one line, no sentence break
    "x" * 5_000,  # one word
    "Lead-in to a list:\n- " + "bullet words " * 100 + "\n- short bullet",
    "Intro " + "y" * 700 + " and\tthen  more   words " * 40,
])
def test_every_passage_obeys_the_maximum(text):
    section = Section("d/s", "d", "Label", text.strip())
    passages = split_passages([section], 600)
    assert passages and max(len(p.text) for p in passages) <= 600
    for passage in passages:
        for line in passage.text.split("\n"):
            assert line in section.text  # still quoted verbatim


def test_file_of_a_million_short_lines_gives_bounded_passages(tmp_path):
    (tmp_path / "lines.txt").write_text("Heading\n\n" + "word\n" * 100_000, encoding="utf-8")
    corpus = load_corpus(tmp_path)
    passages = split_passages(list(corpus.sections), 600)
    assert max(len(p.text) for p in passages) <= 600


# --- 14. encodings ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig", "utf-16-be"])
def test_text_with_a_byte_order_mark_is_decoded(tmp_path, encoding):
    raw = GOOD.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    (tmp_path / "a.txt").write_bytes(raw)
    corpus = load_corpus(tmp_path)
    assert "Avoid unplanned moves" in corpus.sections[0].text
    assert not any("a.txt" in w and ("NUL" in w or "decoded as" in w) for w in corpus.warnings)


def test_utf16_without_a_byte_order_mark_is_detected(tmp_path):
    (tmp_path / "a.txt").write_bytes((GOOD * 3).encode("utf-16-le"))
    corpus = load_corpus(tmp_path)
    assert "Avoid unplanned moves" in corpus.sections[0].text
