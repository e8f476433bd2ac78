"""Hybrid retrieval: the channels' rankings (dense, BM25, question bank: qa/channels) fused by reciprocal rank,
then grouped by section."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from index.embedder import Embedder
from index.loaded import SearchIndex
from qa.bank_classifier import BankClassifier
from qa.channels import BankChannel, BankVotes, Channel, Query, channels_for
from qa.model import Hit, Retrieval
from qa.vocabulary import expand
from settings import Settings

# Sections that rarely answer a question: kept findable, but never ahead of guidance content on a near-tie.
KIND_WEIGHT = {"legal": 0.25, "about": 0.5, "pointer": 0.5, "glossary": 0.9}
# "What is a virtual school?" wants the glossary's definition ahead of the boxes that use the term.
DEFINITION_WEIGHT = {"glossary": 1.15}
_DEFINITION_QUESTION = re.compile(
    r"\b(mean|means|meaning|define|definition|glossary)\b|^\s*what(?:'s| is| are) (?:a |an |the )?[\w' -]{1,40}$",
    re.IGNORECASE,
)


def is_definition_question(query: str) -> bool:
    return bool(_DEFINITION_QUESTION.search(query.split("?")[0].strip()))
# When two sections match about equally, current guidance comes first.
STATUS_WEIGHT = {"current": 1.0, "unknown": 0.97, "background": 0.93, "superseded": 0.95}


def reciprocal_rank_fusion(rankings: list[list[int]], k: int) -> dict[int, float]:
    fused: dict[int, float] = defaultdict(float)
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            fused[item] += 1.0 / (k + rank + 1)
    return dict(fused)


class Retriever:
    """Fuses the channels' passage rankings (qa/channels) by reciprocal rank, then groups passages by section."""

    def __init__(self, index: SearchIndex, embedder: Embedder, settings: Settings,
                 channels: Sequence[Channel] | None = None, bank_classifier: BankClassifier | None = None):
        """`channels`: default, those the index supports (`bank_classifier` goes to the bank channel)."""
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.channels = tuple(channels) if channels is not None else channels_for(index, bank_classifier)
        self.bank = next((c for c in self.channels if isinstance(c, BankChannel)), None)

    def query(self, text: str, bank_exclude: frozenset[int] = frozenset()) -> Query:
        # Every channel sees the question in the guidance's own words as well as the user's.
        # The bank channel compares the question as typed with its questions as written (qa/channels/bank.py).
        expanded = expand(text)
        vector = self.embedder.embed_query(expanded)
        typed = vector if expanded == text else self.embedder.embed_query(text)
        return Query(text, expanded, vector, typed, bank_exclude)

    def search(self, text: str, top_k: int | None = None, bank_exclude: frozenset[int] = frozenset()) -> Retrieval:
        top_k = top_k or self.settings.top_k
        n = self.settings.candidates
        query = self.query(text, bank_exclude)
        votes = self.bank.votes(query) if self.bank is not None else BankVotes()
        rankings = {channel.name: self.bank.rank_votes(votes, query, n) if channel is self.bank else channel.rank(query, n)
                    for channel in self.channels}
        fused = reciprocal_rank_fusion([[i for i, _ in ranking] for ranking in rankings.values()], self.settings.rrf_k)
        cosine = dict(rankings.get("dense", ()))

        by_section: dict[str, list[int]] = defaultdict(list)
        for position in sorted(fused, key=lambda i: (-fused[i], i)):
            by_section[self.index.passages[position].section_id].append(position)

        kind_weight = {**KIND_WEIGHT, **DEFINITION_WEIGHT} if is_definition_question(text) else KIND_WEIGHT
        scored = []
        similarity: dict[str, float] = {}
        for section_id, positions in by_section.items():
            section = self.index.sections[section_id]
            document = self.index.documents[section.doc_id]
            weight = kind_weight.get(section.kind, 1.0) * STATUS_WEIGHT.get(document.status, 1.0)
            scored.append((fused[positions[0]] * weight, section_id, positions))
            similarity[section_id] = max((cosine.get(i, 0.0) for i in positions), default=0.0)
        scored.sort(key=lambda item: (-item[0], item[1]))

        hits = tuple(
            Hit(
                section=self.index.sections[section_id],
                document=self.index.documents[self.index.sections[section_id].doc_id],
                # Matched passages first, then the rest of the section, so a citation can fall back on them.
                passages=tuple(self.index.passages[i] for i in positions + [
                    j for j in self.index.section_passages[section_id] if j not in positions]),
                score=score,
            )
            for score, section_id, positions in scored[:top_k]
        )
        best = max((s for _, s in rankings.get("dense", ())), default=0.0)
        return Retrieval(hits=hits, best_similarity=best, similarity=similarity, bank=votes)


__all__ = ["KIND_WEIGHT", "STATUS_WEIGHT", "Retrieval", "Retriever", "is_definition_question", "reciprocal_rank_fusion"]
