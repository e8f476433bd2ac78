"""Bad and unusual corpus files: each is skipped or repaired with a warning naming it; the rest still loads."""

import io
import logging
import shutil
import zipfile
from pathlib import Path

import pytest

from errors import CorpusError
from ingest import Section, load_corpus, split_passages
from ingest.loaders import FileLimits
from tests.index_fakes import PLACEMENT, bad_corpus

GOOD = "Fostering basics\n\nCarers should be supported by their social worker at all times.\n"


def write(folder: Path, name: str, content) -> None:
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def manifest(folder: Path, body: str) -> None:
    write(folder, "manifest.toml", body)


def test_missing_folder_raises(tmp_path):
    with pytest.raises(CorpusError):
        load_corpus(tmp_path / "nope")


def test_folder_without_sections_raises(tmp_path):
    write(tmp_path, "empty.txt", b"")
    with pytest.raises(CorpusError):
        load_corpus(tmp_path)


def test_bad_files_are_skipped_with_warnings(tmp_path, caplog):
    write(tmp_path, "good.txt", GOOD)
    write(tmp_path, "empty.txt", b"   \n")
    write(tmp_path, "binary.txt", b"abc\x00\x01\x02def")
    write(tmp_path, "zz-copy.md", "Fostering   basics\n\nCarers should be supported by their social worker at all times.")
    write(tmp_path, "notes.csv", "a,b\n")
    with caplog.at_level(logging.WARNING, logger="lac.ingest"):
        corpus = load_corpus(tmp_path)
    assert [d.path.endswith("good.txt") for d in corpus.documents] == [True]
    text = "\n".join(corpus.warnings)
    assert "empty.txt: empty file" in text
    assert "binary.txt" in text and "NUL" in text
    assert "zz-copy.md" in text and "duplicate" in text
    assert "notes.csv" not in text
    assert any("empty.txt" in r.getMessage() for r in caplog.records)


def test_unlisted_file_gets_defaults(tmp_path):
    manifest(tmp_path, "")
    write(tmp_path, "My Local Notes.txt", GOOD)
    corpus = load_corpus(tmp_path)
    doc = corpus.documents[0]
    assert (doc.doc_id, doc.title, doc.status) == ("my-local-notes", "Fostering basics", "unknown")
    assert any("My Local Notes.txt" in w and "no manifest entry" in w for w in corpus.warnings)
    assert corpus.sections[0].kind == "section"


def test_cp1252_file_is_decoded_with_warning(tmp_path):
    write(tmp_path, "latin.txt", "Children’s café guidance\n\nA carer’s role is described here.".encode("cp1252"))
    corpus = load_corpus(tmp_path)
    assert "Children’s café guidance" in corpus.documents[0].text
    assert any("latin.txt" in w and "cp1252" in w for w in corpus.warnings)


def test_broken_manifest_entries_are_reported(tmp_path):
    manifest(tmp_path, """
[[document]]
id = "no-file"
title = "Missing file key"

[[document]]
file = "good.txt"
id = "good"
status = "archived"

[[document]]
file = "gone.txt"
id = "gone"
""")
    write(tmp_path, "good.txt", GOOD)
    corpus = load_corpus(tmp_path)
    text = "\n".join(corpus.warnings)
    assert "has no 'file'" in text
    assert "good.txt" in text and "unknown status 'archived'" in text
    assert "gone.txt" in text and "not found" in text
    assert corpus.documents[0].status == "unknown" and corpus.documents[0].doc_id == "good"


def test_unparseable_manifest_still_loads_files(tmp_path):
    manifest(tmp_path, "[[document]\nfile = ")
    write(tmp_path, "good.txt", GOOD)
    corpus = load_corpus(tmp_path)
    assert len(corpus.documents) == 1
    assert any("manifest.toml" in w and "cannot be parsed" in w for w in corpus.warnings)


