"""The question bank: questions people ask, written from the corpus passages, kept beside the corpus.

`<corpus>/questions/*.jsonl`, one question per line (schema: docs/question-bank.md):

    {"id": "nice-pathway-2021/box-9#0-01", "question": "can i get a break from the kids sometimes",
     "voice": "carer", "scope": "in",
     "gold": [{"section_id": "nice-pathway-2021/box-9", "evidence": "<a span copied verbatim from that section>"}]}

Out-of-scope questions (the guidance is silent on them) have `"scope": "out"`, no gold and a `"topic"`.
Gold is a section and a verbatim span, not a passage id, so the bank survives re-chunking: at build the span is
found again in whichever passage and answer units now hold it. Where a current and a superseded section both
answer, both are gold, the current one first.

The bank is what retrieval learns how people ask from (the bank channel, qa/channels/bank.py) and what the
ranker, the coverage model and the encoder adapter are fitted on (train/). A bad line is skipped with a one-line
warning naming its file and line; nothing else is affected. A corpus with no `questions/` folder (a user's own
documents) simply has an empty bank.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from errors import shown
from ingest.clean import normalise
from ingest.corpus import BANK_FOLDER, bank_files

MAX_BANK_FILE_BYTES = 20_000_000
MAX_BANK_LINE_CHARS = 10_000


class _Gold(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    section_id: str = Field(min_length=1, max_length=300)
    evidence: str = Field(min_length=10, max_length=5000)


class _Line(BaseModel):
    """One line of a bank file, as written (validated, then turned into a BankQuestion)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(min_length=1, max_length=300)
    question: str = Field(min_length=3, max_length=1000)
    voice: Literal["carer", "staff", "trainer"]
    scope: Literal["in", "out"]
    gold: tuple[_Gold, ...] = ()
    topic: str | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _gold_matches_scope(self) -> _Line:
        if self.scope == "in" and not self.gold:
            raise ValueError("an in-scope question needs at least one gold section and evidence span")
        if self.scope == "out" and self.gold:
            raise ValueError("an out-of-scope question has no gold")
        if self.scope == "out" and not self.topic:
            raise ValueError("an out-of-scope question needs a topic")
        return self


@dataclass(frozen=True)
class GoldSpan:
    section_id: str
    evidence: str  # verbatim from the section's text

    def to_dict(self) -> dict[str, str]:
        return {"section_id": self.section_id, "evidence": self.evidence}


@dataclass(frozen=True)
class BankQuestion:
    question_id: str
    question: str
    voice: str
    scope: str  # "in": the guidance answers it (gold); "out": it is silent on it (topic)
    gold: tuple[GoldSpan, ...] = ()
    topic: str | None = None
    source: str = ""  # file:line, for messages

    @property
    def answerable(self) -> bool:
        return self.scope == "in"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.question_id, "question": self.question, "voice": self.voice, "scope": self.scope,
                "gold": [g.to_dict() for g in self.gold], "topic": self.topic, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BankQuestion:
        return cls(data["id"], data["question"], data["voice"], data["scope"],
                   tuple(GoldSpan(**g) for g in data.get("gold", ())), data.get("topic"), data.get("source", ""))


@dataclass(frozen=True)
class Bank:
    questions: tuple[BankQuestion, ...]
    warnings: tuple[str, ...] = field(default=())


def load_bank(corpus_dir: Path, sections: Iterable[str] | None = None) -> Bank:
    """Every valid question of the bank, in file and line order; `sections` (known section ids) also drops gold
    that names a section the corpus does not have (a removed document), with a warning."""
    known = frozenset(sections) if sections is not None else None
    questions: list[BankQuestion] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for path in bank_files(corpus_dir):
        where = f"{BANK_FOLDER}/{shown(path.name)}"
        if path.stat().st_size > MAX_BANK_FILE_BYTES:
            warnings.append(f"{where}: larger than {MAX_BANK_FILE_BYTES:,} bytes; skipped")
            continue
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            warnings.append(f"{where}: cannot be read ({exc.__class__.__name__}); skipped")
            continue
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            question, problem = _parse(line, known)
            if question is None:
                warnings.append(f"{where}:{number}: {problem}; line skipped")
                continue
            if question.question_id in seen:
                warnings.append(f"{where}:{number}: id {question.question_id!r} already used at {seen[question.question_id]}; "
                                "line skipped")
                continue
            seen[question.question_id] = f"{where}:{number}"
            questions.append(BankQuestion(question.question_id, question.question, question.voice, question.scope,
                                          question.gold, question.topic, f"{where}:{number}"))
    return Bank(tuple(questions), tuple(warnings))


