"""Split sections into passages small enough to embed and show, without breaking sentences or lists.

Every passage line is a line (or a sentence of a line) of the section text, so a citation can be checked
against its section verbatim. No passage is longer than the maximum: a line over it is split into sentences,
a sentence over it at spaces between words, and a word over it into pieces of the maximum length."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.model import Passage, Section
from ingest.text import SENTENCE_END

WORD = re.compile(r"\S+")


def split_passages(sections: Iterable[Section], max_chars: int = 600) -> list[Passage]:
    passages: list[Passage] = []
    for section in sections:
        for n, text in enumerate(_pieces(section.text, max_chars)):
            passages.append(Passage(f"{section.section_id}#{n}", section.section_id, section.doc_id, text, order=n))
    return passages


def _units(text: str, max_chars: int) -> list[tuple[str, str | None]]:
    """(line, lead-in) pairs: bullets carry the ':' line that introduces their list; long lines become sentences."""
    units: list[tuple[str, str | None]] = []
    lead_in: str | None = None
    for line in (line.strip() for line in text.split("\n")):
        if not line:
            continue
        if not line.startswith("- "):
            lead_in = line if line.endswith(":") else None
        carried = lead_in if line.startswith("- ") else None
        if len(line) <= max_chars:
            units.append((line, carried))
        else:
            units.extend((piece, carried) for sentence in SENTENCE_END.split(line)
                         for piece in _fit(sentence, max_chars))
    return units


def _fit(sentence: str, max_chars: int) -> list[str]:
    """A sentence as it is when short enough, else runs of whole words, else (one long word) slices; each piece
    is a slice of the sentence, so it is still found verbatim in the section."""
    if len(sentence) <= max_chars:
        return [sentence]
    pieces: list[str] = []
    start = end = None
    for word in WORD.finditer(sentence):
        for lo in range(word.start(), word.end(), max_chars):
            hi = min(lo + max_chars, word.end())
            if start is not None and hi - start <= max_chars:
                end = hi
            else:
                if start is not None:
                    pieces.append(sentence[start:end])
                start, end = lo, hi
    if start is not None:
        pieces.append(sentence[start:end])
    return pieces


def _pieces(text: str, max_chars: int) -> list[str]:
    text = text.strip()
    if len(text) <= max_chars:
        return [text] if text else []
    pieces: list[list[str]] = []
    current: list[str] = []
    carried = 0  # lines repeated at the top of this piece (a list's lead-in)
    for line, lead_in in _units(text, max_chars):
        if len("\n".join(current + [line])) > max_chars:
            if len(current) > carried:
                pieces.append(current)
            # A list's lead-in is repeated above the next bullets only when both fit in one passage.
            current = [lead_in] if lead_in is not None and len(lead_in) + 1 + len(line) <= max_chars else []
            carried = len(current)
        current.append(line)
    if current:
        pieces.append(current)
    return ["\n".join(piece) for piece in pieces]
