"""The lexical channel: BM25 over the passages, the question in its own and the guidance's words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.loaded import SearchIndex

if TYPE_CHECKING:
    from qa.channels import Query


class LexicalChannel:
    name = "lexical"

    def __init__(self, index: SearchIndex):
        self.index = index

    def rank(self, query: Query, n: int) -> list[tuple[int, float]]:
        return self.index.bm25(query.expanded, n)


__all__ = ["LexicalChannel"]