def test_html_of_only_navigation_is_skipped(tmp_path):
    write(tmp_path, "good.txt", GOOD)
    write(tmp_path, "nav.html", "<html><body><nav><a href='/'>Home</a></nav><footer>(c)</footer></body></html>")
    write(tmp_path, "page.html", "<html><body><nav>Menu</nav><h1>Contact</h1><p>Siblings should be placed together "
                                 "where possible.</p><script>var x=1;</script></body></html>")
    corpus = load_corpus(tmp_path)
    assert any("nav.html" in w for w in corpus.warnings)
    page = next(d for d in corpus.documents if d.path.endswith("page.html"))
    assert "Menu" not in page.text and "var x" not in page.text and "Siblings should be placed" in page.text


def test_pdf_without_text_is_skipped(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with open(tmp_path / "scan.pdf", "wb") as handle:
        writer.write(handle)
    write(tmp_path, "good.txt", GOOD)
    corpus = load_corpus(tmp_path)
    assert any("scan.pdf" in w and "no text" in w for w in corpus.warnings)


def test_docx_is_loaded(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Placement stability")
    document.add_paragraph("Avoid unplanned moves for looked-after children.")
    document.save(tmp_path / "note.docx")
    corpus = load_corpus(tmp_path)
    assert "Avoid unplanned moves" in corpus.sections[0].text


def test_renamed_known_file_still_parses_by_its_text(tmp_path):
    source = Path(__file__).resolve().parent.parent / "corpus" / "ph28-recommendations.txt"
    write(tmp_path, "renamed.txt", source.read_bytes())
    corpus = load_corpus(tmp_path)
    assert "renamed/rec-1" in {s.section_id for s in corpus.sections}


def test_renamed_quick_reference_guide_still_parses_by_its_text(tmp_path):
    source = Path(__file__).resolve().parent.parent / "corpus" / "ph28-quick-reference-guide.txt"
    write(tmp_path, "renamed-guide.txt", source.read_bytes())
    corpus = load_corpus(tmp_path)
    recommendations = [s for s in corpus.sections if s.kind == "recommendation"]
    assert len(recommendations) == 52 and recommendations[0].roles


def test_markdown_headings_make_sections(tmp_path):
    write(tmp_path, "guide.md", "# Local guide\n\nIntro text here.\n\n## Contact\n\nRing the duty team.\n")
    corpus = load_corpus(tmp_path)
    assert [s.label for s in corpus.sections] == ["Local guide", "Contact"]
    assert corpus.sections[1].section_id == "guide/contact"


def section(text: str) -> Section:
    return Section("doc/s", "doc", "S", text)


def test_short_section_is_one_passage():
    passages = split_passages([section("One short paragraph.")])
    assert [(c.passage_id, c.text) for c in passages] == [("doc/s#0", "One short paragraph.")]


def test_long_list_repeats_its_lead_in():
    bullets = [f"- bullet number {n} says something about carers and training needs" for n in range(12)]
    text = "\n".join(["An opening paragraph about the topic.", "Ensure that this training covers:", *bullets])
    passages = split_passages([section(text)], max_chars=200)
    assert len(passages) > 2
    assert [c.passage_id for c in passages] == [f"doc/s#{n}" for n in range(len(passages))]
    for passage in passages:
        assert len(passage.text) <= 200
        if any(line.startswith("- ") for line in passage.text.split("\n")):
            assert "Ensure that this training covers:" in passage.text.split("\n")
        for line in passage.text.split("\n"):
            assert line in text


def test_long_paragraph_splits_at_sentences():
    sentence = "Carers need support from their social worker when placements change. "
    text = (sentence * 20).strip()
    passages = split_passages([section(text)], max_chars=300)
    assert len(passages) > 1
    for passage in passages:
        assert len(passage.text) <= 300 and passage.text.endswith(".")
        for line in passage.text.split("\n"):
            assert line in text


def test_real_corpus_passages_are_verifiable():
    corpus = load_corpus(Path(__file__).resolve().parent.parent / "corpus")
    texts = {s.section_id: s.text for s in corpus.sections}
    for passage in split_passages(corpus.sections, max_chars=600):
        for line in passage.text.split("\n"):
            assert line in texts[passage.section_id]
        if len(passage.text) > 600:  # only a single over-long sentence may exceed the limit
            assert "\n" not in passage.text


def one_line(size: int) -> str:
    words = "carers children placement support respite school health social worker plan review family".split()
    sentence = " ".join(words).capitalize() + ". "
    return (sentence * (size // len(sentence) + 1))[:size].rstrip() + "\n"


@pytest.mark.parametrize("markdown", [False, True])
def test_one_line_file_gets_a_short_title_label_and_id(tmp_path, markdown):
    from ingest.text import MAX_LABEL_CHARS, MAX_SLUG_CHARS

    text = f"# {one_line(1_000_000)}\nCarers should be offered respite.\n" if markdown else one_line(1_000_000)
    write(tmp_path, "long.md" if markdown else "long.txt", text)
    corpus = load_corpus(tmp_path)
    assert all(len(d.title) <= MAX_LABEL_CHARS for d in corpus.documents)
    assert all(len(s.label) <= MAX_LABEL_CHARS for s in corpus.sections)
    assert all(len(s.section_id) <= MAX_SLUG_CHARS + 40 for s in corpus.sections)
    label = corpus.sections[0].label
    assert label.count("…") == 1 and label.split("…")[0] in one_line(1_000)  # cut once, at a word break
    assert not label.split("…")[0].endswith(("childr", "plac"))


def test_short_label_keeps_short_text_and_cuts_long_text_at_a_word():
    from ingest.manifest import slugify
    from ingest.text import short_label

    assert short_label("Recommendation 15: Support sibling placements") == "Recommendation 15: Support sibling placements"
    cut = short_label("word " * 100, 50)
    assert len(cut) <= 50 and cut.endswith("word…")
    assert len(slugify("Long heading " * 10_000)) <= 80 and slugify("Box 9: Carers") == "box-9-carers"


@pytest.mark.parametrize("kind", ["file", "empty folder", "device"])
def test_corpus_setting_that_is_a_file_an_empty_folder_or_a_device_is_one_line_and_exit_2(tmp_path, kind):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    corpus = {"file": tmp_path / "notes.txt", "empty folder": tmp_path / "empty", "device": Path("/dev/null")}[kind]
    if kind == "file":
        corpus.write_text("my notes", encoding="utf-8")
    elif kind == "empty folder":
        corpus.mkdir()
    env = {**os.environ, "LAC_CORPUS_DIR": str(corpus), "LAC_INDEX_DIR": str(tmp_path / "idx")}
    run = subprocess.run([sys.executable, "-m", "qa", "ask", "respite"], cwd=root, env=env, capture_output=True,
                         text=True, timeout=120, check=False)
    assert run.returncode == 2, run.stderr
    errors = [line for line in run.stderr.splitlines() if not line.startswith("WARNING")]
    assert len(errors) == 1 and errors[0].startswith("error:") and str(corpus) in errors[0]
    assert ("is not a folder" in errors[0]) == (kind != "empty folder")


MANIFEST_ENTRY = '[[document]]\nfile = "a.txt"\nid = "ph28"\ntitle = "PH28"\nstatus = "superseded"\n'


def test_manifest_saved_with_a_byte_order_mark_is_read(tmp_path):
    write(tmp_path, "a.txt", GOOD)
    write(tmp_path, "manifest.toml", "\ufeff".encode() + MANIFEST_ENTRY.encode())
    corpus = load_corpus(tmp_path)
    assert corpus.documents[0].status == "superseded" and corpus.documents[0].doc_id == "ph28"
    assert not any("manifest.toml" in w for w in corpus.warnings)


def test_manifest_that_is_a_link_out_of_the_corpus_is_not_followed(tmp_path):
    outside = tmp_path / "outside.toml"
    outside.write_text(MANIFEST_ENTRY, encoding="utf-8")
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    write(corpus_dir, "a.txt", GOOD)
    (corpus_dir / "manifest.toml").symlink_to(outside)
    corpus = load_corpus(corpus_dir)
    assert corpus.documents[0].status == "unknown"
    assert any("manifest.toml: is a symbolic link" in w for w in corpus.warnings)


def lying_docx(real_size: int, declared: int = 5_000) -> bytes:
    """A .docx-shaped zip whose document.xml declares `declared` bytes but inflates to `real_size` (zeros),
    written by hand so the test never holds the inflated data."""
    import struct
    import zlib

    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b"\0" * (1 << 20)
    body = b"".join(deflate.compress(block) for _ in range(real_size >> 20)) + deflate.flush()
    name = b"word/document.xml"
    crc = 0  # whatever is declared: the member is refused before its CRC is ever checked
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(body), declared, len(name), 0)
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(body), declared,
                          len(name), 0, 0, 0, 0, 0, 0)
    directory = central + name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), len(local) + len(name) + len(body), 0)
    return local + name + body + directory + end


