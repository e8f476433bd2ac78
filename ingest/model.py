"""Typed records that flow between stages: Document -> Section -> Chunk -> Hit -> Answer."""

from __future__ import annotations

from dataclasses import dataclass, field

STATUSES = ("current", "superseded", "background", "unknown")
# Manifest `kind` values: one per parser in ingest/parsers, and "document" for the generic parser.
KINDS = ("pathway", "quick reference guide", "recommendations page", "news report", "document")


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


@dataclass(frozen=True)
class Section:
    """The unit a user cites: a pathway box, a recommendation, a glossary term, ..."""

    section_id: str  # stable, e.g. "ph28-qrg/rec-15"
    doc_id: str
    label: str  # "Recommendation 15: Support sibling placements"
    text: str
    kind: str = "section"  # recommendation | box | glossary | principles | quality-statement | news | legal | intro | about
    roles: tuple[str, ...] = ()
    roles_note: str | None = None  # set when roles could not be tied to one recommendation
    references: tuple[str, ...] = ()
    order: int = 0


@dataclass(frozen=True)
class Chunk:
    """A focused passage of one section; what gets embedded and shown as the cited text."""

    chunk_id: str  # f"{section_id}#{n}"
    section_id: str
    doc_id: str
    text: str
    order: int = 0


@dataclass(frozen=True)
class Hit:
    """A retrieved section with the passages of it that matched, best first."""

    section: Section
    document: Document
    chunks: tuple[Chunk, ...]
    score: float


@dataclass(frozen=True)
class Citation:
    rank: int
    doc_id: str
    title: str
    section: str
    section_id: str
    text: str
    score: float
    status: str
    date: str | None
    superseded_by: str | None = None
    roles: tuple[str, ...] = ()
    roles_note: str | None = None
    kind: str = "section"

    def to_json(self) -> dict:
        return {
            "rank": self.rank,
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "section_id": self.section_id,
            "text": self.text,
            "score": round(self.score, 4),
            "status": self.status,
            "date": self.date,
            "superseded_by": self.superseded_by,
            "roles": list(self.roles),
            "roles_note": self.roles_note,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    nearest_topics: tuple[str, ...] = ()
    notices: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "nearest_topics": list(self.nearest_topics),
            "notices": list(self.notices),
        }
