"""Hybrid retrieval: the channels' scores (dense, BM25, question bank: qa/channels) fused with fitted weights,
then grouped by section."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

from index.embedder import Embedder
from index.loaded import SearchIndex
from qa.channels import BankChannel, BankVotes, Channel, Query, channels_for
from qa.model import Hit, Retrieval
from qa.vocabulary import expand
from settings import Settings

_DEFINITION_QUESTION = re.compile(
    r"\b(mean|means|meaning|define|definition|glossary)\b|^\s*what(?:'s| is| are) (?:a |an |the )?[\w' -]{1,40}$",
    re.IGNORECASE,
)
# How much each channel's score counts in the fused score until fitted weights say otherwise (train/fit.py fits them
# on the train split: qa/data/evidence_weights.json "channels").
DEFAULT_CHANNEL_WEIGHTS = {"dense": 1.0, "lexical": 0.0, "bank": 0.5}


def is_definition_question(query: str) -> bool:
    return bool(_DEFINITION_QUESTION.search(query.split("?")[0].strip()))


def fuse(rankings: Mapping[str, Sequence[tuple[int, float]]], weights: Mapping[str, float]) -> dict[int, float]:
    """Each passage's weighted sum of its channel scores (a channel that did not return it adds nothing). Scores are
    cosines for the dense and bank channels, and BM25 over its best for the lexical one, so they add up on one
    scale; every passage a channel returned is a candidate, whatever its weight."""
    fused: dict[int, float] = defaultdict(float)
    for name, ranking in rankings.items():
        top = max((score for _, score in ranking), default=0.0) if name == "lexical" else 1.0
        for position, score in ranking:
            fused[position] += weights.get(name, 0.0) * (score / top if top > 0 else 0.0)
    return dict(fused)


class Retriever:
    """Fuses the channels' passage scores (qa/channels) with fitted weights, then groups passages by section.
    `weights`: each channel's weight (the fitted ones, train/fit.py; public so the fit can try others)."""

    def __init__(self, index: SearchIndex, embedder: Embedder, settings: Settings,
                 channels: Sequence[Channel] | None = None, weights: Mapping[str, float] | None = None):
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.weights = dict(weights or DEFAULT_CHANNEL_WEIGHTS)
        self.channels = tuple(channels) if channels is not None else channels_for(index)
        self.bank = next((c for c in self.channels if isinstance(c, BankChannel)), None)
        self._section_passages: dict[str, list[int]] = defaultdict(list)
        for position, passage in enumerate(index.passages):
            self._section_passages[passage.section_id].append(position)

    def query(self, text: str, bank_exclude: frozenset[int] = frozenset()) -> Query:
        # Every channel sees the question in the guidance's own words as well as the user's.
        expanded = expand(text)
        return Query(text, expanded, self.embedder.embed_query(expanded), bank_exclude)

    def rankings(self, query: Query, n: int) -> dict[str, list[tuple[int, float]]]:
        """Each channel's best `n` passages with their scores (what `fuse` combines)."""
        return {channel.name: channel.rank(query, n) for channel in self.channels}

    def search(self, text: str, top_k: int | None = None, bank_exclude: frozenset[int] = frozenset()) -> Retrieval:
        top_k = top_k or self.settings.top_k
        n = self.settings.candidates
        query = self.query(text, bank_exclude)
        rankings = self.rankings(query, n)
        fused = fuse(rankings, self.weights)
        cosine = dict(rankings.get("dense", ()))

        by_section: dict[str, list[int]] = defaultdict(list)
        for position in sorted(fused, key=lambda i: (-fused[i], i)):
            by_section[self.index.passages[position].section_id].append(position)

        scored = []
        similarity: dict[str, float] = {}
        for section_id, positions in by_section.items():
            scored.append((fused[positions[0]], section_id, positions))
            similarity[section_id] = max((cosine.get(i, 0.0) for i in positions), default=0.0)
        scored.sort(key=lambda item: (-item[0], item[1]))

        hits = tuple(
            Hit(
                section=self.index.sections[section_id],
                document=self.index.documents[self.index.sections[section_id].doc_id],
                # Matched passages first, then the rest of the section, so a citation can fall back on them.
                passages=tuple(self.index.passages[i] for i in positions + [
                    j for j in self._section_passages[section_id] if j not in positions]),
                score=score,
            )
            for score, section_id, positions in scored[:top_k]
        )
        best = max((s for _, s in rankings.get("dense", ())), default=0.0)
        votes = self.bank.votes(query.vector, query.bank_exclude) if self.bank is not None else BankVotes()
        return Retrieval(hits=hits, best_similarity=best, similarity=similarity, bank=votes)


__all__ = ["DEFAULT_CHANNEL_WEIGHTS", "Retrieval", "Retriever", "fuse", "is_definition_question"]
