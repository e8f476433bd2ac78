"""Split sections into passages small enough to embed and show, without breaking sentences or lists.

Every passage line is a line (or a sentence of a line) of the section text, so a citation can be checked
against its section verbatim."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.model import Chunk, Section

SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘“\"(])")


def split_passages(sections: Iterable[Section], max_chars: int = 600) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections:
        for n, text in enumerate(_pieces(section.text, max_chars)):
            chunks.append(Chunk(f"{section.section_id}#{n}", section.section_id, section.doc_id, text, order=n))
    return chunks


def _units(text: str, max_chars: int) -> list[tuple[str, str | None]]:
    """(line, lead-in) pairs: bullets carry the ':' line that introduces their list; long lines become sentences."""
    units: list[tuple[str, str | None]] = []
    lead_in: str | None = None
    for line in (line.strip() for line in text.split("\n")):
        if not line:
            continue
        if line.startswith("- "):
            units.append((line, lead_in))
            continue
        lead_in = line if line.endswith(":") else None
        if len(line) <= max_chars:
            units.append((line, None))
        else:
            units.extend((sentence, None) for sentence in SENTENCE_SPLIT.split(line))
    return units


def _pieces(text: str, max_chars: int) -> list[str]:
    text = text.strip()
    if len(text) <= max_chars:
        return [text] if text else []
    pieces: list[list[str]] = []
    current: list[str] = []
    carried = 0  # lines repeated at the top of this piece (a list's lead-in)
    for line, lead_in in _units(text, max_chars):
        if len(current) > carried and len("\n".join(current + [line])) > max_chars:
            pieces.append(current)
            current = [lead_in] if lead_in else []
            carried = len(current)
        current.append(line)
    if current:
        pieces.append(current)
    return ["\n".join(piece) for piece in pieces]
