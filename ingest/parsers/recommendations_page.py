"""PH28 recommendations web page: intro, then 'Recommendation N Title' blocks with roles, actions and footnotes."""

from __future__ import annotations

import re

from ingest.clean import SENTENCE_END, lines_of
from ingest.model import Document, Section
from ingest.parsers.common import numbered

REC = re.compile(r"^Recommendation (\d{1,3}):? (\S.*)$")
WHO = "Who should take action?"
WHAT = re.compile(r"^What action should they take\?(?: Open)?$")
FOOTNOTE_NUMBER = re.compile(r"^- (\d{1,3})\.$")


def parse(doc: Document) -> list[Section]:
    lines = [line.strip() for line in lines_of(doc.text) if line.strip()]
    starts = [n for n, line in enumerate(lines) if REC.match(line)] + [len(lines)]
    intro = lines[: starts[0]]
    headings = [line for line in intro if not line.endswith(SENTENCE_END)]
    sections = [Section(f"{doc.doc_id}/intro", doc.doc_id, headings[-1] if headings else doc.title, "\n".join(intro), kind="intro")]
    for start, end in zip(starts, starts[1:]):
        sections.append(_recommendation(doc.doc_id, lines[start:end]))
    return numbered(sections)


def _recommendation(doc_id: str, lines: list[str]) -> Section:
    match = REC.match(lines[0])
    assert match is not None  # the caller splits the page at lines that match REC
    number, title = match.groups()
    roles: list[str] = []
    body: list[str] = []
    references: list[str] = []
    part = "title"
    lines_iter = iter(lines[1:])
    for line in lines_iter:
        if line == WHO:
            part = "roles"
        elif WHAT.match(line):
            part = "body"
        elif part == "roles":
            role = line.removeprefix("-").strip().rstrip(".").strip()
            if role:
                roles.append(role)
        elif part == "body" and (footnote := FOOTNOTE_NUMBER.match(line)):
            note = next(lines_iter, "").removeprefix("- ").strip()
            references.append(f"({footnote.group(1)}) {note}")
        elif part == "body" and line not in body:  # a repeat of an earlier line is a page-export artefact
            body.append(line)
    label = f"Recommendation {number}: {title.strip()}"
    return Section(f"{doc_id}/rec-{number}", doc_id, label, "\n".join(body), kind="recommendation",
                   roles=tuple(roles), references=tuple(references))