def test_docx_that_declares_5_kb_but_inflates_far_more_is_skipped_with_bounded_memory(tmp_path):
    import tracemalloc

    from ingest.loaders import FileLimits, Unreadable, load_text

    raw = lying_docx(256 << 20)  # 256 MB of zeros in a ~250 KB file declaring 5 KB
    limits = FileLimits(max_zip_bytes=30_000_000, max_zip_ratio=1_000_000)  # declared sizes pass every check
    tracemalloc.start()
    try:
        with pytest.raises(Unreadable, match="more .* than its zip directory declares"):
            load_text(tmp_path / "bomb.docx", raw, limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 80_000_000  # the budget (30 MB) and a chunk, never the 256 MB (or 2 GB) it inflates to


def test_docx_whose_members_inflate_past_the_budget_is_refused_as_they_inflate(tmp_path, monkeypatch):
    import ingest.loaders
    from ingest.loaders import FileLimits, Unreadable, load_text

    monkeypatch.setattr(ingest.loaders, "check_zip", lambda raw, limits: None)  # as if the directory had lied
    raw = lying_docx(8 << 20, declared=8 << 20)  # honest sizes, 8 MB: over a 1 MB budget
    with pytest.raises(Unreadable, match="expands to over 1,000,000 bytes"):
        load_text(tmp_path / "big.docx", raw, FileLimits(max_zip_bytes=1_000_000, max_zip_ratio=1_000_000))


def test_shown_escapes_every_control_character_in_a_file_name():
    from errors import shown

    assert shown("a\x1b[2Jb\n\r\t\x07\u202ec.txt") == "a\\x1b[2Jb\\n\\r\\t\\x07\\u202ec.txt"
    assert shown("Placement moves – Ysgol.md") == "Placement moves – Ysgol.md"  # printable text is left alone


ESCAPE_NAME = "evil\x1b[2J\x1b]0;pwned\x07\nwarning: all fine.md"


def test_file_names_with_terminal_escape_codes_are_escaped_in_every_warning(tmp_path, caplog):
    write(tmp_path, "good.md", "# Respite\nCarers should be offered short breaks.\n")
    write(tmp_path, ESCAPE_NAME, b"\x00\x01binary")  # skipped: one warning naming it
    write(tmp_path, ESCAPE_NAME.replace(".md", " 2.md"), "# Health\nA yearly health assessment.\n")  # no manifest entry
    with caplog.at_level(logging.WARNING):
        corpus = load_corpus(tmp_path)
    named = [w for w in corpus.warnings if "evil" in w]
    assert len(named) >= 2 and all("\\x1b[2J" in w and "\\n" in w for w in named)
    assert not any(ch in "".join(corpus.warnings) + caplog.text for ch in "\x1b\x07")


def test_index_path_with_escape_codes_is_escaped_in_the_refusal(tmp_path):
    from errors import IndexPathError
    from index.store import check_index_target

    target = tmp_path / "notes\x1b[31m.txt"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(IndexPathError) as refused:
        check_index_target(target)
    assert "\x1b" not in str(refused.value) and "notes\\x1b[31m.txt" in str(refused.value)


# --- red-team case 1: manifest metadata -------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


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


def test_case_01_missing_manifest_gives_a_warning_and_default_metadata(tmp_path):
    folder = real_corpus(tmp_path)
    (folder / "manifest.toml").unlink()
    corpus = load_corpus(folder)
    assert any("manifest.toml: not found" in w for w in corpus.warnings)
    assert any("/rec-" in sid for sid in qrg_sections(corpus))  # the quick reference guide is still recognised


def test_case_01_manifest_syntax_error_gives_a_warning_and_default_metadata(tmp_path):
    folder = real_corpus(tmp_path)
    (folder / "manifest.toml").write_text('[[document]]\nfile = "a.txt\nkind = \n', encoding="utf-8")
    corpus = load_corpus(folder)
    assert any("manifest.toml: cannot be parsed" in w for w in corpus.warnings)
    assert {d.status for d in corpus.documents} == {"unknown"}


def test_case_01_entry_without_kind_and_renamed_file_are_recognised_by_layout(tmp_path):
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
def test_case_01_bad_manifest_field_is_reported_by_file_and_field_and_defaulted(tmp_path, field, bad):
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


def test_case_01_every_bad_field_of_an_entry_is_reported(tmp_path):
    (tmp_path / "a.txt").write_text(PLACEMENT, encoding="utf-8")
    (tmp_path / "manifest.toml").write_text(
        '[[document]]\nfile = "a.txt"\nkind = 99\nstatus = 1\nsuperseded_by = ["x"]\ntitle = "A"\n', encoding="utf-8")
    corpus = load_corpus(tmp_path)
    for field in ("kind", "status", "superseded_by"):
        assert any("entry 1 (a.txt)" in w and f"field {field!r}" in w for w in corpus.warnings), field
    (document,) = corpus.documents
    assert (document.title, document.status, document.superseded_by) == ("A", "unknown", None)


def test_case_01_manifest_kinds_are_the_parsers_kinds():
    from ingest.model import KINDS
    from ingest.parsers import PARSERS

    assert set(PARSERS) | {"document"} == set(KINDS)


# --- red-team case 2: symbolic links ----------------------------------------------------------------------------------

def test_case_02_symlink_out_of_the_corpus_is_never_read(tmp_path):
    from index.store import corpus_fingerprint

    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET-MARKER:/root:/bin/bash\n", encoding="utf-8")
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text(PLACEMENT, encoding="utf-8")
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "inside.txt").symlink_to(folder / "good.txt")  # not followed either: only regular files are read
    corpus = load_corpus(folder)
    assert not any("SECRET-MARKER" in s.text for s in corpus.sections)
    assert [d.doc_id for d in corpus.documents] == ["good"]
    assert any(w.startswith("passwd.txt: is a symbolic link") for w in corpus.warnings)
    assert set(corpus_fingerprint(folder)) == {"good.txt"}


