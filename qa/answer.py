"""Extractive answers: the sentences that answer the question, each cited, plus fixed framing lines.

What is quoted is chosen in qa/select.py from units scored in qa/evidence.py. Every quoted sentence is copied
from its cited passage; the only added words are fixed framing (a PH28 title shown as a title, "Who should act:",
what a document is, the currency note, the not-covered message and a generic next step), each on a line of its
own kind, never dressed up as the guidance's content.
"""

from __future__ import annotations

from ingest.model import Document, Passage, Section
from ingest.text import split_units
from ingest.units import ROLES_PREFIX
from qa.evidence import META_KINDS, NO_CONTENT_KINDS, Evidence
from qa.model import Answer, AnswerLine, Citation, GuidanceIndex, Hit, LineKind, Retrieval
from qa.select import Selection
from qa.terms import TermExplainer, first_clause, spelled_out

NOT_COVERED = "The guidance in this collection doesn't cover this question."
# Why, in one sentence (a scope rule gives its own reason, qa/data/scope.toml).
NEARBY_ONLY = "Some of its sections are on nearby topics, but none of them answers it."
NOTHING_NEAR = "None of its sections is about this."
# After every refusal: generic, safe, and marked as ours, not the guidance's.
NEXT_STEP = ("Our suggestion (not from the guidance): ask the child's social worker or your fostering service, "
             "who know the child's plan and your local policies.")
MAX_NEAREST_TOPICS = 3
MAX_DOCUMENT_LINES = 2


def cited_passage(hit: Hit) -> Passage:
    """The best-matching passage of the section that says something beyond its list of roles."""
    return next((p for p in hit.passages if not p.text.startswith(ROLES_PREFIX)), hit.passages[0])


def citation(rank: int, section: Section, document: Document, passage_text: str, score: float) -> Citation:
    return Citation(
        rank=rank,
        doc_id=document.doc_id,
        title=document.title,
        section=section.label,
        section_id=section.section_id,
        text=passage_text,
        score=score,
        status=document.status,
        date=document.date,
        superseded_by=document.superseded_by,
        roles=section.roles,
        roles_note=section.roles_note,
        kind=section.kind,
    )


def citation_for(rank: int, hit: Hit) -> Citation:
    return citation(rank, hit.section, hit.document, cited_passage(hit).text, hit.score)


def currency_note(citations: list[Citation]) -> AnswerLine | None:
    """Say plainly when an answer leans on replaced guidance (PH28, or the 2020 pathway)."""
    old = [c for c in citations if c.status == "superseded"]
    if not old:
        return None
    parts = []
    for replaced_by in sorted({c.superseded_by or "newer guidance" for c in old}):
        group = [c for c in old if (c.superseded_by or "newer guidance") == replaced_by]
        marks = ", ".join(f"[{c.rank}]" for c in group)
        dated = sorted({c.date[:4] for c in group if c.date})
        when = f" ({', '.join(dated)})" if dated else ""
        parts.append(f"{marks} {'comes' if len(group) == 1 else 'come'} from guidance{when} that NICE has replaced with {replaced_by}")
    return AnswerLine(f"Note: {'; '.join(parts)}. Check the current guidance before acting on it.",
                      LineKind.CURRENCY_NOTE, tuple(c.rank for c in old))


def safety_lines(notices: tuple[str, ...]) -> list[AnswerLine]:
    """The safety notice goes first, on answers and refusals alike."""
    return [AnswerLine(notice, LineKind.SAFETY_NOTICE) for notice in notices]


def nearest_topics(retrieval: Retrieval, floor: float, limit: int = MAX_NEAREST_TOPICS) -> tuple[str, ...]:
    """Labels of the retrieved sections that are actually near the question (similarity at least `floor`), never
    the guidance's legal or about-this-document text or a box that only points elsewhere."""
    near = (h.section.label for h in retrieval.hits
            if h.section.kind not in META_KINDS | NO_CONTENT_KINDS
            and retrieval.similarity.get(h.section.section_id, 0.0) >= floor)
    return tuple(dict.fromkeys(near))[:limit]


def refusal(question: str, retrieval: Retrieval | None, nearest_topic_similarity: float,
            notices: tuple[str, ...] = (), reason: str | None = None) -> Answer:
    """Not covered: why (in a sentence), the nearest topics that are near, and a generic next step marked as ours."""
    topics = nearest_topics(retrieval, nearest_topic_similarity) if retrieval is not None else ()
    reason = reason or (NEARBY_ONLY if topics else NOTHING_NEAR)
    lines = [*safety_lines(notices), AnswerLine(f"{NOT_COVERED} {reason}", LineKind.REFUSAL)]
    if topics:
        lines.append(AnswerLine(f"The nearest topics it does cover: {'; '.join(topics)}.", LineKind.NEAREST_TOPICS))
    lines.append(AnswerLine(NEXT_STEP, LineKind.NEXT_STEP))
    return Answer(question=question, refused=True, lines=tuple(lines), nearest_topics=topics, notices=notices)


