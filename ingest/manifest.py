"""Read corpus/manifest.toml: one [[document]] entry per file, repaired or dropped with a warning when broken."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ingest.model import STATUSES

MANIFEST_NAME = "manifest.toml"


@dataclass(frozen=True)
class Entry:
    file: str
    doc_id: str
    title: str | None = None
    publisher: str = "unknown"
    kind: str | None = None
    date: str | None = None
    status: str = "unknown"
    superseded_by: str | None = None
    source_url: str | None = None


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "document"


def read_manifest(corpus_dir: Path) -> tuple[dict[str, Entry], list[str]]:
    """Entries keyed by file name, plus warnings for anything that had to be skipped or repaired."""
    path = corpus_dir / MANIFEST_NAME
    if not path.exists():
        return {}, [f"{MANIFEST_NAME}: not found; every file is ingested with default metadata"]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return {}, [f"{MANIFEST_NAME}: cannot be parsed ({exc}); every file is ingested with default metadata"]
    entries: dict[str, Entry] = {}
    warnings: list[str] = []
    raw_entries = data.get("document", [])
    if not isinstance(raw_entries, list):
        return {}, [f"{MANIFEST_NAME}: 'document' must be an array of tables; ignored"]
    for n, raw in enumerate(raw_entries, start=1):
        entry, problems = _entry(raw, n)
        warnings.extend(problems)
        if entry is None:
            continue
        if entry.file in entries:
            warnings.append(f"{MANIFEST_NAME}: entry {n} repeats file {entry.file!r}; the first entry is kept")
            continue
        entries[entry.file] = entry
    return entries, warnings


def _entry(raw: object, n: int) -> tuple[Entry | None, list[str]]:
    where = f"{MANIFEST_NAME}: entry {n}"
    if not isinstance(raw, dict):
        return None, [f"{where} is not a table; skipped"]
    file = raw.get("file")
    if not isinstance(file, str) or not file.strip():
        return None, [f"{where} (id={raw.get('id')!r}) has no 'file'; skipped"]
    warnings = []
    status = str(raw.get("status", "unknown"))
    if status not in STATUSES:
        warnings.append(f"{where} ({file}): unknown status {status!r}; using 'unknown'")
        status = "unknown"
    date = raw.get("date")
    entry = Entry(
        file=file,
        doc_id=str(raw.get("id") or slugify(Path(file).stem)),
        title=raw.get("title"),
        publisher=str(raw.get("publisher", "unknown")),
        kind=raw.get("kind"),
        date=None if date is None else str(date),
        status=status,
        superseded_by=raw.get("superseded_by"),
        source_url=raw.get("source_url"),
    )
    return entry, warnings
