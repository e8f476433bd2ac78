"""Which sentences answer the question: every candidate sentence or bullet scored by meaning and by words.

The candidates are the units (ingest/units.py) of the retrieved sections plus the units nearest the question by
meaning anywhere in the index, so the right part of a long box, or the "Your responsibility" text for a question
about the guidance itself, is found even when its section ranked low. Each candidate gets a few signals (its
own MiniLM similarity, shared rarer words, its section's retrieval score, what kind of line and section it is)
and one probability that it answers the question, from a logistic regression whose weights are fitted on the
train split by `python -m train.fit` (qa/data/evidence_weights.json); nothing here is a hand-set constant.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.text import tokenize
from ingest.units import SCORED_UNIT_KINDS, AnswerUnit
from qa.model import BankVotes, Retrieval
from qa.patterns import DATA_DIR, load_rules
from qa.retrieve import is_definition_question
from qa.vocabulary import expand

if TYPE_CHECKING:
    from index.loaded import SearchIndex

WEIGHTS_FILE = DATA_DIR / "evidence_weights.json"
SCOPE_FILE = DATA_DIR / "scope.toml"
NEAREST_UNITS = 15  # units nearest the question by meaning, added to those of the retrieved sections
GENERIC_SHARE = 0.15  # a word in at least this share of passages says nothing about the topic
META_KINDS = frozenset({"legal", "about", "intro"})  # sections about the guidance itself
NO_CONTENT_KINDS = frozenset({"pointer"})  # sections that only point elsewhere in the online pathway
ANAPHORIC_OPENERS = ("These ", "This ", "They ", "Those ", "Such ", "It ", "Their ", "In these ", "In this ")

FEATURES = (
    "cosine", "cosine_gap", "words", "words_share", "coverage", "specific_coverage", "label_coverage",
    "section_coverage", "section_fused", "section_rank", "section_cosine", "section_similarity", "title_cosine",
    "passage_cosine", "passage_words", "title", "shared", "first",
    "glossary", "meta", "news", "pointer", "quality_statement", "superseded", "definition_glossary",
    "about_guidance", "about_guidance_meta", "which_title", "which_shared", "who_title", "who_shared", "length",
    "anaphoric", "bank_unit", "bank_passage_score", "bank_section_score",
)
# Kinds of question whose lean in the embedding space is learned on train (mean of the kind minus the rest):
# a question about the guidance itself wants its legal and about text; "which recommendation" and "who should
# act" questions are answered by a PH28 title and its topic text more often than other questions are.
LEANING_KINDS = ("about-guidance", "which-recommendation", "who-acts")
# Whether the guidance answers the question at all: the best quotable unit's signals; how much of what the question
# asks in its own words, beyond the domain's generic words (child, foster, carer...), the best sentence and the top
# sections say, and how much of it the guidance never says at all; a persona-balanced classifier over the
# question's embedding (trained so a carer's voice is not taken for "out of scope"); how close the nearest answerable
# and out-of-scope bank questions come, and the bank classifier's out-of-scope logit (qa/bank_classifier.py).
COVER_FEATURES = (
    "lead_probability", "lead_cosine", "lead_specific_coverage", "lead_words", "best_cosine", "best_probability",
    "best_similarity", "lead_own_words", "top_sections_own_words", "unknown_own_words", "question_in_scope",
    "bank_best_in", "bank_best_out", "bank_outside",
)
TOP_SECTIONS = 3  # retrieved sections whose words count for top_sections_own_words
# The bank's share of a passage's nearness (EvidenceScorer.passage_nearness): chosen on train and dev among 0.5, 0.7,
# 0.85 and 1 (evidence@1 of the first citation; 0.7-1 within a question of each other).
BANK_SHARE = 0.85


@dataclass(frozen=True)
class LinearModel:
    """A logistic regression over standardised features."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logit(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(features)))

    def to_json(self) -> dict:
        return {"mean": self.mean.round(6).tolist(), "scale": self.scale.round(6).tolist(),
                "coef": self.coef.round(6).tolist(), "intercept": round(float(self.intercept), 6)}

    @classmethod
    def from_json(cls, data: dict) -> LinearModel:
        return cls(np.asarray(data["mean"]), np.asarray(data["scale"]), np.asarray(data["coef"]),
                   float(data["intercept"]))


