"""The browse view: every document and its sections in reading order, one section shown at a time."""

from __future__ import annotations

from dataclasses import dataclass

from qa.model import Citation
from ui.format import esc, status_badge


@dataclass(frozen=True)
class Outline:
    """Documents in manifest order, each with its section ids in reading order."""

    doc_titles: dict[str, str]  # doc_id -> title, in manifest order
    sections: dict[str, list[str]]  # doc_id -> section ids by `order`
    labels: dict[str, str]  # section_id -> label

    @classmethod
    def from_index(cls, index) -> "Outline":
        doc_titles = {doc_id: doc.title for doc_id, doc in index.documents.items()}
        sections: dict[str, list[str]] = {doc_id: [] for doc_id in doc_titles}
        for sec in sorted(index.sections.values(), key=lambda s: (s.order, s.section_id)):
            sections.setdefault(sec.doc_id, []).append(sec.section_id)
        labels = {sid: sec.label for sid, sec in index.sections.items()}
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

    def doc_of(self, section_id: str) -> str | None:
        for doc_id, ids in self.sections.items():
            if section_id in ids:
                return doc_id
        return None


def section_html(index, section_id: str) -> str:
    """One whole section as escaped HTML, with its document's date and status badge."""
    sec = index.sections.get(section_id)
    if sec is None:
        return f'<p class="lac-notice">No section called {esc(section_id)}. Choose one from the lists above.</p>'
    doc = index.documents[sec.doc_id]
    fake = Citation(rank=0, doc_id=doc.doc_id, title=doc.title, section=sec.label, section_id=sec.section_id,
                    text=sec.text, score=0.0, status=doc.status, date=doc.date, superseded_by=doc.superseded_by)
    badge_class, badge = status_badge(fake, {d: x.title for d, x in index.documents.items()})
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


__all__ = ["Outline", "section_html"]
