"""The browse view: every document and its sections in reading order, one section shown at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ingest.model import Document, Section
from ui.format import esc, status_badge


class Library(Protocol):
    """What the browse view reads (qa.service.Assistant provides it)."""

    def documents(self) -> Mapping[str, Document]: ...

    def section(self, section_id: str) -> Section | None: ...

    def outline(self) -> Sequence[tuple[Document, Sequence[Section]]]: ...


@dataclass(frozen=True)
class Outline:
    """Documents in manifest order, each with its section ids in reading order."""

    doc_titles: dict[str, str]  # doc_id -> title, in manifest order
    sections: dict[str, list[str]]  # doc_id -> section ids by `order`
    labels: dict[str, str]  # section_id -> label

    @classmethod
    def from_library(cls, library: Library) -> Outline:
        outline = library.outline()
        doc_titles = {doc.doc_id: doc.title for doc, _ in outline}
        sections = {doc.doc_id: [s.section_id for s in secs] for doc, secs in outline}
        labels = {s.section_id: s.label for _, secs in outline for s in secs}
        return cls(doc_titles, sections, labels)

    def doc_choices(self) -> list[tuple[str, str]]:
        return [(title, doc_id) for doc_id, title in self.doc_titles.items()]

    def section_choices(self, doc_id: str) -> list[tuple[str, str]]:
        return [(self.labels[sid], sid) for sid in self.sections.get(doc_id, [])]

    def neighbour(self, section_id: str, step: int) -> str:
        """The previous (-1) or next (+1) section across documents, staying put at either end."""
        flat = [sid for doc_id in self.doc_titles for sid in self.sections.get(doc_id, [])]
        if section_id not in flat:
            return flat[0] if flat else section_id
        i = min(max(flat.index(section_id) + step, 0), len(flat) - 1)
        return flat[i]

    def first_section(self, doc_id: str) -> str | None:
        ids = self.sections.get(doc_id)
        return ids[0] if ids else None

    def doc_of(self, section_id: str) -> str | None:
        for doc_id, ids in self.sections.items():
            if section_id in ids:
                return doc_id
        return None


def section_html(library: Library, section_id: str) -> str:
    """One whole section as escaped HTML, with its document's date and status badge."""
    sec = library.section(section_id)
    if sec is None:
        return f'<p class="lac-notice">No section called {esc(section_id)}. Choose one from the lists above.</p>'
    documents = library.documents()
    doc = documents[sec.doc_id]
    badge_class, badge = status_badge(doc.status, doc.superseded_by, {d: x.title for d, x in documents.items()})
    who = "; ".join(sec.roles) if sec.roles else (sec.roles_note or "")
    paras = "".join(f"<p>{esc(p)}</p>" for p in sec.text.split("\n") if p.strip())
    return (
        f'<article class="lac-browse" aria-label="{esc(sec.label)}">'
        f"<h2>{esc(sec.label)}</h2>"
        f'<div class="lac-doc">{esc(doc.title)}</div>'
        f'<div class="lac-meta"><span class="lac-badge {badge_class}">{esc(badge)}</span> '
        f'<span class="lac-date">Date: {esc(doc.date or "not stated")}</span></div>'
        + (f'<div class="lac-who"><strong>Who should act:</strong> {esc(who)}</div>' if who else "")
        + f'<div class="lac-section-text">{paras}</div>'
        f'<p class="lac-sid">Section id: {esc(sec.section_id)}</p></article>'
    )


__all__ = ["Library", "Outline", "section_html"]
