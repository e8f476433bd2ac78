"""Which quoted lines are only titles or shared boilerplate, decided from the corpus's own structure.

A line is a title when (normalised, case-folded, trailing punctuation dropped) it equals a section's label
("Recommendation 36: Train foster and residential carers") or the label without its numbered prefix
("Train foster and residential carers"). It is boilerplate when it occurs in the text of two or more sections
of one document, as the PH28 quick reference guide's topic paragraph and "Topic:" line do for every
recommendation of a topic: text every sibling section shares says nothing about any one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from eval.metrics import normalise

# "Recommendation 36: ", "Box 9: ", "Quality statement 3: ", "Glossary: " -- a short label prefix before ': '.
_LABEL_PREFIX = re.compile(r"^[A-Za-z ]{1,24}\d*[a-z]?: ")
_TRAILING = " .;:,"


class SectionLike(Protocol):
    @property
    def doc_id(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def text(self) -> str: ...


def _key(text: str) -> str:
    return normalise(text).rstrip(_TRAILING).casefold()


class TitleDetector:
    """`is_title(line)` for the title-only metric; built once from the ingested sections."""

    def __init__(self, sections: Iterable[SectionLike]):
        self.titles: set[str] = set()
        self.texts_by_doc: dict[str, list[str]] = {}
        for section in sections:
            label = normalise(section.label)
            self.titles |= {_key(label), _key(_LABEL_PREFIX.sub("", label))}
            self.texts_by_doc.setdefault(section.doc_id, []).append(normalise(section.text).casefold())
        self.titles.discard("")

    def is_title(self, line: str) -> bool:
        key = _key(line)
        if not key or key in self.titles:
            return True
        return any(sum(key in text for text in texts) >= 2 for texts in self.texts_by_doc.values())

    __call__ = is_title


__all__ = ["TitleDetector"]
