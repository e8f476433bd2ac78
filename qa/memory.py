"""Question memory: the train split's answerable questions, as the product embeds them, with their gold sections.

A new question close to a train question probably wants that question's section. For each candidate section the
ranker gets two signals (qa.evidence MEMORY_FEATURES): the share of the 5 train questions nearest the new one that
it answers (a vote, so the shared wording of "Which PH28 recommendation covers ..., and who acts?" questions does not
lift every PH28 section), and whether any train question is answered by that section at all. How much they count is fitted with the other weights by `python -m eval.fit`, which
computes them for each train question from the *other* train questions (leave-one-out: not itself, not its
conversation, not a near-duplicate), so the fitted weight is what the memory is worth on a new question.

Only train questions are remembered, never dev or test. The vectors are kept as float16 (half the size; the
similarities move by about 1e-3) in a .npy file beside the fitted weights, which name it and record its sha256.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

NEAREST = 5  # remembered questions nearest the new one that vote for their sections


def _stored(vectors: np.ndarray) -> np.ndarray:
    """The vectors as stored (float16) and used (float32): the fit sees exactly what the product loads."""
    return np.asarray(vectors, dtype=np.float16).astype(np.float32)


@dataclass(frozen=True)
class QuestionMemory:
    ids: tuple[str, ...]  # train question ids
    sections: tuple[tuple[str, ...], ...]  # each question's gold sections
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))  # one row per question

    def __post_init__(self) -> None:
        object.__setattr__(self, "vectors", _stored(self.vectors))
        if len(self.sections) != len(self.ids) or self.vectors.ndim != 2 or len(self.vectors) != len(self.ids):
            raise ValueError("question memory: one vector and one list of sections per question")

    @cached_property
    def _entries(self) -> dict[str, np.ndarray]:
        """Section id -> the remembered questions it answers."""
        holders: dict[str, list[int]] = {}
        for n, sections in enumerate(self.sections):
            for section_id in sections:
                holders.setdefault(section_id, []).append(n)
        return {sid: np.array(rows) for sid, rows in holders.items()}

    def without(self, ids: Collection[str]) -> QuestionMemory:
        """The memory less some questions (the fit's leave-one-out)."""
        keep = [n for n, qid in enumerate(self.ids) if qid not in ids]
        return QuestionMemory(tuple(self.ids[n] for n in keep), tuple(self.sections[n] for n in keep),
                              self.vectors[keep])

    def similarities(self, query_vector: np.ndarray) -> np.ndarray:
        return self.vectors @ np.asarray(query_vector, dtype=np.float32) if len(self.ids) else np.zeros(0)

    def section_signals(self, query_vector: np.ndarray, section_ids: Sequence[str]) -> np.ndarray:
        """Per section (rows in the order given): the share of the NEAREST remembered questions it answers, and 1.0
        when it answers any remembered question."""
        nearest = np.argsort(-self.similarities(query_vector), kind="stable")[:NEAREST]
        votes = Counter(sid for n in nearest for sid in set(self.sections[n]))
        return np.array([(votes[sid] / len(nearest) if votes[sid] else 0.0, float(sid in self._entries))
                         for sid in section_ids], dtype=np.float64).reshape(len(section_ids), 2)

    def vectors_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.save(buffer, self.vectors.astype(np.float16), allow_pickle=False)
        return buffer.getvalue()

    def to_json(self, vectors_file: str) -> dict:
        """What the weights file records: the questions, their sections, and the vectors' file and sha256."""
        return {"vectors": vectors_file, "sha256": hashlib.sha256(self.vectors_bytes()).hexdigest(),
                "ids": list(self.ids), "sections": [list(s) for s in self.sections]}

    @classmethod
    def from_json(cls, data: dict, directory: Path) -> QuestionMemory:
        """Raises ValueError when the vectors file is missing, changed or does not fit the questions."""
        path = directory / data["vectors"]
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise ValueError(f"question memory vectors {path} cannot be read ({error})") from error
        if hashlib.sha256(raw).hexdigest() != data["sha256"]:
            raise ValueError(f"question memory vectors {path} do not match the weights file (changed or damaged)")
        return cls(tuple(data["ids"]), tuple(tuple(s) for s in data["sections"]),
                   np.load(io.BytesIO(raw), allow_pickle=False))


__all__ = ["NEAREST", "QuestionMemory"]