def _parse(line: str, known: frozenset[str] | None) -> tuple[BankQuestion | None, str]:
    if len(line) > MAX_BANK_LINE_CHARS:
        return None, f"longer than {MAX_BANK_LINE_CHARS:,} characters"
    try:
        raw = _Line.model_validate(json.loads(line))
    except json.JSONDecodeError as exc:
        return None, f"not JSON ({exc.msg})"
    except ValidationError as exc:
        error = exc.errors()[0]
        place = ".".join(str(p) for p in error["loc"]) or "line"
        return None, f"{place}: {error['msg']}"
    gold = tuple(GoldSpan(g.section_id, g.evidence) for g in raw.gold)
    if known is not None:
        unknown = [g.section_id for g in gold if g.section_id not in known]
        if unknown and len(unknown) == len(gold):
            return None, f"gold section {unknown[0]!r} is not in the corpus"
        gold = tuple(g for g in gold if g.section_id in known)
    return BankQuestion(raw.id, " ".join(raw.question.split()), raw.voice, raw.scope, gold, raw.topic), ""


@dataclass(frozen=True)
class PlacedQuestion:
    """A bank question as one index holds it: where its gold spans stand now (passage and unit positions)."""

    question: BankQuestion
    passages: tuple[int, ...] = ()
    units: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**self.question.to_dict(), "passages": list(self.passages), "units": list(self.units)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlacedQuestion:
        return cls(BankQuestion.from_dict(data), tuple(data["passages"]), tuple(data["units"]))


class SpanLocator:
    """Finds where gold spans stand now: their passages and answer units, in one index's passage and unit lists."""

    def __init__(self, passages: Sequence, units: Sequence):
        self.passages = passages
        self.by_section: dict[str, list[int]] = {}
        for n, passage in enumerate(passages):
            self.by_section.setdefault(passage.section_id, []).append(n)
        self.folded = [normalise(p.text) for p in passages]
        self.units_of: dict[int, list[tuple[int, str]]] = {}
        for n, unit in enumerate(units):
            self.units_of.setdefault(unit.passage, []).append((n, normalise(unit.text).rstrip(" .;:,")))

    def place(self, bank: Bank) -> tuple[list[PlacedQuestion], list[str]]:
        """Every question placed; an answerable one whose spans are found nowhere is dropped with a warning."""
        placed, warnings = [], []
        for question in bank.questions:
            passages, units = self.locate(question) if question.answerable else ((), ())
            if question.answerable and not passages:
                warnings.append(f"{question.source}: its evidence is not in {question.gold[0].section_id}; line skipped")
                continue
            placed.append(PlacedQuestion(question, passages, units))
        return placed, warnings

    def locate(self, question: BankQuestion) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(passage positions, unit positions) holding the question's gold spans, in gold order (current first).
        A span is matched as written, then with whitespace and case folded; a unit counts when it lies inside a
        span or holds it."""
        passage_ids: list[int] = []
        unit_ids: list[int] = []
        for gold in question.gold:
            span = normalise(gold.evidence)
            for n in self.by_section.get(gold.section_id, ()):
                if gold.evidence not in self.passages[n].text and span not in self.folded[n]:
                    continue
                if n not in passage_ids:
                    passage_ids.append(n)
                unit_ids.extend(u for u, text in self.units_of.get(n, ())
                                if text and (text in span or span in text) and u not in unit_ids)
        return tuple(passage_ids), tuple(unit_ids)


__all__ = ["BANK_FOLDER", "Bank", "BankQuestion", "GoldSpan", "PlacedQuestion", "bank_files", "SpanLocator", "load_bank"]