# --- red-team case 3: size and decompression bombs --------------------------------------------------------------------

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
    (folder / "good.txt").write_text(PLACEMENT, encoding="utf-8")
    (folder / name).write_bytes(content)
    corpus = load_corpus(folder, limits or FileLimits())
    assert [d.doc_id for d in corpus.documents] == ["good"]
    return next(w for w in corpus.warnings if w.startswith(f"{name}:"))


def test_case_03_docx_decompression_bomb_is_refused_before_parsing(tmp_path, monkeypatch):
    import docx

    monkeypatch.setattr(docx, "Document", lambda *a, **k: pytest.fail("the bomb reached the parser"))
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:p/>" * 4_000_000})  # 24 MB
    assert len(bomb) < 200_000
    warning = _skipped(tmp_path, "bomb.docx", bomb)
    assert "LAC_MAX_ZIP_RATIO" in warning and "skipped" in warning


def test_case_03_docx_over_the_uncompressed_total_is_refused(tmp_path):
    warning = _skipped(tmp_path, "big.docx", _docx("Placement moves " * 50), FileLimits(max_zip_bytes=5_000))
    assert "over the limit of 5,000 (LAC_MAX_ZIP_BYTES)" in warning


def test_case_03_file_over_the_byte_limit_is_not_read(tmp_path):
    warning = _skipped(tmp_path, "big.html", b"<p>respite</p>" * 1000, FileLimits(max_file_bytes=10_000))
    assert "over the limit of 10,000 (LAC_MAX_FILE_BYTES)" in warning


