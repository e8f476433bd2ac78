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
from tests.index_fakes import FakeEmbedder, small_corpus, small_settings

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


# --- index tests with a small fake model (fast): 6, 7, 8, 9, 10 --------------------------------------------------

def built(tmp_path: Path):
    from index.build import build_index

    settings = small_settings(tmp_path)
    build_index(settings, embedder=FakeEmbedder())
    return settings


def rehash(index_dir: Path) -> None:
    """Rewrite the manifest's file hashes, as a forger would."""
    import json

    from index.hashing import sha256_file

    manifest = json.loads((index_dir / "manifest.json").read_text("utf-8"))
    manifest["files"] = {name: sha256_file(index_dir / name) for name in manifest["files"]}
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_configured_corpus_folder_wins_over_the_recorded_one(tmp_path):
    import os
    import subprocess
    import sys

    from index.loaded import open_index
    from index.store import check_index

    settings = built(tmp_path)
    other = small_corpus(tmp_path / "B", {"b.md": "# Health\nEvery looked-after child should have a health check.\n"})
    moved = settings.replace(corpus_dir=other)
    check = check_index(settings.index_dir, moved, moved.corpus_dir)
    assert not check.usable and "stale" in check.reason
    env = dict(os.environ, LAC_CORPUS_DIR=str(other), LAC_INDEX_DIR=str(settings.index_dir), LAC_EMBEDDING_MODEL="fake")
    status = subprocess.run([sys.executable, "-m", "index", "status"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert status.returncode == 1 and "up to date" not in status.stdout and "stale" in status.stdout
    index = open_index(moved, embedder=FakeEmbedder())
    assert [c.text for c in index.passages] == ["Every looked-after child should have a health check."]


def test_embedding_cache_with_shuffled_rows_is_dropped(tmp_path):
    import numpy as np

    from index.build import build_index
    from index.vectors import CACHE_VECTORS

    settings = built(tmp_path)
    cache = settings.index_dir / CACHE_VECTORS
    rows = np.load(cache)
    np.save(cache, rows[::-1].copy())
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")
    embedder = FakeEmbedder()
    report = build_index(settings, embedder=embedder)
    assert any("does not match its recorded hash" in w for w in report.warnings)
    assert report.reused_vectors == 0


def test_embedding_cache_with_forged_hash_is_caught_by_the_spot_check(tmp_path):
    import json

    import numpy as np

    from index.build import build_index
    from index.hashing import sha256_file
    from index.vectors import CACHE_KEYS, CACHE_VECTORS

    settings = built(tmp_path)
    folder = settings.index_dir
    np.save(folder / CACHE_VECTORS, np.load(folder / CACHE_VECTORS)[::-1].copy())
    meta = json.loads((folder / CACHE_KEYS).read_text())
    resign(settings, folder, {**meta, "sha256": sha256_file(folder / CACHE_VECTORS)})  # even by one who has the key
    report = build_index(settings, embedder=FakeEmbedder())
    assert any("do not match their texts" in w for w in report.warnings) and report.reused_vectors == 0


def resign(settings, folder, meta) -> None:
    """Write cache metadata signed with this computer's key (a forger who can read the key)."""
    import json

    from index.vectors import CACHE_KEYS, _signature, cache_secret

    meta = {**meta, "signature": _signature(cache_secret(settings.model_cache_dir), meta)}
    (folder / CACHE_KEYS).write_text(json.dumps(meta))


def test_embedding_cache_of_another_dimension_is_dropped_not_a_traceback(tmp_path):
    import json

    import numpy as np

    from index.build import build_index
    from index.hashing import sha256_file
    from index.loaded import open_index
    from index.vectors import CACHE_KEYS, CACHE_VECTORS

    settings = built(tmp_path)
    folder = settings.index_dir
    meta = json.loads((folder / CACHE_KEYS).read_text())
    np.save(folder / CACHE_VECTORS, np.ones((len(meta["keys"]), 128), dtype=np.float32))
    resign(settings, folder, {**meta, "dimension": 128, "sha256": sha256_file(folder / CACHE_VECTORS)})
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")
    report = build_index(settings, embedder=FakeEmbedder())
    assert any("128-dimension" in w for w in report.warnings)
    assert open_index(settings, embedder=FakeEmbedder()).vectors.dimension == 16


def test_vectors_of_another_dimension_are_refused_at_open(tmp_path):
    import faiss
    import numpy as np

    from errors import IndexUnavailableError
    from index.loaded import open_index

    settings = built(tmp_path)
    folder = settings.index_dir
    count = faiss.read_index(str(folder / "vectors.faiss")).ntotal
    forged = faiss.IndexFlatIP(128)
    forged.add(np.ones((count, 128), dtype=np.float32))
    faiss.write_index(forged, str(folder / "vectors.faiss"))
    rehash(folder)
    with pytest.raises(IndexUnavailableError, match="128 dimensions"):
        open_index(settings, embedder=FakeEmbedder(), rebuild=False)
    index = open_index(settings, embedder=FakeEmbedder())  # with the corpus: rebuilt
    assert index.vectors.dimension == 16


def test_sections_and_passages_forged_together_are_never_quoted(tmp_path):
    import json

    from index.loaded import open_index

    settings = built(tmp_path)
    folder = settings.index_dir
    for name in ("sections.json", "passages.json"):
        text = (folder / name).read_text("utf-8")
        (folder / name).write_text(text.replace("short breaks", "no breaks, ever,"), encoding="utf-8")
    rehash(folder)
    assert "no breaks" in json.loads((folder / "passages.json").read_text())[0]["text"]
    index = open_index(settings, embedder=FakeEmbedder())
    assert not any("no breaks" in c.text for c in index.passages)
    assert any("short breaks" in c.text for c in index.passages)


def test_forged_corpus_hashes_do_not_keep_a_stale_index(tmp_path):
    import json

    from index.loaded import open_index
    from index.store import corpus_fingerprint

    settings = built(tmp_path)
    care = settings.corpus_dir / "care.md"
    care.write_text(care.read_text().replace("short breaks", "regular short breaks"), encoding="utf-8")
    manifest = json.loads((settings.index_dir / "manifest.json").read_text())
    manifest["corpus"] = corpus_fingerprint(settings.corpus_dir)
    (settings.index_dir / "manifest.json").write_text(json.dumps(manifest))
    index = open_index(settings, embedder=FakeEmbedder())
    assert any("regular short breaks" in c.text for c in index.passages)


def test_swap_is_one_atomic_step_and_a_kill_before_it_keeps_the_old_index(tmp_path, monkeypatch):
    from index import store
    from index.build import build_index
    from index.loaded import open_index

    settings = built(tmp_path)
    assert settings.index_dir.is_symlink()
    first = settings.index_dir.resolve()
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")

    def killed(version, index_dir):
        raise KeyboardInterrupt("kill -9 just before the link is flipped")

    monkeypatch.setattr(store, "_point_at", killed)
    with pytest.raises(KeyboardInterrupt):
        build_index(settings, embedder=FakeEmbedder())
    assert settings.index_dir.resolve() == first  # still the old, complete index
    assert len(open_index(settings, embedder=FakeEmbedder(), rebuild=False).passages) == 3
    monkeypatch.undo()
    build_index(settings, embedder=FakeEmbedder())
    assert settings.index_dir.resolve() != first and not first.exists()
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith((".idx.tmp-", ".idx.v-", ".idx.link-"))]
    assert leftovers == [settings.index_dir.resolve()]


def test_old_layout_index_folder_is_migrated_and_a_kill_during_it_is_recovered(tmp_path, monkeypatch):
    from index import store
    from index.build import build_index
    from index.loaded import open_index

    settings = built(tmp_path)
    real = settings.index_dir.resolve()
    settings.index_dir.unlink()
    real.rename(settings.index_dir)  # an index folder as older versions wrote it
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")
    monkeypatch.setattr(store, "_point_at", lambda version, index_dir: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        build_index(settings, embedder=FakeEmbedder())
    assert not settings.index_dir.exists()  # killed between moving the folder aside and linking the new one
    monkeypatch.undo()
    index = open_index(settings, embedder=FakeEmbedder(), rebuild=False)  # recovered: points at a full version
    assert len(index.passages) in (3, 4)


def test_killed_build_keeps_the_embeddings_done_so_far(tmp_path, monkeypatch):
    from index import vectors
    from index.build import build_index, checkpoint_dir

    monkeypatch.setattr(vectors, "CHECKPOINT_EVERY", 2)
    settings = small_settings(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        build_index(settings, embedder=FakeEmbedder(fail_after=2))
    assert checkpoint_dir(settings.index_dir).is_dir()
    second = FakeEmbedder()
    report = build_index(settings, embedder=second)
    fresh = FakeEmbedder()
    build_index(settings.replace(index_dir=tmp_path / "fresh"), embedder=fresh)
    assert report.reused_vectors == 2 and len(second.texts) == len(fresh.texts) - 2 + min(vectors.SPOT_CHECK_ROWS, 2)
    assert not checkpoint_dir(settings.index_dir).exists()


def test_stale_index_on_a_read_only_folder_is_served_with_a_warning(tmp_path, monkeypatch):
    import errno

    import index.build
    from index.loaded import open_index

    settings = built(tmp_path)
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")

    def read_only(index_dir, wait=None):
        raise OSError(errno.EROFS, "Read-only file system", str(index_dir))

    monkeypatch.setattr(index.build, "build_lock", read_only)
    index = open_index(settings, embedder=FakeEmbedder())
    assert "out of date" in index.stale and "Read-only file system" in index.stale
    assert len(index.passages) == 3


def test_full_disk_during_a_build_is_one_line_and_the_old_index_stays(tmp_path, monkeypatch, capsys):
    import errno

    import index.build
    import index.cli
    import index.store
    from index.loaded import open_index

    settings = built(tmp_path)
    before = settings.index_dir.resolve()
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")

    def full(path, payload):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(index.store, "_write_json", full)
    monkeypatch.setattr(index.build.Embedder, "from_settings", classmethod(lambda cls, s: FakeEmbedder()))
    monkeypatch.setenv("LAC_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("LAC_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("LAC_EMBEDDING_MODEL", "fake")
    assert index.cli.main(["build"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "No space left on device" in err and "unchanged" in err
    assert settings.index_dir.resolve() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".idx.tmp-")]
    assert len(open_index(settings, embedder=FakeEmbedder(), rebuild=False).passages) == 3


# --- 12. CLI and API inputs ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    ('[{"q": "hi"}]', "history item 1 is not an earlier question"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('["respite", "siblings"', "not valid JSON"),
    ('{"question": "respite"}', "expected a JSON list"),
    ('["respite", 3]', "history item 2 is not an earlier question"),
])
def test_bad_history_file_is_one_clear_error(tmp_path, capsys, content, message):
    from qa.cli import main

    path = tmp_path / "history.json"
    path.write_text(content, encoding="utf-8")
    assert main(["ask", "Can I get a break from caring?", "--history", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_good_history_files_still_read(tmp_path):
    from qa.cli import read_history

    path = tmp_path / "h"
    path.write_text('["respite", {"question": "siblings"}]', encoding="utf-8")
    assert read_history(str(path)) == ["respite", "siblings"]
    path.write_text("respite\n\nsiblings placed together?\n", encoding="utf-8")
    assert read_history(str(path)) == ["respite", "siblings placed together?"]


def test_history_items_are_validated_and_named():
    from errors import BadInputError
    from qa.service import clean_history

    assert clean_history([None, "", "  respite  "], 2000) == ("respite",)
    with pytest.raises(BadInputError, match="History item 1 must be text"):
        clean_history([1, None], 2000)
    with pytest.raises(BadInputError, match="must be a list"):
        clean_history("respite", 2000)
    with pytest.raises(BadInputError) as info:
        clean_history(["respite", "x" * 5000], 2000)
    assert str(info.value).startswith("Earlier question 2 in the history is 5,000 characters long")


# --- 14. languages and accents ---------------------------------------------------------------------------------------

def test_accents_are_folded_for_searching():
    from qa.language import fold_accents

    assert fold_accents("Can I get a bre\u0301ak from cari\u0301ng?") == "Can I get a break from caring?"
    assert fold_accents("café naïve") == "cafe naive"


@pytest.mark.slow
@pytest.mark.parametrize("question", ["A allaf gael seibiant o ofalu?", "Est-ce que je peux avoir du répit ?",
                                      "Quels sont les droits des enfants placés ?"])
def test_welsh_and_french_questions_are_told_only_english_is_supported(assistant, question):
    from qa.language import ONLY_ENGLISH

    answer = assistant.ask(question)
    assert answer.refused and ONLY_ENGLISH in answer.answer


@pytest.mark.slow
def test_combining_accents_are_normalised_not_refused(assistant):
    plain = assistant.ask("Can I get a break from caring?")
    accented = assistant.ask("Can I get a bre\u0301ak from cari\u0301ng?")
    assert not plain.refused and not accented.refused
    assert [c.section_id for c in accented.citations] == [c.section_id for c in plain.citations]
    from qa.language import ONLY_ENGLISH

    assert ONLY_ENGLISH not in assistant.ask("How do I bake a chocolate cake?").answer


# --- 5. HTTP request size, 13. app edges (the real app on a loopback port) ---------------------------------------

def _http(url: str, method: str, path: str, body=None, headers=None):
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _rss_bytes() -> int:
    import os

    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
def test_declared_oversized_body_is_refused_before_it_is_read(app_url):
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(app_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(b"POST /gradio_api/call/ask HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100000000\r\n\r\n")  # 100 MB announced, none of it sent
        reply = b""
        while chunk := sock.recv(4096):  # the server answers and closes without reading the body
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413") and b"LAC_MAX_REQUEST_BYTES" in reply


@pytest.mark.slow
def test_streamed_oversized_bodies_are_cut_off_and_memory_stays_bounded(app_url):
    from concurrent.futures import ThreadPoolExecutor

    def chunks():
        block = b"x" * (1 << 20)
        for _ in range(30):  # 30 MB each, no Content-Length
            yield block

    def post(_):
        try:
            return _http(app_url, "POST", "/gradio_api/call/ask", body=chunks(),
                         headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})[0]
        except OSError:  # the server closed the connection while the client was still sending: also refused
            return 413

    before = _rss_bytes()
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(post, range(4)))
    assert statuses == [413] * 4
    assert _rss_bytes() - before < 60_000_000  # four 30 MB bodies were not buffered (120 MB)
    status, body = _http(app_url, "POST", "/gradio_api/call/ask",
                         body=b'{"data": ["Can I get a break from caring?", []]}',
                         headers={"Content-Type": "application/json"})
    assert status == 200 and b"event_id" in body  # normal calls are unaffected


@pytest.mark.slow
def test_overlong_url_and_unknown_event_are_client_errors_not_500(app_url):
    status, _ = _http(app_url, "GET", "/?section=" + "a" * 65_537)
    assert status == 414
    payload = b'{"fn_index": 9999, "data": [], "session_hash": "abc", "event_data": null, "trigger_id": null}'
    for path in ("/gradio_api/queue/join", "/gradio_api/run/predict"):
        status, body = _http(app_url, "POST", path, body=payload, headers={"Content-Type": "application/json"})
        assert status == 404 and b"no event 9999" in body
    status, _ = _http(app_url, "GET", "/?section=nice-pathway-2021/box-2")
    assert status == 200


@pytest.mark.slow
def test_unknown_section_link_says_it_was_not_found(assistant):
    import gradio as gr

    from ui.feedback import FeedbackStore
    from ui.views import build_demo

    demo = build_demo(assistant, FeedbackStore(Path("/nonexistent/feedback.sqlite3")), assistant.settings)
    (on_load,) = [f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == "on_load"]
    *_, body = on_load(gr.Request(query_params={"section": "passwd/<b>root</b>"}))
    assert "was not found" in body and "&lt;b&gt;root" in body
    *_, body = on_load(gr.Request(query_params={"section": next(iter(assistant.index.sections))}))
    assert "was not found" not in body


def test_second_app_on_a_busy_port_stops_with_one_line_before_loading():
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = dict(os.environ, LAC_PORT=str(port), LAC_HOST="127.0.0.1", PYTHONPATH=str(ROOT))
        env.pop("GRADIO_SERVER_PORT", None)
        run = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=60, check=False)
    assert run.returncode == 2 and "Ready" not in run.stdout
    assert run.stderr.strip().count("\n") == 0 and f"port {port}" in run.stderr and "LAC_PORT" in run.stderr


# --- 11. feedback bounds, 10. feedback on a read-only or full disk -------------------------------------------------

def _turns(n: int) -> list[dict]:
    from ui.feedback import new_answer_id

    return [{"question": f"question {i}", "refused": False, "sections": ["a/b"], "answer_id": new_answer_id()}
            for i in range(n)]


def test_one_vote_per_answer_shown(tmp_path):
    from ui.feedback import FeedbackStore, record_vote

    store = FeedbackStore(tmp_path / "f.sqlite3")
    turns = _turns(2)
    for _ in range(5):
        assert record_vote(store, turns[0], "Like", client="s1")
    assert record_vote(store, turns[0], "Dislike", client="s1")  # changed mind: same row
    assert record_vote(store, turns[1], "Like", client="s1")
    assert not record_vote(store, None, "Like", client="s1") and not record_vote(store, turns[1], "maybe")
    rows = store.rows()
    assert [(r["question"], r["rating"]) for r in rows] == [("question 0", "down"), ("question 1", "up")]


def test_feedback_rate_limit_per_session(tmp_path):
    from ui.feedback import FeedbackNotSaved, FeedbackStore, record_vote

    store = FeedbackStore(tmp_path / "f.sqlite3", per_minute=5)
    turns = _turns(20)
    for n in range(5):
        record_vote(store, turns[n], "Like", client="flood")
    with pytest.raises(FeedbackNotSaved, match="wait a moment"):
        record_vote(store, turns[5], "Like", client="flood")
    assert record_vote(store, turns[6], "Like", client="someone else")
    assert len(store.rows()) == 6


def test_feedback_rows_are_cut_to_the_limits(tmp_path):
    from ui.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "f.sqlite3", max_rows=50, per_minute=10_000)
    for n in range(20):
        store.record(True, "q" * 5000, False, ["a/b"] * 1000, answer_id=f"answer-{n}")
    rows = store.rows()
    assert len(rows) == 20 and rows[-1]["answer_id"] == "answer-19"
    assert max(len(r["question"]) for r in rows) == 2000 and max(len(r["cited_sections"]) for r in rows) <= 2000


def test_concurrent_votes_are_all_kept(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from ui.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "f.sqlite3", per_minute=10_000)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: store.record(n % 2 == 0, f"q{n}", False, [], answer_id=f"a{n}", client=f"c{n % 8}"),
                      range(400)))
    assert len(store.rows()) == 400


def test_feedback_file_written_before_answer_ids_still_works(tmp_path):
    import sqlite3

    from ui.feedback import SCHEMA, FeedbackStore

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute(SCHEMA)
        con.execute("INSERT INTO feedback (created_utc, rating, question, refused, cited_sections) "
                    "VALUES ('2026-01-01T00:00:00+00:00', 'up', 'old', 0, '')")
    con.close()
    FeedbackStore(path).record(False, "new", True, [], answer_id="x")
    assert [r["question"] for r in FeedbackStore(path).rows()] == ["old", "new"]


def test_feedback_on_a_read_only_or_full_disk_gives_a_calm_message(tmp_path, monkeypatch):
    import sqlite3

    from ui.feedback import FeedbackNotSaved, FeedbackStore

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with pytest.raises(FeedbackNotSaved, match="could not be saved") as info:
        FeedbackStore(blocked / "f.sqlite3").record(True, "q", False, [], answer_id="a")
    assert "\n" not in str(info.value)

    store = FeedbackStore(tmp_path / "f.sqlite3")
    store.record(True, "q", False, [], answer_id="a")

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "_connect", full)
    with pytest.raises(FeedbackNotSaved, match="could not be saved"):
        store.record(True, "q2", False, [], answer_id="b")
