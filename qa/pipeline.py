"""The answering pipeline, built once: `Pipeline.open(settings)` opens the index and returns every part ready.

    question -> safety notice (qa/safety.py, on the spelling-corrected text)
             -> retrieval (qa/retrieve.py: dense, BM25 and question-bank channels, fused)
             -> evidence: every candidate sentence scored (qa/evidence.py, weights fitted by train/fit.py)
             -> covered? (the fitted coverage model and the closeness check) -> refusal (qa/answer.py)
             -> selection (qa/select.py) -> the answer's lines and citations (qa/answer.py)

The scoring API (`query_vector`, `candidates`, `features`, `evidence`, `closeness`) is public: the answer path and
the fit (train/fit.py) use the same calls. Evidence is computed once per distinct query and kept (bounded), so a
question with history and several parts never scores the same text twice.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np

from index.embedder import Embedder
from ingest.model import Passage
from qa.answer import compose_answer, refusal
from qa.bank_classifier import CLASSIFIER_FILE, BankClassifier
from qa.conversation import asks_who_acts, points_back, question_parts
from qa.evidence import WEIGHTS_FILE, Evidence, EvidenceScorer, EvidenceWeights, TermWeights, domain_words
from qa.language import EnglishCheck, fold_accents, with_language_note
from qa.model import Answer, GuidanceIndex, Hit, Retrieval
from qa.retrieve import Retriever
from qa.safety import Assessment, SafetyWeights, assess, question_text
from qa.safety import warm_up as safety_warm_up
from qa.safety.after import after_notice
from qa.safety.classify import WEIGHTS_FILE as SAFETY_WEIGHTS_FILE
from qa.scope import outside_scope, scope_reason
from qa.select import select
from qa.spelling import SpellingCorrector
from qa.terms import TermExplainer, with_abbreviations_spelt_out
from qa.vocabulary import expand
from settings import Settings

if TYPE_CHECKING:
    from index.loaded import SearchIndex
    from qa.generate import GeneratedAnswerer

# A question that does not point back (no pronoun without an antecedent in the question, no "what about") borrows
# the previous question only when that raises its best sentence's probability this much more than the fitted
# follow-up margin: "Will the child I look after be placed with their brothers and sisters?" after "Can I get a
# break from caring?" gains 0.04 and stands alone. Chosen on dev between 0 (before), 0.1 and the 0.24 that train's
# own follow-ups and topic switches would pick: 0.05-0.13 change no train or dev answer; 0.24 loses a dev follow-up.
OWN_TOPIC_EXTRA_GAIN = 0.1
CANDIDATE_SECTIONS = 8  # retrieved sections whose units are scored (besides the units nearest by meaning)
EVIDENCE_CACHE = 2048  # distinct queries whose evidence is kept

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A small thread-safe least-recently-used map (answers by question, evidence by query)."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def glossary_hits(index: GuidanceIndex) -> list[Hit]:
    """The corpus glossary as citable hits (first passage of each glossary section)."""
    first_passage: dict[str, Passage] = {}
    for passage in index.passages:
        first_passage.setdefault(passage.section_id, passage)
    return [
        Hit(section=s, document=index.documents[s.doc_id], passages=(first_passage[s.section_id],), score=0.0)
        for s in index.sections.values()
        if s.kind == "glossary" and s.section_id in first_passage
    ]


_MARKUP = re.compile(r"<[^<>]{0,300}>")


def without_markup(question: str) -> str:
    """HTML tags pasted into a question say nothing about its topic; they are shown as text, not searched."""
    return " ".join(_MARKUP.sub(" ", question).split()) or question


class Pipeline:
    """Every part of answering, ready: the opened index, the encoder, retriever, scorer and fitted weights, the
    glossary, the spelling and language checks, and the optional generator. Made by `Pipeline.open`."""

    def __init__(self, settings: Settings, embedder: Embedder, index: SearchIndex,
                 weights: EvidenceWeights | None, generator: GeneratedAnswerer | None = None,
                 safety_weights: SafetyWeights | None = None, bank_classifier: BankClassifier | None = None):
        self.settings = settings
        self.embedder = embedder
        self.index = index
        self.weights = weights
        self.safety_weights = safety_weights  # None: the safety check's pattern floor only
        self.bank_classifier = bank_classifier  # None: the bank channel by nearness alone
        self.generator = generator
        self.retriever = Retriever(index, embedder, settings, bank_classifier=bank_classifier)
        self.scorer = EvidenceScorer(index, weights, TermWeights([p.text for p in index.passages], domain_words()))
        self.explainer = TermExplainer(glossary_hits(index))
        self.spelling = SpellingCorrector(p.text for p in index.passages)
        self.english = EnglishCheck(self.spelling.guidance_counts)  # the same words, counted once
        self._evidence: LRU[tuple[str, frozenset[int]], Evidence] = LRU(EVIDENCE_CACHE)

    @classmethod
    def open(cls, settings: Settings, *, embedder: Embedder | None = None,
             evidence_weights: EvidenceWeights | Path | None = WEIGHTS_FILE, chat_model: object = None,
             progress: bool = False, safety_weights: SafetyWeights | Path | None = SAFETY_WEIGHTS_FILE,
             bank_classifier: BankClassifier | Path | None = CLASSIFIER_FILE) -> Pipeline:
        """Open (building if needed) the index and load every part. `evidence_weights`: the fitted weights or their
        file (None only to fit them: train/fit.py). `chat_model`: a LangChain chat model for generated answers
        (default: from settings, off if unset). `safety_weights`: the safety classifier or its file (None: the
        pattern floor only). `bank_classifier`: the bank classifier or its file (None: train/fit.py fits it)."""
        from index.loaded import open_index

        embedder = embedder or Embedder.from_settings(settings)
        embedder.start_warm_up()  # the encoder loads while the index opens
        index = open_index(settings, embedder=embedder, progress=progress)
        embedder.warm_up()  # so the first question is as quick as the rest
        weights = EvidenceWeights.load(evidence_weights) if isinstance(evidence_weights, Path) else evidence_weights
        safety = SafetyWeights.load(safety_weights) if isinstance(safety_weights, Path) else safety_weights
        classifier = BankClassifier.load(bank_classifier) if isinstance(bank_classifier, Path) else bank_classifier
        return cls(settings, embedder, index, weights, _generator(settings, embedder, chat_model), safety, classifier)

    def with_bank_classifier(self, classifier: BankClassifier | None) -> Pipeline:
        """The same parts with another bank classifier (train/fit.py: the one it has just fitted)."""
        return Pipeline(self.settings, self.embedder, self.index, self.weights, self.generator, self.safety_weights,
                        classifier)

    def warm_up_answering(self) -> None:
        """Load now what answering otherwise loads on first need (the English dictionary, the safety patterns), so a
        long-running app's first answers are as quick as the rest; a one-question CLI skips it."""
        self.spelling.warm_up()
        safety_warm_up()

    def clear_caches(self) -> None:
        """Forget kept evidence and query vectors (the benchmark measures uncached answers)."""
        self._evidence.clear()
        self.embedder.clear_cache()

    # The scoring API: the answer path below and train/fit.py.
    def retrieve(self, query: str, top_k: int | None = None, bank_exclude: frozenset[int] = frozenset()) -> Retrieval:
        """`bank_exclude`: question-bank positions left out (fitting on the bank: a question must not find itself)."""
        return self.retriever.search(query, top_k, bank_exclude)

    def query_vector(self, query: str) -> np.ndarray:
        """The question's vector in the guidance's words (the vocabulary's bridges added)."""
        return self.embedder.embed_query(expand(query))

    def candidates(self, query: str, bank_exclude: frozenset[int] = frozenset()) -> tuple[Retrieval, np.ndarray]:
        """The sections whose units are scored for a question, and the question's vector."""
        retrieval = self.retrieve(query, max(self.settings.top_k, CANDIDATE_SECTIONS), bank_exclude)
        return retrieval, self.query_vector(query)

    def features(self, query: str, directions: np.ndarray,
                 bank_exclude: frozenset[int] = frozenset()) -> tuple[np.ndarray, np.ndarray]:
        """(candidate unit positions, their qa.evidence.FEATURES rows), leaning along `directions` (fitting)."""
        retrieval, vector = self.candidates(query, bank_exclude)
        return self.scorer.features(query, vector, retrieval, directions @ vector)

    def evidence(self, query: str, weights: EvidenceWeights | None = None,
                 bank_exclude: frozenset[int] = frozenset()) -> Evidence:
        """Every candidate unit scored with `weights` (default: the shipped ones; kept per distinct query)."""
        if weights is not None:
            retrieval, vector = self.candidates(query, bank_exclude)
            return self.scorer.score(query, vector, retrieval, weights)
        key = (query, bank_exclude)
        kept = self._evidence.get(key)
        if kept is not None:
            return kept
        retrieval, vector = self.candidates(query, bank_exclude)
        return self._evidence.put(key, self.scorer.score(query, vector, retrieval))

    def closeness(self, query: str, evidence: Evidence) -> float:
        """How close the guidance comes to the question in the asker's own words (qa.evidence), abbreviations
        spelt out; the same vector as the search's (cached) when neither added words."""
        return self.scorer.closeness(evidence, self.embedder.embed_query(with_abbreviations_spelt_out(query)))

    def spelt(self, text: str) -> str:
        """The text with misspelt words corrected (qa.spelling): what the safety check sees. Retrieval, ranking and
        coverage see the question as typed: feeding them the corrected text failed the locked test split's gate."""
        return self.spelling.correct(text)

    def safety(self, text: str) -> Assessment:
        """The safety check (qa.safety): the pattern floor on the question and on it spelt right, and the classifier
        on the question's vector, the one retrieval embeds (from the embedder's cache: no second embedding)."""
        return assess(text, self.embedder.embed_query(question_text(text)), self.spelt(text), self.safety_weights)

    # Answering.
    def answer(self, question: str, history: tuple[str, ...] = ()) -> Answer:
        """Answer one cleaned question; `history` holds the earlier (cleaned) questions, oldest first."""
        weights = self._weights()
        text = fold_accents(without_markup(question))
        safety = self.safety(text)  # "hes going to hurt him self", "has run awya": notices that fit the danger
        notices = safety.notices
        parts = question_parts(text) or [text]
        query, evidence = self._resolve(text, history)
        if all(outside_scope(p) for p in parts):
            refused = self._refusal(question, text, evidence, notices, reason=scope_reason())
            return after_notice(refused, safety, evidence.retrieval)
        covered, uncovered = self._split_by_coverage(parts) if query == text else ((), ())
        if uncovered and covered:
            query = " ".join(covered)  # answer the parts the guidance covers, and say which it doesn't
            evidence = self.evidence(query)
        if not self._covered(query, evidence):
            return after_notice(self._refusal(question, text, evidence, notices), safety, evidence.retrieval)
        selection = select(evidence, self.index, weights.quote_share, weights.context_share,
                           title_share=weights.title_share)
        answer = compose_answer(question, evidence, selection, self.index, self.explainer, notices=notices,
                                uncovered_parts=uncovered if covered else (),
                                about_guidance=evidence.about_guidance >= weights.about_above)
        # after a notice, only guidance that speaks to the danger, else the nearest topics (qa.safety.after)
        return after_notice(self.generator.rewrite(answer) if self.generator else answer, safety, evidence.retrieval)

    def _weights(self) -> EvidenceWeights:
        if self.weights is None:
            raise RuntimeError("no evidence weights: fit them with python -m train.fit")
        return self.weights

    def _covered(self, query: str, evidence: Evidence) -> bool:
        """The fitted coverage model says the guidance answers it, and something the guidance says comes close
        to it by meaning (checked last: it may cost an embedding of the question without the vocabulary's words)."""
        weights = self._weights()
        return (evidence.lead is not None and evidence.coverage >= weights.refuse_below
                and self.closeness(query, evidence) >= weights.min_closeness)

    def _refusal(self, question: str, text: str, evidence: Evidence, notices: tuple[str, ...],
                 reason: str | None = None) -> Answer:
        """The "not covered" answer; a question that does not look English is told only English is supported."""
        answer = refusal(question, evidence.retrieval, self.settings.nearest_topic_similarity, notices, reason)
        return answer if self.english.looks_english(text) else with_language_note(answer)

    def _resolve(self, text: str, history: tuple[str, ...]) -> tuple[str, Evidence]:
        """A follow-up is a question that does not stand on its own: with the previous question its best sentence
        becomes clearly more likely to answer (by the fitted margin). A question that does not point back ("does that
        include...") names its own topic: it needs a larger gain (OWN_TOPIC_EXTRA_GAIN), so a topic switch whose
        pronoun refers inside it ("Will the child I look after be placed with their brothers and sisters?") stands
        on its own, and one far from anything the guidance says ("What's the weather forecast for tomorrow?") is a
        new topic, not a follow-up; nor is one whose pair with the previous question is best answered where the
        previous question alone is (the gain is that question's own answer)."""
        alone = self.evidence(text)
        if not history:
            return text, alone
        joined_query = f"{history[-1]} {text}"
        joined = self.evidence(joined_query)
        weights = self._weights()
        gain = joined.lead_probability - alone.lead_probability
        if points_back(text):
            borrows = gain > weights.follow_up_margin
        else:  # it names its own topic: it borrows only on a clearly larger gain, only when close to the guidance,
            # and only when the pair is not simply answered where the previous question alone is
            borrows = (gain > weights.follow_up_margin + OWN_TOPIC_EXTRA_GAIN
                       and self.closeness(text, alone) >= weights.min_closeness
                       and not _same_lead_section(joined, self.evidence(history[-1])))
        return (joined_query, joined) if borrows else (text, alone)

    def _split_by_coverage(self, parts: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """For a question with several parts: the parts the guidance covers, and those it says nothing about.
        A part asking who should act is answered by the answer's "Who should act" line, so it counts as covered."""
        if len(parts) < 2:
            return (), ()
        covered = tuple(
            p for p in parts
            if not outside_scope(p) and (asks_who_acts(_own_words(p, parts)) or self._covered(p, self.evidence(p)))
        )
        uncovered = tuple(p for p in parts if p not in covered)
        return covered, tuple(_own_words(p, parts) for p in uncovered)


def _same_lead_section(one: Evidence, other: Evidence) -> bool:
    return one.lead is not None and other.lead is not None and one.lead.unit.section_id == other.lead.unit.section_id


def _generator(settings: Settings, embedder: Embedder, chat_model: object) -> GeneratedAnswerer | None:
    if chat_model is None and not settings.llm_model:
        return None
    from qa.generate import GeneratedAnswerer, SupportChecker, chat_model_from_settings

    model = chat_model or chat_model_from_settings(settings)
    return GeneratedAnswerer(model, SupportChecker(embedder, settings.llm_min_support), settings.llm_timeout)


def _own_words(part: str, parts: list[str]) -> str:
    """A later part without the first part that question_parts put in front of it."""
    return part if part == parts[0] else part.removeprefix(parts[0]).strip() or part


__all__ = ["CANDIDATE_SECTIONS", "LRU", "OWN_TOPIC_EXTRA_GAIN", "Pipeline", "glossary_hits", "without_markup"]
