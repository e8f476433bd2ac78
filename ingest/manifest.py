"""Read corpus/manifest.toml: one [[document]] entry per file, checked against a schema (pydantic).

Every problem is reported by entry, file and field; a bad field falls back to its default with a warning, an entry
without a usable `file` is skipped, and a missing or unparsable manifest means default metadata for every file.
Ingest never stops because of the manifest."""

from __future__ import annotations

import datetime
import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from errors import shown
from ingest.model import KINDS, STATUSES
from ingest.text import MAX_SLUG_CHARS

MANIFEST_NAME = "manifest.toml"
DOC_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"  # a doc id becomes part of section ids and of ?section= links


class Entry(BaseModel):
    """One manifest entry. Field names are the manifest's keys (`id` is the document id)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    file: str = Field(min_length=1)
    doc_id: str = Field("", alias="id", pattern=DOC_ID, max_length=100)
    title: str | None = Field(None, min_length=1, max_length=500)
    publisher: str = Field("unknown", max_length=200)
    kind: str | None = None
    date: str | None = Field(None, max_length=40)
    status: str = "unknown"
    superseded_by: str | None = Field(None, max_length=200)
    source_url: str | None = Field(None, max_length=2000)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() not in KINDS:
            raise ValueError(f"unknown kind {value!r}; one of {', '.join(KINDS)}")
        return value

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        if value not in STATUSES:
            raise ValueError(f"unknown status {value!r}; one of {', '.join(STATUSES)}")
        return value

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value):
        """TOML dates (date = 2021-10-20, unquoted) are dates; the manifest keeps dates as text."""
        return value.isoformat() if isinstance(value, datetime.date) else value

    def with_default_id(self) -> Entry:
        return self if self.doc_id else self.model_copy(update={"doc_id": slugify(Path(self.file).stem)})


def slugify(text: str) -> str:
    """Lower-case words joined by hyphens, at most MAX_SLUG_CHARS (cut at a hyphen): ids stay short."""
    slug = re.sub(r"[^a-z0-9]+", "-", text[: MAX_SLUG_CHARS * 8].lower()).strip("-")
    if len(slug) > MAX_SLUG_CHARS:
        slug = slug[:MAX_SLUG_CHARS]
        slug = slug[: slug.rfind("-")] if slug.rfind("-") > MAX_SLUG_CHARS // 2 else slug
    return slug.strip("-") or "document"


def default_entry(file: str) -> Entry:
    return Entry(file=file).with_default_id()


def read_manifest(corpus_dir: Path) -> tuple[dict[str, Entry], list[str]]:
    """Entries keyed by file name, plus warnings for anything that had to be skipped or repaired."""
    path = corpus_dir / MANIFEST_NAME
    if path.is_symlink():  # like every corpus file: a link could point anywhere on the machine
        return {}, [f"{MANIFEST_NAME}: is a symbolic link; links are not followed, copy the file in instead; every "
                    "file is ingested with default metadata"]
    if not path.is_file():
        return {}, [f"{MANIFEST_NAME}: not found; every file is ingested with default metadata"]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # -sig: Windows Notepad's byte-order mark
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return {}, [f"{MANIFEST_NAME}: cannot be parsed ({exc}); every file is ingested with default metadata"]
    entries: dict[str, Entry] = {}
    warnings: list[str] = [f"{MANIFEST_NAME}: unknown table or key {key!r}; ignored" for key in data if key != "document"]
    raw_entries = data.get("document", [])
    if not isinstance(raw_entries, list):
        return {}, [f"{MANIFEST_NAME}: 'document' must be an array of tables ([[document]]); ignored"]
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
    """Validate one entry; each bad field is reported and dropped (its default is used), then validated again."""
    where = f"{MANIFEST_NAME}: entry {n}"
    if not isinstance(raw, dict):
        return None, [f"{where} is not a table; skipped"]
    file = raw.get("file")
    if not isinstance(file, str) or not file.strip():
        return None, [f"{where} (id={raw.get('id')!r}) has no 'file'; skipped"]
    fields = dict(raw)
    warnings: list[str] = []
    while True:
        try:
            return Entry.model_validate(fields).with_default_id(), warnings
        except ValidationError as exc:
            bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "?"
                message = "unknown field; ignored" if error["type"] == "extra_forbidden" else (
                    f"{_short(fields.get(field))} is not valid ({error['msg']}); using the default")
                warnings.append(f"{where} ({shown(file)}): field {field!r}: {message}")
            if "file" in bad or not bad & set(fields):
                return None, [*warnings, f"{where} ({shown(file)}): skipped"]
            fields = {k: v for k, v in fields.items() if k not in bad}


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
