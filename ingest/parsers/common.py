"""Helpers shared by the document parsers."""

from __future__ import annotations

from dataclasses import replace

from ingest.clean import blocks_of, join_broken_paragraphs, join_wrapped
from ingest.model import Section


def numbered(sections: list[Section]) -> list[Section]:
    """Set each section's order to its position in the document."""
    return [replace(section, order=n) for n, section in enumerate(sections)]


def paragraphs(lines: list[str]) -> list[str]:
    """Hard-wrapped lines -> paragraphs; '- ' lines start bullet items whose wrapped lines are joined to them."""
    items: list[str] = []
    for block in blocks_of(lines):
        current: list[str] = []
        for line in block:
            if line.startswith("- ") and current:
                items.append(join_wrapped(current))
                current = []
            current.append(line)
        items.append(join_wrapped(current))
    return join_broken_paragraphs(items)
