"""Typed records that ingest produces and the index stores: Document -> Section -> Passage.

The qa-stage records built from them (Hit, Citation, Answer) live in qa/model.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from ingest.text import MAX_LABEL_CHARS, short_label

STATUSES = ("current", "superseded", "background", "unknown")
# Manifest `kind` values: one per parser in ingest/parsers, and "document" for the generic parser.
KINDS = ("pathway", "quick reference guide", "recommendations page", "news report", "document")

# Every kind of section the parsers produce (ingest/parsers/*); retrieval weighs some of them down.
SectionKind = Literal[
    "section", "recommendation", "box", "glossary", "principles", "quality-statement", "news", "legal",
    "intro", "about", "pointer",
]
SECTION_KINDS: tuple[str, ...] = get_args(SectionKind)


@dataclass(frozen=True)
class Document:
    """One source file plus what the manifest says about it (its citation header)."""

    doc_id: str
    title: str
    path: str
    text: str
    publisher: str = "unknown"
    kind: str = "document"
    date: str | None = None
    status: str = "unknown"
    superseded_by: str | None = None
    source_url: str | None = None
    sha256: str = ""

    def __post_init__(self) -> None:
        if len(self.title) > MAX_LABEL_CHARS:  # the first line of a one-line file: bounded like a label
            object.__setattr__(self, "title", short_label(self.title))

    def to_json(self) -> dict[str, Any]:
        """The stored record: everything but the full text (the sections hold it)."""
        return {k: v for k, v in asdict(self).items() if k != "text"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        return cls(**{"text": "", **data})


@dataclass(frozen=True)
class Section:
    """The unit a user cites: a pathway box, a recommendation, a glossary term, ..."""

    section_id: str  # stable, e.g. "ph28-qrg/rec-15"
    doc_id: str
    label: str  # "Recommendation 15: Support sibling placements"
    text: str
    kind: SectionKind = "section"
    roles: tuple[str, ...] = ()
    roles_note: str | None = None  # set when roles could not be tied to one recommendation
    references: tuple[str, ...] = ()
    order: int = 0

    def __post_init__(self) -> None:
        if len(self.label) > MAX_LABEL_CHARS:  # bounded here, whichever parser made it
            object.__setattr__(self, "label", short_label(self.label))
        if self.kind not in SECTION_KINDS:
            raise ValueError(f"unknown section kind {self.kind!r}; expected one of {', '.join(SECTION_KINDS)}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"roles": list(self.roles), "references": list(self.references)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Section:
        return cls(**{**data, "roles": tuple(data["roles"]), "references": tuple(data["references"])})


@dataclass(frozen=True)
class Passage:
    """A focused part of one section; what gets embedded and shown as the cited text."""

    passage_id: str  # f"{section_id}#{n}"
    section_id: str
    doc_id: str
    text: str
    order: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Passage:
        return cls(**data)


__all__ = ["SECTION_KINDS", "STATUSES", "Document", "Passage", "Section", "SectionKind"]
