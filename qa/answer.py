"""Extractive answers: the sentences of the retrieved sections that best match the question, each cited.

Every sentence of an answer is copied from a cited passage; the only added words are fixed framing
("Who should act:", the currency note, the not-covered message), never content.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from index.text import tokenize
from ingest.model import Answer, Chunk, Citation, Hit
from qa.retrieve import Retrieval

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘'\"(])")
MAX_CITED = 3
RELATIVE_SCORE_CUT = 0.6
ROLES_PREFIX = "Who should take action"  # the roles line is shown as "Who should act:", not as an answer sentence
NOT_COVERED = "The guidance in this collection doesn't cover this question."


def split_units(text: str) -> list[str]:
    """Sentences and bullet items; a short bullet keeps the lead-in line that introduces its list."""
    units: list[str] = []
    lead_in = ""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            item = line[2:].strip()
            units.append(f"{lead_in} {item}" if lead_in and len(item) < 80 else item)
            continue
        lead_in = line if line.endswith(":") else ""
        units.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return units


class SentencePicker:
    """Scores answer units by the rarity-weighted question terms they contain."""

    def __init__(self, chunks: list[Chunk]):
        df = Counter(term for c in chunks for term in set(tokenize(c.text)))
        n = max(len(chunks), 1)
        self._idf = {term: math.log(1 + n / count) for term, count in df.items()}
        self._default_idf = math.log(1 + n)

    def score(self, unit: str, query_terms: set[str]) -> float:
        terms = set(tokenize(unit))
        overlap = sum(self._idf.get(t, self._default_idf) for t in terms & query_terms)
        return overlap / math.sqrt(len(terms) + 4)

    def best(self, chunk_text: str, query_terms: set[str], count: int = 1) -> list[str]:
        """The `count` best units (at least one; extra ones only if they share a question term), in passage order."""
        units = [u for u in split_units(chunk_text) if not u.endswith(":") and not u.startswith(ROLES_PREFIX)]
        units = units or split_units(chunk_text)
        scores = [self.score(u, query_terms) for u in units]
        ranked = sorted(range(len(units)), key=lambda i: (-scores[i], i))
        chosen = ranked[:1] + [i for i in ranked[1:count] if scores[i] > 0]
        return [units[i] for i in sorted(chosen)]


@dataclass(frozen=True)
class AnswerPolicy:
    min_similarity: float
    max_cited: int = MAX_CITED
    relative_score_cut: float = RELATIVE_SCORE_CUT


def choose_hits(retrieval: Retrieval, policy: AnswerPolicy) -> list[Hit]:
    """The sections worth citing: the best one, plus close runners-up that also look on topic."""
    if not retrieval.hits:
        return []
    top = retrieval.hits[0].score
    chosen = [retrieval.hits[0]]
    for hit in retrieval.hits[1:]:
        if len(chosen) >= policy.max_cited:
            break
        if hit.section.kind == "legal":
            continue
        if hit.score >= policy.relative_score_cut * top and retrieval.similarity.get(
            hit.section.section_id, 0.0
        ) >= policy.min_similarity:
            chosen.append(hit)
    return chosen


def citation_for(rank: int, hit: Hit) -> Citation:
    doc = hit.document
    return Citation(
        rank=rank,
        doc_id=doc.doc_id,
        title=doc.title,
        section=hit.section.label,
        section_id=hit.section.section_id,
        text=hit.chunks[0].text,
        score=hit.score,
        status=doc.status,
        date=doc.date,
        superseded_by=doc.superseded_by,
        roles=hit.section.roles,
        roles_note=hit.section.roles_note,
        kind=hit.section.kind,
    )


def currency_note(citations: list[Citation]) -> str | None:
    old = [c for c in citations if c.status == "superseded"]
    if not old:
        return None
    marks = ", ".join(f"[{c.rank}]" for c in old)
    replaced_by = sorted({c.superseded_by for c in old if c.superseded_by})
    by = f", replaced by {' and '.join(replaced_by)}" if replaced_by else ""
    return f"Note: {marks} {'comes' if len(old) == 1 else 'come'} from superseded guidance{by}; check the current guidance before acting on it."


def refusal(question: str, retrieval: Retrieval) -> Answer:
    topics = tuple(dict.fromkeys(h.section.label for h in retrieval.hits if h.section.kind not in ("legal", "about")))[:3]
    nearest = f" The nearest topics it does cover: {'; '.join(topics)}." if topics else ""
    return Answer(question=question, answer=NOT_COVERED + nearest, refused=True, nearest_topics=topics)


def compose_answer(question: str, query: str, retrieval: Retrieval, picker: SentencePicker,
                   policy: AnswerPolicy) -> Answer:
    if not retrieval.hits or retrieval.best_similarity < policy.min_similarity:
        return refusal(question, retrieval)
    hits = choose_hits(retrieval, policy)
    citations = [citation_for(rank, hit) for rank, hit in enumerate(hits, start=1)]
    terms = set(tokenize(query))
    lines: list[str] = []
    for citation in citations:
        per_section = 2 if citation.rank == 1 else 1
        for unit in picker.best(citation.text, terms, per_section):
            lines.append(f"{unit} [{citation.rank}]")
    top = citations[0]
    if top.roles:
        lines.append(f"Who should act: {'; '.join(top.roles)} [{top.rank}]")
    note = currency_note(citations)
    if note:
        lines.append(note)
    return Answer(question=question, answer="\n".join(lines), refused=False, citations=tuple(citations))


__all__ = ["AnswerPolicy", "NOT_COVERED", "SentencePicker", "choose_hits", "compose_answer", "split_units"]