def short_name(document: Document) -> str:
    """'PH28 quick reference guide' from 'PH28 quick reference guide: Looked-after children ... (NICE/SCIE, 2010)'."""
    return document.title.split(":", 1)[0].strip()


def _dated(document: Document) -> str:
    year = (document.date or "")[:4]
    replaced = f"replaced by {document.superseded_by}" if document.superseded_by else ""
    return ", ".join(p for p in (year, replaced) if p)


TITLE_NOUNS = {"recommendation": "a recommendation", "quality-statement": "a quality statement", "box": "a box",
               "pointer": "a box"}


def title_line(section: Section, document: Document, rank: int) -> AnswerLine:
    """A matching section shown by its title (a PH28 recommendation is no more than a title in the quick
    reference guide), with its document's date and status."""
    dated = _dated(document)
    noun = TITLE_NOUNS.get(section.kind, "a section")
    return AnswerLine(f"{short_name(document)} has {noun} on this: {section.label}"
                      f"{f' ({dated})' if dated else ''}.", LineKind.TITLE, (rank,))


def document_line(document: Document, rank: int) -> AnswerLine:
    """What a cited document is, from the manifest: publisher, date, status and what replaced it."""
    status = {"current": "current guidance", "superseded": "replaced guidance",
              "background": "background reading, not guidance"}.get(document.status, "of unknown status")
    dated = f", dated {document.date}" if document.date else ""
    replaced = f"; NICE has replaced it with {document.superseded_by}" if document.superseded_by else ""
    return AnswerLine(f"About the source: {document.title}, published by {document.publisher}{dated}, is "
                      f"{status}{replaced}.", LineKind.DOCUMENT, (rank,))


def compose_answer(question: str, evidence: Evidence, selection: Selection, index: GuidanceIndex,
                   explainer: TermExplainer | None = None, notices: tuple[str, ...] = (),
                   uncovered_parts: tuple[str, ...] = (), about_guidance: bool = False) -> Answer:
    """The answer's lines and citations for a covered question (see qa/select.py for what is chosen)."""
    probability = {s.index: s.probability for s in evidence.units}
    citations: list[Citation] = []
    lines: list[AnswerLine] = []
    for entry in selection.sections:
        section = index.sections[entry.section_id]
        document = index.documents[section.doc_id]
        score = max(probability.get(n, 0.0) for n in (*entry.quotes, entry.title) if n is not None)
        cited = citation(len(citations) + 1, section, document, index.passages[entry.passage].text, score)
        citations.append(cited)
        if entry.title is not None:
            lines.append(title_line(section, document, cited.rank))
        lines.extend(AnswerLine(index.units[n].text, LineKind.QUOTE, (cited.rank,)) for n in entry.quotes)
    with_roles = next((c for c in citations if c.roles), None)
    if with_roles is not None:
        scope = " (listed for the whole topic)" if with_roles.roles_note else ""
        lines.append(AnswerLine(f"Who should act{scope}: {'; '.join(with_roles.roles)}", LineKind.WHO_SHOULD_ACT,
                                (with_roles.rank,)))
    if about_guidance:
        documents = list(dict.fromkeys(c.doc_id for c in citations))[:MAX_DOCUMENT_LINES]
        lines.extend(document_line(index.documents[d], next(c.rank for c in citations if c.doc_id == d))
                     for d in documents)
    if explainer is not None:
        cited_ids = {c.section_id for c in citations}
        for term, hit in explainer.defined_terms(_words(lines), exclude=cited_ids):
            cited = citation_for(len(citations) + 1, hit)
            citations.append(cited)
            definition = cited.text.split(": ", 1)[-1]
            lines.append(AnswerLine(f"{term}: {first_clause(definition)}", LineKind.DEFINITION, (cited.rank,)))
    abbreviations = spelled_out(_words(lines))
    if abbreviations:
        lines.append(AnswerLine(f"Terms: {'; '.join(abbreviations)}.", LineKind.TERM))
    for part in uncovered_parts:
        lines.append(AnswerLine(f"Not covered: the guidance doesn't answer this part of your question: “{part}”.",
                                LineKind.NOT_COVERED_PART))
    note = currency_note(citations)
    if note:
        lines.append(note)
    return Answer(question=question, refused=False, lines=(*safety_lines(notices), *lines),
                  citations=tuple(citations), notices=notices)


def _words(lines: list[AnswerLine]) -> str:
    """The answer's words so far, for finding the terms it uses."""
    return "\n".join(line.text for line in lines if line.kind is not LineKind.DOCUMENT)


__all__ = ["NEARBY_ONLY", "NEXT_STEP", "NOTHING_NEAR", "NOT_COVERED", "citation", "citation_for", "compose_answer", "currency_note",
           "document_line", "nearest_topics", "refusal", "safety_lines", "split_units", "title_line"]
