"""Any other document: sections from markdown headings, else from short title-like lines, else paragraph groups."""

from __future__ import annotations

import re

from ingest.clean import SENTENCE_END, blocks_of, drop_chrome, join_wrapped, lines_of, strip_markdown
from ingest.manifest import slugify
from ingest.model import Document, Section
from ingest.parsers.common import numbered
from ingest.text import MAX_LABEL_CHARS, short_label

MD_HEADING = re.compile(r"^#{1,2}\s+(\S.*?)\s*#*$")
GROUP_CHARS = 1500


def parse(doc: Document) -> list[Section]:
    lines = drop_chrome(lines_of(doc.text))
    parts = _by_markdown(lines) or _by_title_lines(lines) or _by_groups(lines, doc.title)
    sections, seen = [], set()
    for heading, paragraphs in parts:
        text = "\n".join(strip_markdown(p) for p in paragraphs).strip()
        if not text:
            continue
        slug = slugify(heading)
        while slug in seen:
            slug += "-2"
        seen.add(slug)
        sections.append(Section(f"{doc.doc_id}/{slug}", doc.doc_id, strip_markdown(heading), text, kind="section"))
    return numbered(sections)


def _by_markdown(lines: list[str]) -> list[tuple[str, list[str]]]:
    parts: list[tuple[str, list[str]]] = []
    for block in blocks_of(lines):
        heading = MD_HEADING.match(block[0])
        if heading:
            parts.append((heading.group(1), []))
            block = block[1:]
        if block and parts:
            parts[-1][1].append(join_wrapped(block))
    return parts


def _is_title(block: list[str]) -> bool:
    line = block[0]
    return len(block) == 1 and len(line) < 80 and line[:1].isupper() and not line.endswith(SENTENCE_END)


def _by_title_lines(lines: list[str]) -> list[tuple[str, list[str]]]:
    blocks = blocks_of(lines)
    parts: list[tuple[str, list[str]]] = []
    for n, block in enumerate(blocks):
        if _is_title(block) and n + 1 < len(blocks) and not _is_title(blocks[n + 1]):
            parts.append((block[0], []))
        elif parts:
            parts[-1][1].append(join_wrapped(block))
    return parts if len(parts) > 1 else []


def _by_groups(lines: list[str], title: str) -> list[tuple[str, list[str]]]:
    parts: list[tuple[str, list[str]]] = []
    size = GROUP_CHARS
    for block in blocks_of(lines):
        paragraph = join_wrapped(block)
        if size + len(paragraph) > GROUP_CHARS:
            parts.append((f"{short_label(title, MAX_LABEL_CHARS - 20)} (part {len(parts) + 1})", []))
            size = 0
        parts[-1][1].append(paragraph)
        size += len(paragraph)
    return parts