@dataclass(frozen=True)
class EvidenceWeights:
    """A fitted logistic regression over FEATURES (standardised), and the decision thresholds fitted with it."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    directions: np.ndarray  # one query-embedding direction per LEANING_KINDS
    refuse_below: float  # best probability under which a question is not covered
    quote_share: float  # a further sentence is quoted when its probability is at least this share of the best
    follow_up_margin: float  # a question borrows the previous one when that raises its best probability this much
    about_above: float  # from this lean on the about-guidance direction a question is about the guidance itself
    cover: LinearModel | None = None  # P(the guidance answers the question) over COVER_FEATURES
    question_cover: LinearModel | None = None  # in scope or not, from the question's embedding alone (persona-balanced)
    min_closeness: float = 0.0  # no unit this close by meaning: far from everything the guidance says
    context_share: float = 1.0  # shared topic text is quoted beside the lead from this share of the lead's probability
    title_share: float = 0.0  # a PH28 title is shown from this share of the lead's probability (and the quote share)
    cover_features: tuple[str, ...] = COVER_FEATURES  # the coverage model's inputs, by name

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """P(each unit holds the answer): the ranker is a LinearModel over FEATURES."""
        return LinearModel(self.mean, self.scale, self.coef, self.intercept).probability(features)

    def to_json(self) -> dict:
        return {
            "features": list(self.features), "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist(),
            "intercept": round(float(self.intercept), 6), "directions": self.directions.round(6).tolist(),
            "refuse_below": self.refuse_below, "quote_share": self.quote_share,
            "follow_up_margin": self.follow_up_margin, "about_above": self.about_above,
            "cover": self.cover.to_json() if self.cover else None,
            "question_cover": self.question_cover.to_json() if self.question_cover else None,
            "min_closeness": self.min_closeness,
            "context_share": self.context_share,
            "title_share": self.title_share,
            "cover_features": list(self.cover_features),
        }

    @classmethod
    def from_json(cls, data: dict) -> EvidenceWeights:
        cover_features = tuple(data.get("cover_features", COVER_FEATURES))
        if not set(data["features"]) <= set(FEATURES) or not set(cover_features) <= set(COVER_FEATURES):
            raise ValueError("evidence weights were fitted on other features; refit with: python -m train.fit")
        return cls(
            features=tuple(data["features"]), mean=np.asarray(data["mean"]), scale=np.asarray(data["scale"]),
            coef=np.asarray(data["coef"]), intercept=float(data["intercept"]),
            directions=np.asarray(data["directions"], dtype=np.float32).reshape(len(LEANING_KINDS), -1),
            refuse_below=float(data["refuse_below"]), quote_share=float(data["quote_share"]),
            follow_up_margin=float(data["follow_up_margin"]), about_above=float(data["about_above"]),
            cover=LinearModel.from_json(data["cover"]) if data.get("cover") else None,
            question_cover=LinearModel.from_json(data["question_cover"]) if data.get("question_cover") else None,
            min_closeness=float(data.get("min_closeness", 0.0)),
            context_share=float(data.get("context_share", 1.0)),
            title_share=float(data.get("title_share", 0.0)),
            cover_features=cover_features,
        )

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> EvidenceWeights:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    def save(self, path: Path = WEIGHTS_FILE) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class ScoredUnit:
    index: int  # position in the index's unit list
    unit: AnswerUnit
    probability: float


def is_quotable(unit: AnswerUnit, section_kind: str) -> bool:
    """Substantive guidance text: not a title, a context line, shared topic text or a pointer elsewhere."""
    return unit.kind == "text" and not unit.shared and section_kind not in NO_CONTENT_KINDS


@dataclass(frozen=True)
class Evidence:
    units: tuple[ScoredUnit, ...]  # best first
    about_guidance: float  # how far the question leans towards questions about the guidance itself
    lead: ScoredUnit | None = None  # the best unit that can be quoted as the answer's content
    coverage: float = 0.0  # how likely the guidance answers the question at all (the refusal decision)
    cover_features: tuple[float, ...] = ()
    retrieval: Retrieval | None = None  # the sections retrieved for the question (nearest topics on a refusal)
    candidates: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # unit positions scored
    # per passage, how near it comes to the question (EvidenceScorer.passage_nearness); empty: not known
    passage_nearness: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def lead_probability(self) -> float:
        return self.lead.probability if self.lead is not None else 0.0


class TermWeights:
    """Rarity (idf over passages) of the index's words, and which words are too common to say what a
    question is about (the domain's own words: child, care, carer, social worker...)."""

    def __init__(self, passage_texts: Sequence[str], domain_words: Sequence[str] = ()):
        df = Counter(term for text in passage_texts for term in set(tokenize(text)))
        n = max(len(passage_texts), 1)
        self.idf = {term: math.log(1 + n / count) for term, count in df.items()}
        self.default_idf = math.log(1 + n)
        self.generic = frozenset(t for t, count in df.items() if count / n >= GENERIC_SHARE) | frozenset(
            t for word in domain_words for t in tokenize(word))

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.default_idf)

    def coverage(self, terms: frozenset[str], query_terms: set[str], total: float | None = None) -> float:
        """Rarity-weighted share of the question's terms that the text contains (`total`: the question terms'
        summed weight, when already known)."""
        total = sum(self.weight(t) for t in query_terms) if total is None else total
        return sum(self.weight(t) for t in terms & query_terms) / total if total else 0.0


