"""NICE Pathway export: numbered flowchart boxes, quality statements, glossary, sources and legal text."""

from __future__ import annotations

import re

from ingest.clean import blocks_of, join_broken_paragraphs, lines_of, strip_markdown
from ingest.manifest import slugify
from ingest.model import Document, Section, SectionKind
from ingest.parsers.common import numbered

BOX_TITLE = re.compile(r"^(\d{1,2}) (\S.*)$")
STATEMENT = re.compile(r"^(\d{1,2})\. (\S.*)$")
WHY_BOILERPLATE = re.compile(r"^See the NICE guideline to find out \[why we made .*\]\([^)]*\)\.?$")
PAGE_MARKER = re.compile(r"\s*\[See page \d+\]")
TAIL_HEADINGS = ("Glossary", "Sources", "Your responsibility")
# A box whose whole body is one of these only points elsewhere in the online pathway: it holds no guidance.
POINTER_BODY = re.compile(r"^(No additional information|See [^\n]+)$")


def parse(doc: Document) -> list[Section]:
    blocks = [_clean_block(b) for b in blocks_of(lines_of(PAGE_MARKER.sub("", doc.text)))]
    blocks = _split_glued_headings([b for b in blocks if b])
    paragraphs = join_broken_paragraphs(["\n".join(b) for b in blocks])
    intro, boxes, tail = _split_boxes(paragraphs)
    sections: list[Section] = [Section(f"{doc.doc_id}/about", doc.doc_id, intro[0], "\n".join(intro), kind="about")]
    statements: dict[str, tuple[str, list[str]]] = {}
    for number, title, body in boxes:
        label = f"Box {number}: {title}"
        body, listed = _take_quality_statements(body)
        for qs_number, qs_title in listed:
            statements.setdefault(qs_number, (qs_title, []))[1].append(label)
        text = "\n".join(body)
        kind: SectionKind = "pointer" if POINTER_BODY.match(text) else "box"
        sections.append(Section(f"{doc.doc_id}/box-{number}", doc.doc_id, label, text, kind=kind))
    for qs_number, (qs_title, box_labels) in statements.items():
        label = f"Quality statement {qs_number}: {qs_title}"
        text = f"{label}. Relevant to: {'; '.join(box_labels)}."
        sections.append(Section(f"{doc.doc_id}/qs-{qs_number}", doc.doc_id, label, text, kind="quality-statement"))
    sections.extend(_tail_sections(doc.doc_id, tail))
    return numbered(sections)


def _clean_block(block: list[str]) -> list[str]:
    return [strip_markdown(line) for line in block if not WHY_BOILERPLATE.match(line)]


def _split_glued_headings(blocks: list[list[str]]) -> list[list[str]]:
    """'Your responsibility**Guidelines**' is two headings glued together by the export."""
    out: list[list[str]] = []
    for block in blocks:
        for heading in TAIL_HEADINGS:
            first = block[0]
            rest = first[len(heading) :]
            if first.startswith(heading) and rest[:1].isupper() and len(block) == 1:
                out.extend([[heading], [rest]])
                break
        else:
            out.append(block)
    return out


def _split_boxes(paragraphs: list[str]) -> tuple[list[str], list[tuple[str, str, list[str]]], list[str]]:
    """Boxes are 'N Title' lines numbered 1, 2, 3 ... in order; what follows the last box's body is the tail."""
    intro: list[str] = []
    boxes: list[tuple[str, str, list[str]]] = []
    tail: list[str] = []
    for paragraph in paragraphs:
        match = BOX_TITLE.match(paragraph)
        if not tail and match and int(match.group(1)) == len(boxes) + 1:
            boxes.append((match.group(1), match.group(2).strip(), []))
        elif not boxes:
            intro.append(paragraph)
        elif tail or paragraph in TAIL_HEADINGS or _starts_definition(paragraphs, paragraph):
            tail.append(paragraph)
        else:
            boxes[-1][2].append(paragraph)
    return intro, boxes, tail


def _starts_definition(paragraphs: list[str], paragraph: str) -> bool:
    """A one-line term right before 'Glossary' with its definition between them is a standalone definition."""
    if "Glossary" not in paragraphs:
        return False
    at = paragraphs.index("Glossary")
    return at >= 2 and paragraphs[at - 2] == paragraph and "\n" not in paragraph and len(paragraph) < 40


def _take_quality_statements(body: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    if "Quality standards" not in body:
        return body, []
    at = body.index("Quality standards")
    listed = [STATEMENT.match(p) for p in body[at + 1 :]]
    return body[:at], [(m.group(1), m.group(2).strip()) for m in listed if m]


def _tail_sections(doc_id: str, tail: list[str]) -> list[Section]:
    """Split the tail at its headings: standalone definition, glossary terms, sources, 'Your responsibility'."""
    sections: list[Section] = []
    heading: str | None = None
    body: list[str] = []
    parts: list[tuple[str | None, list[str]]] = []
    for paragraph in tail:
        if paragraph in TAIL_HEADINGS:
            if heading or body:
                parts.append((heading, body))
            heading, body = paragraph, []
        elif heading is None and not body:
            heading = paragraph
        else:
            body.append(paragraph)
    parts.append((heading, body))
    for heading, body in parts:
        if heading == "Glossary":
            sections.extend(_glossary(doc_id, body))
        elif heading == "Sources":
            sections.append(Section(f"{doc_id}/sources", doc_id, "Sources", "\n".join(body), kind="about"))
        elif heading == "Your responsibility":
            sections.append(
                Section(f"{doc_id}/your-responsibility", doc_id, "Your responsibility", "\n".join(body), kind="legal")
            )
        elif heading:
            sections.extend(_glossary(doc_id, [heading, *body]))
    return sections


def _glossary(doc_id: str, paragraphs: list[str]) -> list[Section]:
    """Pairs of (term, definition); a definition in parentheses loses the wrapping parentheses."""
    sections = []
    for term, definition in zip(paragraphs[::2], paragraphs[1::2]):
        definition = definition.replace("\n", " ")
        if definition.startswith("(") and definition.endswith(")"):
            definition = definition[1:-1]
        sections.append(
            Section(f"{doc_id}/glossary-{slugify(term)}", doc_id, f"Glossary: {term}", f"{term}: {definition}", kind="glossary")
        )
    return sections
