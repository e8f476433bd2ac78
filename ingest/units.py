"""Answer units: the sentences and bullets of each passage, the pieces an answer quotes.

Units are cut once, at index build, so each can be embedded there and scored against a question by meaning
as well as by words. A unit also says what kind of line it is: guidance text, a section's own title repeated
in its text (a PH28 recommendation title), or a context line the parsers add (the topic, the roles, what a
quality statement is relevant to). Titles and context lines are citable but never quoted as the answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from ingest.text import split_units

# Lines the parsers write to give a passage its context (ingest/parsers): they are not guidance sentences.
ROLES_PREFIX = "Who should take action"
CONTEXT_PREFIXES = (ROLES_PREFIX, "Topic:", "Relevant to:")

UnitKind = Literal["text", "title", "context", "lead-in"]
UNIT_KINDS: tuple[str, ...] = get_args(UnitKind)
SCORED_UNIT_KINDS = frozenset({"text", "title"})  # the kinds scored against a question (and so embedded)


@dataclass(frozen=True)
class AnswerUnit:
    """One sentence or bullet of one passage, in reading order."""

    section_id: str
    passage: int  # position of its passage in the index's passage list
    position: int  # position within that passage
    passage_order: int  # the passage's position within its section (0: the section's first passage)
    text: str
    kind: UnitKind = "text"
    shared: bool = False  # the same text stands in another section of its document (a PH28 topic paragraph)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnswerUnit:
        unit = cls(**data)
        if unit.kind not in UNIT_KINDS:
            raise ValueError(f"unknown unit kind {unit.kind!r}")
        return unit


def unit_kind(text: str, label: str) -> UnitKind:
    if text.startswith(CONTEXT_PREFIXES):
        return "context"
    if text.rstrip(".") == label.rstrip("."):
        return "title"
    return "lead-in" if text.endswith(":") else "text"


def answer_units(passages: Sequence, labels: dict[str, str], pointers: Collection[str] = ()) -> list[AnswerUnit]:
    """Every unit of every passage (`passages` have section_id, doc_id and text; `labels`: section id -> label).
    A section that only points elsewhere ("See ... / National strategy, policy and commissioning", `pointers`)
    says no more than its title, so its lines are titles: shown as what they are, never quoted."""
    cut = [(n, p, position, text) for n, p in enumerate(passages) for position, text in enumerate(split_units(p.text))]
    sections_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for _, passage, _, text in cut:
        sections_of[passage.doc_id, text].add(passage.section_id)
    return [AnswerUnit(p.section_id, n, position, p.order, text,
                       "title" if p.section_id in pointers else unit_kind(text, labels[p.section_id]),
                       len(sections_of[p.doc_id, text]) > 1)
            for n, p, position, text in cut]


__all__ = ["AnswerUnit", "CONTEXT_PREFIXES", "ROLES_PREFIX", "SCORED_UNIT_KINDS", "UNIT_KINDS", "UnitKind", "answer_units",
           "split_units"]
