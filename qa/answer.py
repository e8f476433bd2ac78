"""Extractive answers: the sentences of the retrieved sections that best match the question, each cited.

Every sentence of an answer is copied from a cited passage; the only added words are fixed framing
("Who should act:", the currency note, the not-covered message), never content.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from ingest.model import Passage
from ingest.text import split_units, tokenize
from qa.model import Answer, AnswerLine, Citation, Hit, LineKind, Retrieval
from qa.terms import TermExplainer, first_clause, spelled_out
from qa.vocabulary import expand

MAX_CITED = 3
RELATIVE_SCORE_CUT = 0.85
RELATIVE_SENTENCE_CUT = 0.5
ROLES_PREFIX = "Who should take action"  # the roles line is shown as "Who should act:", not as an answer sentence
# Lines ingest writes to give a passage its context; they are not answers in themselves.
CONTEXT_PREFIXES = (ROLES_PREFIX, "Topic:")
NOT_COVERED = "The guidance in this collection doesn't cover this question."
# Why, in one sentence (a scope rule gives its own reason, qa/data/scope.toml).
NEARBY_ONLY = "Some of its sections are on nearby topics, but none of them answers it."
NOTHING_NEAR = "None of its sections is about this."
# After every refusal: generic, safe, and marked as ours, not the guidance's.
NEXT_STEP = ("Our suggestion (not from the guidance): ask the child's social worker or your fostering service, "
             "who know the child's plan and your local policies.")


class SentencePicker:
    """Scores answer units by the rarity-weighted question terms they contain."""

    def __init__(self, passages: list[Passage]):
        df = Counter(term for p in passages for term in set(tokenize(p.text)))
        n = max(len(passages), 1)
        self._idf = {term: math.log(1 + n / count) for term, count in df.items()}
        self._default_idf = math.log(1 + n)

    def score(self, unit: str, query_terms: set[str]) -> float:
        terms = set(tokenize(unit))
        overlap = sum(self._idf.get(t, self._default_idf) for t in terms & query_terms)
        return overlap / math.sqrt(len(terms) + 4)

    def term_coverage(self, text: str, query_terms: set[str]) -> float:
        """Rarity-weighted share of the question's terms that the text contains."""
        total = sum(self._idf.get(t, self._default_idf) for t in query_terms)
        found = set(tokenize(text)) & query_terms
        return sum(self._idf.get(t, self._default_idf) for t in found) / total if total else 0.0

    def best(self, passage_text: str, query_terms: set[str], count: int = 1, skip: frozenset[str] = frozenset(),
             min_score: float = 0.0) -> list[tuple[str, float]]:
        """Up to `count` (unit, score) pairs not in `skip`, in passage order: the best one if it scores at least
        `min_score`, more only if they share a question term and also clear `min_score`."""
        units = [u for u in split_units(passage_text)
                 if not u.endswith(":") and not u.startswith(CONTEXT_PREFIXES) and u not in skip]
        scores = [self.score(u, query_terms) for u in units]
        ranked = sorted(range(len(units)), key=lambda i: (-scores[i], i))
        chosen = ranked[:1] + [i for i in ranked[1:count] if scores[i] > 0]
        return [(units[i], scores[i]) for i in sorted(chosen) if scores[i] >= min_score]


@dataclass(frozen=True)
class AnswerPolicy:
    min_similarity: float
    # A short question ("Can I get respite?") embeds weakly; if most of its rarer words are in the best section,
    # a lower similarity is enough.
    rescue_similarity: float = 0.30
    min_term_coverage: float = 0.6
    # A refusal offers a section as a nearest topic only this similar to the question, so "What is the capital
    # of France?" is offered none (on train+dev: 1 of 18 far out-of-scope questions gets topics, 43 of 50 near).
    nearest_topic_similarity: float = 0.30
    relative_sentence_cut: float = RELATIVE_SENTENCE_CUT
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
        if hit.section.kind in ("legal", "glossary"):  # definitions are added where the answer uses the term
            continue
        if hit.score >= policy.relative_score_cut * top and retrieval.similarity.get(
            hit.section.section_id, 0.0
        ) >= policy.min_similarity:
            chosen.append(hit)
    return chosen


def cited_passage(hit: Hit) -> Passage:
    """The best-matching passage of the section that says something beyond its list of roles."""
    return next((p for p in hit.passages if not p.text.startswith(ROLES_PREFIX)), hit.passages[0])


def citation_for(rank: int, hit: Hit) -> Citation:
    doc = hit.document
    return Citation(
        rank=rank,
        doc_id=doc.doc_id,
        title=doc.title,
        section=hit.section.label,
        section_id=hit.section.section_id,
        text=cited_passage(hit).text,
        score=hit.score,
        status=doc.status,
        date=doc.date,
        superseded_by=doc.superseded_by,
        roles=hit.section.roles,
        roles_note=hit.section.roles_note,
        kind=hit.section.kind,
    )


def currency_note(citations: list[Citation]) -> AnswerLine | None:
    """Say plainly when an answer leans on replaced guidance (PH28, or the 2020 pathway)."""
    old = [c for c in citations if c.status == "superseded"]
    if not old:
        return None
    parts = []
    for replaced_by in sorted({c.superseded_by or "newer guidance" for c in old}):
        group = [c for c in old if (c.superseded_by or "newer guidance") == replaced_by]
        marks = ", ".join(f"[{c.rank}]" for c in group)
        dated = sorted({c.date[:4] for c in group if c.date})
        when = f" ({', '.join(dated)})" if dated else ""
        parts.append(f"{marks} {'comes' if len(group) == 1 else 'come'} from guidance{when} that NICE has replaced with {replaced_by}")
    return AnswerLine(f"Note: {'; '.join(parts)}. Check the current guidance before acting on it.",
                      LineKind.CURRENCY_NOTE, tuple(c.rank for c in old))


