"""The question bank as an index holds it: where each question's gold stands (numbers, read at every start) apart
from the questions themselves (text, read only when something asks for them: fitting, tests).

Answering needs, per bank question, only whether it is answerable and which passages and answer units its gold
spans stand in; those are `BankPlaces`, five arrays in `bank-places.npz`. The question records (`bank.json`: id,
text, voice, scope, gold spans, topic, source) are 1.7 MB of JSON and 3,457 objects that no answer reads: parsing
them cost about 25 ms of every cold start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ingest.bank import PlacedQuestion

ARRAYS = ("answerable", "passage_starts", "passage_ids", "unit_starts", "unit_ids")


@dataclass(frozen=True, eq=False)
class BankPlaces:
    """Per bank question (in bank order): answerable or not, and its passage and unit positions, in gold order
    (current first). Question n's passages are passage_ids[passage_starts[n]:passage_starts[n + 1]]; units alike."""

    answerable: np.ndarray  # bool, one per question
    passage_starts: np.ndarray  # int32, one more than there are questions
    passage_ids: np.ndarray  # int32
    unit_starts: np.ndarray
    unit_ids: np.ndarray

    @classmethod
    def empty(cls) -> BankPlaces:
        return cls.of(())

    @classmethod
    def of(cls, placed: Sequence[PlacedQuestion]) -> BankPlaces:
        return cls(np.array([q.question.answerable for q in placed], dtype=bool),
                   *_ragged([q.passages for q in placed]), *_ragged([q.units for q in placed]))

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> BankPlaces:
        """From the saved arrays; ValueError when they are not of the shape `arrays()` writes."""
        places = cls(*(np.asarray(arrays[name]) for name in ARRAYS))
        problem = places._shape_problem()
        if problem:
            raise ValueError(problem)
        return places

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in ARRAYS}

    def __len__(self) -> int:
        return len(self.answerable)

    def passages(self, n: int) -> tuple[int, ...]:
        return tuple(self.passage_ids[self.passage_starts[n]:self.passage_starts[n + 1]].tolist())

    def passage_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (question, passage) pair the gold makes, in bank order: the question positions and the passage
        positions (an out-of-scope question has none)."""
        return np.repeat(np.arange(len(self)), np.diff(self.passage_starts)), self.passage_ids

    def units(self, n: int) -> tuple[int, ...]:
        return tuple(self.unit_ids[self.unit_starts[n]:self.unit_starts[n + 1]].tolist())

    def point_inside(self, passages: int, units: int) -> bool:
        """Every position names one of `passages` passages and `units` units."""
        return all(ids.size == 0 or (int(ids.min()) >= 0 and int(ids.max()) < limit)
                   for ids, limit in ((self.passage_ids, passages), (self.unit_ids, units)))

    def _shape_problem(self) -> str:
        n = len(self.answerable)
        if self.answerable.dtype != bool or self.answerable.ndim != 1:
            return "answerable is not one flag per question"
        for starts, ids, what in ((self.passage_starts, self.passage_ids, "passage"),
                                  (self.unit_starts, self.unit_ids, "unit")):
            if starts.ndim != 1 or ids.ndim != 1 or starts.dtype.kind != "i" or ids.dtype.kind != "i":
                return f"the {what} positions are not integer arrays"
            if len(starts) != n + 1 or starts[0] != 0 or starts[-1] != len(ids) or np.any(np.diff(starts) < 0):
                return f"the {what} positions do not split into one run per question"
        return ""


def _ragged(rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    starts = np.zeros(len(rows) + 1, dtype=np.int32)
    starts[1:] = np.cumsum([len(r) for r in rows], dtype=np.int32)
    ids = np.fromiter((n for r in rows for n in r), dtype=np.int32, count=int(starts[-1]))
    return starts, ids


__all__ = ["ARRAYS", "BankPlaces"]
