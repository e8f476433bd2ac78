"""The dense channel: passages nearest the question by meaning (FAISS over the passage vectors)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.loaded import SearchIndex

if TYPE_CHECKING:
    from qa.channels import Query


class DenseChannel:
    name = "dense"

    def __init__(self, index: SearchIndex):
        self.index = index

    def rank(self, query: Query, n: int) -> list[tuple[int, float]]:
        return self.index.dense(query.vector, n)


__all__ = ["DenseChannel"]
