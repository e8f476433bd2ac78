"""Typed records of the qa stage: Hit and Retrieval (what search found), Citation, AnswerLine and Answer.

An answer is a sequence of typed lines, each with the citation numbers it rests on. Consumers (the CLI,
the app, the evaluation, the generator) read the lines; `Answer.answer` is their plain-text rendering,
made by `render_text` alone, and never parsed back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ingest.model import Document, Passage, Section

if TYPE_CHECKING:
    from ingest.units import AnswerUnit


class GuidanceIndex(Protocol):
    """The guidance as the qa stage reads it from an opened index (index.loaded.SearchIndex is one): documents
    and sections by id, passages and answer units by position."""

    @property
    def documents(self) -> Mapping[str, Document]: ...

    @property
    def sections(self) -> Mapping[str, Section]: ...

    @property
    def passages(self) -> Sequence[Passage]: ...

    @property
    def units(self) -> Sequence[AnswerUnit]: ...


@dataclass(frozen=True)
class Hit:
    """A retrieved section with the passages of it that matched, best first."""

    section: Section
    document: Document
    passages: tuple[Passage, ...]
    score: float


@dataclass(frozen=True)
class BankVotes:
    """Per answer unit: the similarity of the nearest bank question it answers (among the NEIGHBOURS nearest); how
    close the nearest answerable and out-of-scope bank questions are; per passage, over every answerable bank
    question, the similarity of the nearest one it answers (-1 where none does; empty: no bank), and that plus the
    bank classifier's say (qa/bank_classifier.py; the same without it); and the classifier's out-of-scope logit."""

    units: dict[int, float] = field(default_factory=dict)
    best_in: float = 0.0
    best_out: float = 0.0
    passage_best: np.ndarray = field(default_factory=lambda: np.zeros(0))
    passage_score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    outside: float = 0.0


@dataclass(frozen=True)
class Retrieval:
    hits: tuple[Hit, ...]
    best_similarity: float  # cosine of the best passage to the question: the "is this covered at all" signal
    similarity: dict[str, float]  # per section id, best cosine among its passages
    bank: BankVotes = field(default_factory=BankVotes)  # what the nearest question-bank questions vote for


@dataclass(frozen=True)
class Citation:
    rank: int
    doc_id: str
    title: str
    section: str
    section_id: str
    text: str
    score: float
    status: str
    date: str | None
    superseded_by: str | None = None
    roles: tuple[str, ...] = ()
    roles_note: str | None = None
    kind: str = "section"

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "section_id": self.section_id,
            "text": self.text,
            "score": round(self.score, 4),
            "status": self.status,
            "date": self.date,
            "superseded_by": self.superseded_by,
            "roles": list(self.roles),
            "roles_note": self.roles_note,
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Citation:
        return cls(**{**data, "roles": tuple(data.get("roles") or ())})


class LineKind(StrEnum):
    QUOTE = "quote"  # a sentence/bullet copied verbatim from a cited passage
    WHO_SHOULD_ACT = "who-should-act"
    DEFINITION = "definition"  # glossary definition of a term the answer uses (cited)
    TERM = "term"  # abbreviations spelt out
    NOT_COVERED_PART = "not-covered-part"
    CURRENCY_NOTE = "currency-note"  # "Note: [2] comes from guidance (2010) that NICE has replaced with NG205..."
    SAFETY_NOTICE = "safety-notice"  # always the FIRST line when it applies (answer or refusal)
    REFUSAL = "refusal"  # "The guidance in this collection doesn't cover this question."
    NEAREST_TOPICS = "nearest-topics"  # after a refusal: the nearest topics the guidance does cover
    NEXT_STEP = "next-step"  # after a refusal: a generic next step, marked as ours (ask the child's social worker)
    GENERATED = "generated"  # written by the optional language model, checked against its cited passages
    TITLE = "title"  # "PH28 quick reference guide has a recommendation on this: Recommendation 36: ... (2010, ...)"
    DOCUMENT = "document"  # what a cited document is, its date and status, from the manifest (about-guidance questions)


# Lines whose words come from the cited passages (quoted, or generated and checked): what support is measured on
# and what a source card highlights.
GUIDANCE_KINDS = frozenset({LineKind.QUOTE, LineKind.DEFINITION, LineKind.GENERATED})
# Fixed framing an answer keeps when a generated answer replaces its quoted sentences.
FRAMING_KINDS = frozenset({LineKind.WHO_SHOULD_ACT, LineKind.TERM, LineKind.NOT_COVERED_PART,
                           LineKind.CURRENCY_NOTE, LineKind.TITLE, LineKind.DOCUMENT})


@dataclass(frozen=True)
class AnswerLine:
    text: str  # no [n] markers in it, except a currency note, whose sentence names the sources it is about
    kind: LineKind
    citations: tuple[int, ...] = ()  # citation ranks this line rests on

    @property
    def markers(self) -> tuple[int, ...]:
        """The ranks shown as [n] after the text (a currency note names its sources inside its sentence)."""
        return () if self.kind is LineKind.CURRENCY_NOTE else self.citations

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "kind": str(self.kind), "citations": list(self.citations)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnswerLine:
        return cls(text=data["text"], kind=LineKind(data["kind"]), citations=tuple(data.get("citations") or ()))


def render_text(lines: Iterable[AnswerLine]) -> str:
    """The plain-text answer: one line each, ending with its [n] markers (the only place markers are written)."""
    rendered = []
    for line in lines:
        markers = "".join(f"[{n}]" for n in line.markers)
        rendered.append(f"{line.text} {markers}" if markers else line.text)
    return "\n".join(rendered)


@dataclass(frozen=True)
class Answer:
    question: str
    refused: bool
    lines: tuple[AnswerLine, ...] = ()
    citations: tuple[Citation, ...] = ()
    nearest_topics: tuple[str, ...] = ()
    notices: tuple[str, ...] = field(default=())  # the safety notice text again, for older readers of the JSON

    @property
    def answer(self) -> str:
        return render_text(self.lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "nearest_topics": list(self.nearest_topics),
            "notices": list(self.notices),
            "lines": [line.to_json() for line in self.lines],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answer:
        return cls(
            question=data["question"],
            refused=bool(data["refused"]),
            lines=tuple(AnswerLine.from_json(line) for line in data.get("lines") or ()),
            citations=tuple(Citation.from_json(c) for c in data.get("citations") or ()),
            nearest_topics=tuple(data.get("nearest_topics") or ()),
            notices=tuple(data.get("notices") or ()),
        )


__all__ = ["FRAMING_KINDS", "GUIDANCE_KINDS", "Answer", "GuidanceIndex", "AnswerLine", "BankVotes", "Citation", "Hit", "LineKind", "Retrieval",
           "render_text"]