def domain_words(path: Path = SCOPE_FILE) -> tuple[str, ...]:
    return tuple(load_rules(path).get("domain_words", ()))


def _at(values: np.ndarray, positions) -> np.ndarray:
    """values[positions], or zeros where there are no values (no bank)."""
    return values[positions] if len(values) else np.zeros(len(positions))


class EvidenceScorer:
    """Scores the candidate units of one question; built once per index."""

    def __init__(self, index: SearchIndex, weights: EvidenceWeights | None, terms: TermWeights):
        self.index = index
        self.weights = weights
        self.terms = terms
        self.unit_terms = [frozenset(tokenize(u.text)) for u in index.units]
        # Which units hold each word: a question's shared-word weight for every unit is then a few array additions.
        holders: dict[str, list[int]] = {}
        for n, unit_terms in enumerate(self.unit_terms):
            for term in unit_terms:
                holders.setdefault(term, []).append(n)
        self.term_units = {term: np.array(units) for term, units in holders.items()}
        self.unit_sizes = np.array([len(t) for t in self.unit_terms], dtype=np.float64)
        self.section_units: dict[str, list[int]] = {}
        for n, unit in enumerate(index.units):
            self.section_units.setdefault(unit.section_id, []).append(n)
        self.label_terms = {sid: frozenset(tokenize(s.label)) for sid, s in index.sections.items()}
        self.section_title = {u.section_id: n for n, u in enumerate(index.units) if u.kind == "title"}
        # One vector per passage (label and text, as searched), for each candidate passage's own similarity.
        self.passage_vectors = index.vectors.all_vectors()
        self.section_terms = {sid: frozenset(tokenize(f"{s.label}\n{s.text}")) for sid, s in index.sections.items()}
        self.known_terms = frozenset(terms.idf).union(*self.section_terms.values())  # every word the guidance uses
        in_bank = index.bank_documents  # per passage: its document has bank questions
        self.passage_in_bank = np.array([p.doc_id in in_bank for p in index.passages], dtype=bool)

    def candidates(self, cosines: np.ndarray, retrieval: Retrieval) -> tuple[np.ndarray, np.ndarray]:
        """Unit positions worth scoring and their cosine to the question (`cosines`: every unit's)."""
        chosen = {n for hit in retrieval.hits for n in self.section_units.get(hit.section.section_id, ())}
        nearest = np.argsort(-cosines, kind="stable")[:NEAREST_UNITS]
        chosen.update(int(n) for n in nearest)
        ids = np.array(sorted(n for n in chosen if self.index.units[n].kind in SCORED_UNIT_KINDS), dtype=int)
        return ids, cosines[ids] if len(ids) else np.zeros(0)

    def shared_weight(self, query_terms: set[str]) -> np.ndarray:
        """Per unit: the summed rarity weight of the question's words it holds (TermWeights.overlap's and
        coverage's numerator, for every unit at once)."""
        shared = np.zeros(len(self.unit_terms))
        for term in query_terms:
            units = self.term_units.get(term)
            if units is not None:
                shared[units] += self.terms.weight(term)
        return shared

    def leans(self, query_vector: np.ndarray, weights: EvidenceWeights | None = None) -> np.ndarray:
        """How far the question leans towards each of LEANING_KINDS."""
        weights = weights or self.weights
        return weights.directions @ query_vector if weights is not None else np.zeros(len(LEANING_KINDS))

    def features(self, query: str, query_vector: np.ndarray, retrieval: Retrieval,
                 leans: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(unit positions, feature matrix in FEATURES order) for one question (fitting reads every column)."""
        ids, columns = self.feature_columns(query, query_vector, retrieval, leans)
        return ids, np.column_stack([columns[name] for name in FEATURES]).reshape(len(ids), len(FEATURES))

    def feature_columns(self, query: str, query_vector: np.ndarray, retrieval: Retrieval,
                        leans: np.ndarray | None = None,
                        passage_cosine: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(unit positions, one named column per feature in FEATURES) for one question's candidate units."""
        unit_cosines = self.index.unit_vectors @ query_vector
        ids, cosines = self.candidates(unit_cosines, retrieval)
        query_terms = set(tokenize(expand(query)))  # the guidance's words too: "a break" should find "respite"
        specific = {t for t in query_terms if t not in self.terms.generic}
        total = sum(self.terms.weight(t) for t in query_terms)
        specific_total = sum(self.terms.weight(t) for t in specific)
        about, which, who = self.leans(query_vector) if leans is None else leans
        definition = is_definition_question(query)
        top = retrieval.hits[0].score if retrieval.hits else 1.0
        rank = {h.section.section_id: r for r, h in enumerate(retrieval.hits)}
        fused = {h.section.section_id: h.score / top for h in retrieval.hits}
        units = [self.index.units[n] for n in ids]
        sids = [u.section_id for u in units]
        shared = self.shared_weight(query_terms)[ids]
        shared_specific = self.shared_weight(specific)[ids] if specific_total else np.zeros(len(ids))
        words = shared / np.sqrt(self.unit_sizes[ids] + 4)  # rarity-weighted shared words, damped by length
        best_words = words.max() if len(words) and words.max() > 0 else 1.0
        passage_cosine = self.passage_vectors @ query_vector if passage_cosine is None else passage_cosine
        bm25 = self.index.lexical.scores(expand(query))
        bm25 = bm25 / bm25.max() if len(bm25) and bm25.max() > 0 else bm25
        title_cosine = {sid: float(unit_cosines[n]) for sid, n in self.section_title.items()}
        section_cosine: dict[str, float] = {}
        for sid, c in zip(sids, cosines):
            section_cosine[sid] = max(section_cosine.get(sid, -1.0), float(c))
        sections = {sid: self.index.sections[sid] for sid in set(sids)}
        label_coverage = {sid: self.terms.coverage(self.label_terms[sid], query_terms, total) for sid in sections}
        section_coverage = {sid: self.terms.coverage(self.section_terms[sid], query_terms, total) for sid in sections}
        bank = retrieval.bank
        covered = self.passage_in_bank[[u.passage for u in units]] if units else np.zeros(0, dtype=bool)
        section_best: dict[str, float] = {}
        if len(bank.passage_score):
            for sid in set(sids):
                section_best[sid] = float(bank.passage_score[self.index.section_passages[sid]].max())

        def per_section(value) -> np.ndarray:
            """A column from a value of each unit's section."""
            return np.array([value(sid) for sid in sids], dtype=np.float64)

        def of_kind(*kinds: str) -> np.ndarray:
            return per_section(lambda sid: sections[sid].kind in kinds)

        title = np.array([u.kind == "title" for u in units], dtype=np.float64)
        unit_shared = np.array([u.shared for u in units], dtype=np.float64)
        meta = of_kind(*META_KINDS)
        columns = {
            "cosine": cosines,
            "cosine_gap": cosines - (cosines.max() if len(cosines) else 0.0),
            "words": words,
            "words_share": words / best_words,
            "coverage": shared / total if total else np.zeros(len(ids)),
            "specific_coverage": shared_specific / specific_total if specific_total else np.zeros(len(ids)),
            "label_coverage": per_section(label_coverage.__getitem__),
            "section_coverage": per_section(section_coverage.__getitem__),
            "section_fused": per_section(lambda sid: fused.get(sid, 0.0)),
            "section_rank": per_section(lambda sid: 1.0 / (rank[sid] + 1) if sid in rank else 0.0),
            "section_cosine": per_section(section_cosine.__getitem__),
            "section_similarity": per_section(lambda sid: retrieval.similarity.get(sid, 0.0)),
            "title_cosine": per_section(lambda sid: title_cosine.get(sid, 0.0)),
            "passage_cosine": passage_cosine[[u.passage for u in units]],
            "passage_words": bm25[[u.passage for u in units]],
            "title": title,
            "shared": unit_shared,
            "first": np.array([u.position == 0 and u.passage_order == 0 for u in units], dtype=np.float64),
            "glossary": of_kind("glossary"),
            "meta": meta,
            "news": of_kind("news"),
            "pointer": of_kind("pointer"),
            "quality_statement": of_kind("quality-statement"),
            "superseded": per_section(lambda sid: self.index.documents[sections[sid].doc_id].status == "superseded"),
            "definition_glossary": of_kind("glossary") * definition,
            "about_guidance": np.full(len(ids), about),
            "about_guidance_meta": about * meta,
            "which_title": which * title,
            "which_shared": which * unit_shared,
            "who_title": who * title,
            "who_shared": who * unit_shared,
            "length": np.log(np.array([len(u.text) for u in units], dtype=np.float64) + 1),
            "anaphoric": np.array([u.text.startswith(ANAPHORIC_OPENERS) for u in units], dtype=np.float64),
            # what the nearest question-bank questions vote for (qa/channels/bank.py); a document without bank
            # questions (a user's own file) stands for itself, by its own similarity
            "bank_unit": np.where(covered, [bank.units.get(int(n), 0.0) for n in ids], cosines),
            # over every bank question, not only the nearest: how close the nearest question the unit's passage
            # (section) answers comes, so a passage outside the nearest few still has a score, and what the bank
            # classifier says of the passage
            "bank_passage_score": np.where(covered, _at(bank.passage_score, [u.passage for u in units]),
                                           passage_cosine[[u.passage for u in units]]),
            "bank_section_score": np.where(covered, per_section(lambda sid: section_best.get(sid, -1.0)),
                                          per_section(section_cosine.__getitem__)),
        }
        return ids, columns

    @staticmethod
    def passage_nearness(cosine: np.ndarray, bank: BankVotes) -> np.ndarray:
        """Per passage: BANK_SHARE x its bank score (the similarity of the nearest bank question it answers, plus the
        bank classifier's say: BankVotes.passage_score) + the rest x its own cosine to the question (`cosine`); a
        passage no bank question is answered by (a user's own file) by its cosine alone. Which passage the bank
        questions point at is right more often than which sentence the ranker prefers
        (docs/decisions/2026-12-07-question-bank.md, sessions 8 and 10)."""
        score = bank.passage_score
        if not len(score):
            return cosine
        return np.where(bank.passage_best > -1.0, BANK_SHARE * score + (1.0 - BANK_SHARE) * cosine, cosine)

    def own_word_shares(self, query: str, lead: int | None, retrieval: Retrieval) -> tuple[float, float, float]:
        """Of the question's own words beyond the domain's generic ones (rarity-weighted): the share the best
        sentence holds, the share the top sections hold, and the share the guidance never uses. A question with
        no such word (all generic) counts as fully held and fully known."""
        own = {t for t in tokenize(query) if t not in self.terms.generic}
        total = sum(self.terms.weight(t) for t in own)
        if not total:
            return 1.0, 1.0, 0.0
        lead_terms = self.unit_terms[lead] if lead is not None else frozenset()
        section_terms = frozenset().union(*(self.section_terms[h.section.section_id]
                                            for h in retrieval.hits[:TOP_SECTIONS]))
        return (self.terms.coverage(lead_terms, own, total), self.terms.coverage(section_terms, own, total),
                sum(self.terms.weight(t) for t in own - self.known_terms) / total)

    def closeness(self, evidence: Evidence, own_vector: np.ndarray) -> float:
        """The best cosine of any candidate unit to the question in the asker's own words (`own_vector`: embedded
        before the vocabulary adds the guidance's words), so "days out this weekend" does not come close through
        "weekend" -> "out-of-hours support"."""
        return float((self.index.unit_vectors[evidence.candidates] @ own_vector).max()) if len(evidence.candidates) else 0.0

    def score(self, query: str, query_vector: np.ndarray, retrieval: Retrieval,
              weights: EvidenceWeights | None = None) -> Evidence:
        weights = weights or self.weights
        if weights is None:
            raise RuntimeError("no evidence weights: fit them with python -m train.fit")
        leans = self.leans(query_vector, weights)
        about = float(leans[0])
        passage_cosine = self.passage_vectors @ query_vector
        ids, columns = self.feature_columns(query, query_vector, retrieval, leans, passage_cosine)
        if not len(ids):
            return Evidence((), about, retrieval=retrieval)
        probabilities = weights.probabilities(np.column_stack([columns[name] for name in weights.features]))
        order = sorted(range(len(ids)), key=lambda k: (-probabilities[k], int(ids[k])))
        units = tuple(ScoredUnit(int(ids[k]), self.index.units[int(ids[k])], float(probabilities[k])) for k in order)
        sections = self.index.sections
        lead_at = next((k for k in order if is_quotable(self.index.units[int(ids[k])],
                                                        sections[self.index.units[int(ids[k])].section_id].kind)), None)

        def at_lead(name: str) -> float:
            return float(columns[name][lead_at]) if lead_at is not None else 0.0

        in_scope = float(weights.question_cover.logit(query_vector)) if weights.question_cover is not None else 0.0
        lead_own, top_own, unknown_own = self.own_word_shares(
            query, int(ids[lead_at]) if lead_at is not None else None, retrieval)
        cover_columns = {
            "lead_probability": float(probabilities[lead_at]) if lead_at is not None else 0.0,
            "lead_cosine": at_lead("cosine"), "lead_specific_coverage": at_lead("specific_coverage"),
            "lead_words": at_lead("words"), "best_cosine": float(columns["cosine"].max()),
            "best_probability": float(probabilities.max()), "best_similarity": retrieval.best_similarity,
            "lead_own_words": lead_own, "top_sections_own_words": top_own, "unknown_own_words": unknown_own,
            "question_in_scope": in_scope, "bank_best_in": retrieval.bank.best_in,
            "bank_best_out": retrieval.bank.best_out, "bank_outside": retrieval.bank.outside,
        }
        cover_features = tuple(cover_columns[name] for name in weights.cover_features)
        coverage = (float(weights.cover.probability(np.asarray(cover_features))) if weights.cover is not None
                    else cover_columns["lead_probability"])
        lead = next((u for u in units if lead_at is not None and u.index == int(ids[lead_at])), None)
        return Evidence(units, about, lead, coverage, cover_features, retrieval, ids,
                        self.passage_nearness(passage_cosine, retrieval.bank))


__all__ = ["COVER_FEATURES", "LEANING_KINDS", "NO_CONTENT_KINDS", "EvidenceScorer", "LinearModel", "is_quotable", "EvidenceWeights", "Evidence", "FEATURES", "ScoredUnit", "TermWeights",
           "WEIGHTS_FILE", "domain_words"]
