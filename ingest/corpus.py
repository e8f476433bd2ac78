"""Load the corpus folder: manifest + files -> Documents -> Sections, with a warning for everything skipped or repaired."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from errors import CorpusError, shown
from ingest.clean import normalise, text_hash
from ingest.loaders import FileLimits, Unreadable, is_supported, load_text, read_limited
from ingest.manifest import MANIFEST_NAME, Entry, default_entry, read_manifest
from ingest.model import Document, Section
from ingest.parsers import detect_kind, generic, parser_for

log = logging.getLogger("lac.ingest")
STATUS_PREFERENCE = {"current": 0}


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]
    sections: tuple[Section, ...]
    warnings: tuple[str, ...]


def corpus_files(corpus_dir: Path, warnings: list[str] | None = None) -> list[Path]:
    """Regular files directly inside the corpus folder. Symbolic links are never followed (one could point
    anywhere on the machine, e.g. /etc/passwd): each is skipped with a warning."""
    files = []
    for path in sorted(Path(corpus_dir).iterdir()):
        if path.is_symlink():
            if warnings is not None and is_supported(path):
                warnings.append(f"{shown(path.name)}: is a symbolic link; links are not followed, copy the file in instead; skipped")
            continue
        if path.is_file():
            files.append(path)
    return files


BANK_FOLDER = "questions"  # the question bank's folder inside the corpus folder (ingest/bank.py reads it)


def bank_files(corpus_dir: Path) -> list[Path]:
    """The bank's files: regular `.jsonl` files directly in `<corpus>/questions` (links are not followed)."""
    folder = Path(corpus_dir) / BANK_FOLDER
    if folder.is_symlink() or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".jsonl" and p.is_file() and not p.is_symlink())


def ingest_inputs(corpus_dir: Path) -> list[Path]:
    """Every file ingest reads: the manifest and the documents of supported types (what an index is checked against)."""
    return [p for p in corpus_files(corpus_dir) if is_supported(p) or p.name == MANIFEST_NAME]


def load_corpus(corpus_dir: Path, limits: FileLimits | None = None) -> Corpus:
    corpus_dir = Path(corpus_dir)
    limits = limits or FileLimits()
    if not corpus_dir.is_dir():
        what = "does not exist" if not corpus_dir.exists() else "is not a folder"
        raise CorpusError(f"Corpus folder {shown(corpus_dir)} {what}; give a folder of guidance files (LAC_CORPUS_DIR "
                          "or --corpus).")
    entries, warnings = read_manifest(corpus_dir)
    # Files listed in the manifest first: when two files hold the same text, the listed one (with its title,
    # date and status) is kept and the unlisted copy is skipped as the duplicate.
    files = sorted((p for p in corpus_files(corpus_dir, warnings) if is_supported(p)),
                   key=lambda p: (p.name not in entries, p.name))
    for name in sorted(set(entries) - {p.name for p in files}):
        warnings.append(f"{shown(name)}: listed in the manifest but not found in {shown(corpus_dir)}; skipped")
    documents: list[Document] = []
    sections: list[Section] = []
    seen_hashes: dict[str, str] = {}
    seen_ids: set[str] = set()
    for path in files:
        document = _document(path, entries.get(path.name), warnings, limits)
        if document is None:
            continue
        digest = text_hash(document.text)
        if digest in seen_hashes:
            warnings.append(f"{shown(path.name)}: same text as {shown(seen_hashes[digest])}; skipped as a duplicate")
            continue
        if document.doc_id in seen_ids:
            warnings.append(f"{shown(path.name)}: document id {document.doc_id!r} is already used; skipped")
            continue
        seen_hashes[digest] = path.name
        seen_ids.add(document.doc_id)
        documents.append(document)
        sections.extend(_sections(document, warnings))
    sections = _drop_repeated_sections(sections, {d.doc_id: d.status for d in documents})
    for warning in warnings:
        log.warning(warning)
    if not sections:
        raise CorpusError(f"No usable text in {shown(corpus_dir)}; add guidance files (.txt, .md, .html, .pdf, .docx).")
    return Corpus(tuple(documents), tuple(sections), tuple(warnings))


def _document(path: Path, entry: Entry | None, warnings: list[str], limits: FileLimits) -> Document | None:
    try:
        raw = read_limited(path, limits)
        text, load_warnings = load_text(path, raw, limits)
    except OSError as exc:
        warnings.append(f"{shown(path.name)}: cannot be read ({exc.strerror or exc.__class__.__name__}); skipped")
        return None
    except Unreadable as exc:
        warnings.append(f"{shown(path.name)}: {exc}; skipped")
        return None
    warnings.extend(load_warnings)
    if entry is None:
        warnings.append(f"{shown(path.name)}: no manifest entry; ingested with status 'unknown'")
        entry = default_entry(path.name)
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)
    return Document(
        doc_id=entry.doc_id,
        title=entry.title or first_line,
        path=str(path),
        text=text,
        publisher=entry.publisher,
        kind=entry.kind or detect_kind(text) or "document",
        date=entry.date,
        status=entry.status,
        superseded_by=entry.superseded_by,
        source_url=entry.source_url,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def _sections(document: Document, warnings: list[str]) -> list[Section]:
    """Parse with the document kind's parser; a layout the parser does not recognise falls back to the generic one."""
    parse = parser_for(document.kind)
    try:
        sections = parse(document)
    except Exception as exc:  # noqa: BLE001 -- any layout surprise in one document must not stop the build
        warnings.append(f"{shown(Path(document.path).name)}: not laid out as a {document.kind!r} ({exc}); parsed generically")
        sections = generic.parse(document)
    empty = [s.label for s in sections if not s.text.strip()]
    if empty:
        warnings.append(f"{shown(Path(document.path).name)}: {len(empty)} section(s) with a heading but no text "
                        f"({empty[0]!r}); left out")
        sections = [s for s in sections if s.text.strip()]
    if not sections:
        warnings.append(f"{shown(Path(document.path).name)}: no sections found; skipped")
    return sections


def _drop_repeated_sections(sections: list[Section], status: dict[str, str]) -> list[Section]:
    """The same passage (same kind, label and text) in several documents is kept once: from the current
    document if there is one, else from the first (e.g. the legal text every NICE export repeats)."""
    keep: dict[tuple[str, str, str], Section] = {}
    for section in sections:
        key = (section.kind, section.label, normalise(section.text))
        best = keep.get(key)
        if best is None or STATUS_PREFERENCE.get(status[section.doc_id], 1) < STATUS_PREFERENCE.get(status[best.doc_id], 1):
            keep[key] = section
    kept = {id(s) for s in keep.values()}
    return [s for s in sections if id(s) in kept]
