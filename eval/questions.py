"""The evaluation question set: eval/questions/{train,dev,test}.jsonl, one `Question` per line.

`train` is for fitting anything, `dev` for choosing between variants, `test` is locked: its sha256 is the last
line of eval/questions/CHANGELOG.md, and only its aggregate figures are looked at.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"
# 1,239 judged questions written from the passages after the splits were locked (never from dev or test), for
# choosing between variants on more than dev holds: `python -m eval --questions eval/questions/written --split dev`.
# Never fitted on (fitting on them lowered the locked test split: docs/decisions/2026-12-07-question-bank.md).
WRITTEN_DIR = QUESTIONS_DIR / "written"
SPLITS = ("train", "dev", "test")
PERSONAS = ("carer", "staff", "trainer")
KINDS = ("practical", "who-acts", "which-recommendation", "definition", "about-guidance", "news", "follow-up",
         "topic-switch", "near-out-of-scope", "far-out-of-scope")
SCOPES = ("in", "near", "far")
_SHA256 = re.compile(r"\b[0-9a-f]{64}\b")


class Question(BaseModel):
    """One evaluation question (the schema in TEAM.md). Immutable; unknown fields are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    split: Literal["train", "dev", "test"]
    persona: Literal["carer", "staff", "trainer"]
    kind: Literal["practical", "who-acts", "which-recommendation", "definition", "about-guidance", "news",
                  "follow-up", "topic-switch", "near-out-of-scope", "far-out-of-scope"]
    scope: Literal["in", "near", "far"]
    question: str = Field(min_length=1)
    history: tuple[str, ...] = ()
    target: str | None = None
    gold_sections: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _gold_matches_scope(self) -> Question:
        answerable = self.scope == "in"
        if answerable and not (self.evidence and self.gold_sections):
            raise ValueError("an in-scope question needs evidence spans and gold sections")
        if not answerable and self.evidence:
            raise ValueError("an out-of-scope question has no evidence")
        if self.kind.endswith("-out-of-scope") and self.kind != f"{self.scope}-out-of-scope":
            raise ValueError(f"kind {self.kind!r} does not fit scope {self.scope!r}")
        if self.kind in ("follow-up", "topic-switch") and not self.history:
            raise ValueError(f"a {self.kind} question needs the earlier turns in history")
        if any(not span.strip() for span in self.evidence):
            raise ValueError("empty evidence span")
        if any(not turn.strip() for turn in self.history):
            raise ValueError("empty earlier question in history")
        return self

    @property
    def answerable(self) -> bool:
        return self.scope == "in"


Row = TypeVar("Row", bound=BaseModel)


def load_split_file(path: Path, model: type[Row]) -> list[Row]:
    """Every row of one split file (`<split>.jsonl`, rows with a `split` field), validated by `model`; a bad line
    raises ValueError naming the file and line. Shared by the question set and the safety set (eval/safety.py)."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = model.model_validate_json(line)
        except ValidationError as exc:
            raise ValueError(f"{path.name} line {n}: {exc}") from exc
        split = getattr(row, "split", None)
        if split != path.stem:
            raise ValueError(f"{path.name} line {n}: split {split!r} in the {path.stem} file")
        rows.append(row)
    return rows


def load_file(path: Path) -> list[Question]:
    """Every question of one split file; a bad line raises ValueError naming the file and line."""
    return load_split_file(path, Question)


def load_questions(splits: Iterable[str] = SPLITS, directory: Path = QUESTIONS_DIR) -> list[Question]:
    """The questions of the chosen splits, in file order; ids are unique across all of them."""
    questions = [q for split in splits for q in load_file(directory / f"{split}.jsonl")]
    counts = Counter(q.id for q in questions)
    duplicates = sorted(qid for qid, n in counts.items() if n > 1)
    if duplicates:
        raise ValueError(f"duplicate question ids: {duplicates}")
    return questions


def available(directory: Path = QUESTIONS_DIR, splits: Iterable[str] = SPLITS) -> bool:
    return all((directory / f"{split}.jsonl").is_file() for split in splits)


def question_texts(splits: Sequence[str] = ("train", "dev"), directory: Path = QUESTIONS_DIR) -> list[str]:
    """Distinct question texts, for benchmarks that need realistic wording (never the locked test split)."""
    if not available(directory):
        return []
    return list(dict.fromkeys(q.question for q in load_questions(splits, directory)))


def locked_sha256(changelog: Path) -> str | None:
    """The sha256 on the changelog's newest (last) line that records one: what test.jsonl must hash to."""
    found = [h for line in changelog.read_text(encoding="utf-8").splitlines() for h in _SHA256.findall(line)]
    return found[-1] if found else None


__all__ = ["KINDS", "PERSONAS", "QUESTIONS_DIR", "SCOPES", "SPLITS", "WRITTEN_DIR", "Question", "available",
           "load_file", "load_questions", "locked_sha256", "question_texts"]