def safety_lines(notices: tuple[str, ...]) -> list[AnswerLine]:
    """The safety notice goes first, on answers and refusals alike."""
    return [AnswerLine(notice, LineKind.SAFETY_NOTICE) for notice in notices]


def nearest_topics(retrieval: Retrieval, floor: float, limit: int = 3) -> tuple[str, ...]:
    """Labels of the retrieved sections that are actually near the question (similarity at least `floor`)."""
    near = (h.section.label for h in retrieval.hits
            if h.section.kind not in ("legal", "about") and retrieval.similarity.get(h.section.section_id, 0.0) >= floor)
    return tuple(dict.fromkeys(near))[:limit]


def refusal(question: str, retrieval: Retrieval, policy: AnswerPolicy, notices: tuple[str, ...] = (),
            reason: str | None = None) -> Answer:
    """Not covered: why (in a sentence), the nearest topics that are near, and a generic next step marked as ours."""
    topics = nearest_topics(retrieval, policy.nearest_topic_similarity)
    reason = reason or (NEARBY_ONLY if topics else NOTHING_NEAR)
    lines = [*safety_lines(notices), AnswerLine(f"{NOT_COVERED} {reason}", LineKind.REFUSAL)]
    if topics:
        lines.append(AnswerLine(f"The nearest topics it does cover: {'; '.join(topics)}.", LineKind.NEAREST_TOPICS))
    lines.append(AnswerLine(NEXT_STEP, LineKind.NEXT_STEP))
    return Answer(question=question, refused=True, lines=tuple(lines), nearest_topics=topics, notices=notices)


def is_covered(question: str, retrieval: Retrieval, picker: SentencePicker, policy: AnswerPolicy) -> bool:
    """Does the guidance speak to this question at all? Similarity first, word evidence for short questions."""
    if not retrieval.hits:
        return False
    if retrieval.best_similarity >= policy.min_similarity:
        return True
    if retrieval.best_similarity < policy.rescue_similarity:
        return False
    top = retrieval.hits[0]
    text = "\n".join([top.section.label, *(p.text for p in top.passages)])
    return picker.term_coverage(text, set(tokenize(expand(question)))) >= policy.min_term_coverage


def compose_answer(question: str, query: str, retrieval: Retrieval, picker: SentencePicker,
                   policy: AnswerPolicy, explainer: TermExplainer | None = None,
                   notices: tuple[str, ...] = (), uncovered_parts: tuple[str, ...] = ()) -> Answer:
    if not is_covered(query, retrieval, picker, policy):
        return refusal(question, retrieval, policy, notices)
    terms = set(tokenize(expand(query)))  # the guidance's words too: "a break" should find "respite"
    citations: list[Citation] = []
    lines: list[AnswerLine] = []
    used: set[str] = set()
    top_score = 0.0
    for hit in choose_hits(retrieval, policy):
        # A further section is cited only for a sentence nearly as much on the question as the best one, and
        # not for one that repeats what is already said (PH28 topics share one paragraph).
        citation = citation_for(len(citations) + 1, hit)
        picked = picker.best(citation.text, terms, 2 if not citations else 1, frozenset(used),
                             min_score=policy.relative_sentence_cut * top_score)
        if not picked and citations:
            continue
        top_score = top_score or max((score for _, score in picked), default=0.0)
        citations.append(citation)
        used.update(unit for unit, _ in picked)
        lines.extend(AnswerLine(unit, LineKind.QUOTE, (citation.rank,)) for unit, _ in picked)
    top = citations[0]
    if top.roles:
        scope = " (listed for the whole topic)" if top.roles_note else ""
        lines.append(AnswerLine(f"Who should act{scope}: {'; '.join(top.roles)}", LineKind.WHO_SHOULD_ACT,
                                (top.rank,)))
    if explainer is not None:
        cited = {c.section_id for c in citations}
        for term, hit in explainer.defined_terms(_words(lines), exclude=cited):
            citation = citation_for(len(citations) + 1, hit)
            citations.append(citation)
            definition = citation.text.split(": ", 1)[-1]
            lines.append(AnswerLine(f"{term}: {first_clause(definition)}", LineKind.DEFINITION, (citation.rank,)))
    abbreviations = spelled_out(_words(lines))
    if abbreviations:
        lines.append(AnswerLine(f"Terms: {'; '.join(abbreviations)}.", LineKind.TERM))
    for part in uncovered_parts:
        lines.append(AnswerLine(f"Not covered: the guidance doesn't answer this part of your question: “{part}”.",
                                LineKind.NOT_COVERED_PART))
    note = currency_note(citations)
    if note:
        lines.append(note)
    return Answer(question=question, refused=False, lines=(*safety_lines(notices), *lines),
                  citations=tuple(citations), notices=notices)


def _words(lines: list[AnswerLine]) -> str:
    """The answer's words so far, for finding the terms it uses."""
    return "\n".join(line.text for line in lines)


__all__ = ["AnswerPolicy", "is_covered", "NEXT_STEP", "NOT_COVERED", "nearest_topics", "refusal", "SentencePicker", "choose_hits", "compose_answer", "split_units"]