def test_case_03_text_over_the_character_limit_is_refused(tmp_path):
    warning = _skipped(tmp_path, "long.txt", ("Respite care matters. " * 500).encode(),
                       FileLimits(max_document_chars=5_000))
    assert "LAC_MAX_DOCUMENT_CHARS" in warning


def test_case_03_huge_html_is_refused_before_the_html_parser_runs(tmp_path, monkeypatch):
    import ingest.loaders

    monkeypatch.setattr(ingest.loaders, "html_to_text", lambda markup: pytest.fail("parsed a huge page"))
    warning = _skipped(tmp_path, "huge.html", b"<div>" * 10_000, FileLimits(max_document_chars=5_000))
    assert "LAC_MAX_DOCUMENT_CHARS" in warning


def test_case_03_pdf_over_the_page_limit_is_refused(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=100, height=100)
    buffer = io.BytesIO()
    writer.write(buffer)
    warning = _skipped(tmp_path, "long.pdf", buffer.getvalue(), FileLimits(max_pdf_pages=2))
    assert "3 pages, over the limit of 2 (LAC_MAX_PDF_PAGES)" in warning


def test_case_03_limits_come_from_settings():
    from settings import Settings

    limits = FileLimits.from_settings(Settings(max_pdf_pages=7, max_zip_ratio=9))
    assert (limits.max_pdf_pages, limits.max_zip_ratio) == (7, 9)


