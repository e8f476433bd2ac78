"""Retrieval channels: each ranks the index's passages for one question its own way; qa/retrieve.py fuses them.

A channel is a small class with `rank(query, n) -> [(passage position, score), ...]`, best first. Adding a channel
means one module here and one line in `channels_for` (the retriever and the ranker are unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.loaded import SearchIndex
from qa.bank_classifier import BankClassifier
from qa.channels.bank import BankChannel
from qa.channels.dense import DenseChannel
from qa.channels.lexical import LexicalChannel
from qa.model import BankVotes


@dataclass(frozen=True)
class Query:
    """One question as the channels see it: as typed, in the guidance's words too, and the vector of each."""

    text: str
    expanded: str  # with the guidance's words for everyday phrases (qa/vocabulary.py)
    vector: np.ndarray  # the embedding of `expanded`
    typed_vector: np.ndarray  # the embedding of `text` (`vector` itself when the vocabulary added nothing)
    bank_exclude: frozenset[int] = frozenset()  # bank questions left out (fitting on the bank itself)


class Channel(Protocol):
    name: str

    def rank(self, query: Query, n: int) -> list[tuple[int, float]]: ...


def channels_for(index: SearchIndex, bank_classifier: BankClassifier | None = None) -> tuple[Channel, ...]:
    """The channels an index supports: the bank channel only when the corpus has a question bank."""
    channels: list[Channel] = [DenseChannel(index), LexicalChannel(index)]
    if len(index.bank_places):
        channels.append(BankChannel(index, bank_classifier))
    return tuple(channels)


__all__ = ["BankChannel", "BankVotes", "Channel", "DenseChannel", "LexicalChannel", "Query", "channels_for"]