def test_case_03_normal_docx_still_loads(tmp_path):
    (tmp_path / "a.docx").write_bytes(_docx("Avoid unplanned moves for looked-after children."))
    corpus = load_corpus(tmp_path)
    assert "Avoid unplanned moves" in corpus.sections[0].text


# --- red-team case 4: every passage obeys the maximum -----------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "word\n" * 20_000,  # a million lines in the red-team case; 20,000 keep the test quick
    "word " * 20_000,  # one line, no sentence break
    "x" * 5_000,  # one word
    "Lead-in to a list:\n- " + "bullet words " * 100 + "\n- short bullet",
    "Intro " + "y" * 700 + " and\tthen  more   words " * 40,
])
def test_case_04_every_passage_obeys_the_maximum(text):
    section = Section("d/s", "d", "Label", text.strip())
    passages = split_passages([section], 600)
    assert passages and max(len(p.text) for p in passages) <= 600
    for passage in passages:
        for line in passage.text.split("\n"):
            assert line in section.text  # still quoted verbatim


def test_case_04_file_of_a_million_short_lines_gives_bounded_passages(tmp_path):
    (tmp_path / "lines.txt").write_text("Heading\n\n" + "word\n" * 100_000, encoding="utf-8")
    corpus = load_corpus(tmp_path)
    passages = split_passages(list(corpus.sections), 600)
    assert max(len(p.text) for p in passages) <= 600


# --- red-team case 14: encodings --------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig", "utf-16-be"])
def test_case_14_text_with_a_byte_order_mark_is_decoded(tmp_path, encoding):
    raw = PLACEMENT.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    (tmp_path / "a.txt").write_bytes(raw)
    corpus = load_corpus(tmp_path)
    assert "Avoid unplanned moves" in corpus.sections[0].text
    assert not any("a.txt" in w and ("NUL" in w or "decoded as" in w) for w in corpus.warnings)


def test_case_14_utf16_without_a_byte_order_mark_is_detected(tmp_path):
    (tmp_path / "a.txt").write_bytes((PLACEMENT * 3).encode("utf-16-le"))
    corpus = load_corpus(tmp_path)
    assert "Avoid unplanned moves" in corpus.sections[0].text


# --- a corpus folder full of bad files (reliability) ------------------------------------------------------------------

def test_each_bad_corpus_file_is_skipped_with_a_warning_naming_it(tmp_path):
    from ingest import load_corpus

    expected = bad_corpus(tmp_path / "corpus")
    corpus = load_corpus(tmp_path / "corpus")
    assert [d.doc_id for d in corpus.documents] == ["good"]
    for name, reason in expected.items():
        assert any(name in w and reason in w for w in corpus.warnings), (name, reason, corpus.warnings)
