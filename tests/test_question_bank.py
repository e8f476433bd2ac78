"""The question bank (corpus/questions, ingest/bank.py): its schema, its size and voices, that it stays apart
from the evaluation questions, and that retrieval uses it without depending on it."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from eval.questions import QUESTIONS_DIR, load_questions
from ingest import load_corpus, split_passages
from ingest.bank import SpanLocator, load_bank
from ingest.units import answer_units

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
NEAR_DUPLICATE_COSINE = 0.92


def _placed():
    corpus = load_corpus(CORPUS)
    passages = split_passages(list(corpus.sections), 600)
    labels = {s.section_id: s.label for s in corpus.sections}
    units = answer_units(passages, labels)
    bank = load_bank(CORPUS, labels)
    placed, unplaced = SpanLocator(passages, units).place(bank)
    return corpus, passages, bank, placed, unplaced


def _folded(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def test_every_bank_line_is_valid_and_every_span_is_found_in_its_section():
    _, _, bank, placed, unplaced = _placed()
    assert bank.warnings == () and unplaced == []
    assert len(placed) == len(bank.questions)


def test_every_passage_with_content_has_at_least_15_questions_in_all_voices():
    corpus, passages, bank, placed, _ = _placed()
    kinds = {s.section_id: s.kind for s in corpus.sections}
    counts = Counter(q.passages[0] for q in placed if q.passages)
    # a passage whose text is repeated inside another passage of its section can't be told apart from it
    repeated = {n for n, p in enumerate(passages) for m, other in enumerate(passages)
                if m != n and other.section_id == p.section_id and p.text in other.text}
    thin = [passages[n].passage_id for n, p in enumerate(passages)
            if kinds[p.section_id] != "pointer" and n not in repeated and counts[n] < 15]
    assert thin == []
    answerable = [q for q in bank.questions if q.answerable]
    voices = Counter(q.voice for q in answerable)
    assert len(answerable) >= 3000 and voices["carer"] / len(answerable) >= 0.40
    assert voices["staff"] and voices["trainer"]
    assert sum(not q.answerable for q in bank.questions) >= 300


def test_current_guidance_is_listed_first_where_both_answer():
    corpus, _, bank, _, _ = _placed()
    status = {d.doc_id: d.status for d in corpus.documents}
    sections = {s.section_id: s.doc_id for s in corpus.sections}
    for question in bank.questions:
        statuses = [status[sections[g.section_id]] for g in question.gold]
        if "current" in statuses and "superseded" in statuses:
            assert statuses[0] == "current", question.source


def test_no_bank_question_repeats_one_in_the_bank():
    bank = load_bank(CORPUS)
    seen = Counter(_folded(q.question) for q in bank.questions)
    assert [text for text, n in seen.items() if n > 1] == []


def test_no_bank_question_is_an_evaluation_question_after_normalisation():
    held_out = {_folded(q.question) for q in load_questions(["dev", "test"], QUESTIONS_DIR)}
    copied = [q.question_id for q in load_bank(CORPUS).questions if _folded(q.question) in held_out]
    assert copied == [], "bank questions must be written from the passages, not from dev/test"


@pytest.mark.slow
def test_no_bank_question_is_a_near_duplicate_of_an_evaluation_question(embedder):
    """MiniLM cosine >= 0.92 to any dev or test question (the stock model, as the issue defines it): the
    evaluation must stay a measurement. Only bank ids are reported."""
    from index.embedder import Embedder

    stock = Embedder(embedder.model_name, backend=embedder.backend, cache_dir=embedder.cache_dir)
    held_out = stock.embed([q.question for q in load_questions(["dev", "test"], QUESTIONS_DIR)])
    bank = load_bank(CORPUS).questions
    vectors = stock.embed([q.question for q in bank])
    closest = (vectors @ held_out.T).max(axis=1)
    assert [q.question_id for q, c in zip(bank, closest) if c >= NEAR_DUPLICATE_COSINE] == []


def test_a_bad_line_is_skipped_with_a_message_naming_file_and_line(tmp_path):
    folder = tmp_path / "questions"
    folder.mkdir()
    good = {"id": "a-1", "question": "can i get a break", "voice": "carer", "scope": "in",
            "gold": [{"section_id": "doc/box-1", "evidence": "Use a respite carer the child knows."}]}
    lines = [json.dumps(good), "{not json", json.dumps({**good, "id": "a-2", "voice": "parent"}),
             json.dumps({**good, "id": "a-3", "gold": []}), json.dumps({**good, "id": "a-1"}),
             json.dumps({"id": "o-1", "question": "how much is the allowance", "voice": "carer", "scope": "out",
                         "gold": [], "topic": "allowances"})]
    (folder / "mine.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bank = load_bank(tmp_path)
    assert [q.question_id for q in bank.questions] == ["a-1", "o-1"]
    assert [w.split(":")[0] + ":" + w.split(":")[1] for w in bank.warnings] == [
        "questions/mine.jsonl:2", "questions/mine.jsonl:3", "questions/mine.jsonl:4", "questions/mine.jsonl:5"]
    assert all("\n" not in w and "line skipped" in w for w in bank.warnings)


def test_gold_naming_a_section_the_corpus_does_not_have_is_dropped(tmp_path):
    folder = tmp_path / "questions"
    folder.mkdir()
    line = {"id": "a-1", "question": "can i get a break", "voice": "carer", "scope": "in",
            "gold": [{"section_id": "gone/box-1", "evidence": "Use a respite carer the child knows."}]}
    (folder / "mine.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    bank = load_bank(tmp_path, sections=["doc/box-1"])
    assert bank.questions == () and "not in the corpus" in bank.warnings[0]


def test_a_corpus_without_a_bank_has_an_empty_one(tmp_path):
    assert load_bank(tmp_path).questions == ()


@pytest.mark.slow
def test_a_document_with_no_bank_questions_is_still_found(tmp_path, embedder):
    """A user's own file has no bank entries: dense and BM25 still find it, beside a corpus that has a bank."""
    import shutil

    from qa.service import Assistant
    from settings import Settings

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "our-local-offer.txt").write_text(
        "Our local offer for kinship carers\n\nKinship carers in our area can borrow a laptop from the family "
        "hub library for homework, free of charge, for up to a year.\n", encoding="utf-8")
    settings = Settings.from_env().replace(corpus_dir=corpus, index_dir=tmp_path / "index")
    assistant = Assistant(settings, embedder=embedder)
    hits = assistant.retrieve("can kinship carers borrow a laptop for homework from the family hub").hits
    assert hits[0].document.path.endswith("our-local-offer.txt") or hits[0].section.doc_id == "our-local-offer"
    assert len(assistant.index.bank) > 3000 and not any(
        q.question.gold and q.question.gold[0].section_id.startswith("our-local-offer") for q in assistant.index.bank)


@pytest.mark.slow
def test_bank_votes_point_at_the_passages_the_nearest_questions_answer(assistant):
    question = "will the kids i foster be kept with their brothers and sisters"
    votes = assistant.retrieve(question).bank
    assert votes.best_in > 0.5 and votes.units
    best = assistant.index.passages[int(np.argmax(votes.passage_best))]
    assert "sibling" in assistant.index.sections[best.section_id].text.lower()
    typed = assistant.index.bank_vectors @ assistant.embedder.embed_query(question)  # the question as typed
    assert np.isclose(votes.passage_best.max(), typed[assistant.index.bank_places.answerable].max())
    assert votes.passage_best.min() == -1.0  # a passage no bank question is answered by


def _small_index_with_a_bank(tmp_path: Path):
    from index.build import build_index
    from tests.index_fakes import FakeEmbedder, small_settings

    settings = small_settings(tmp_path)
    sections = {s.label: s for s in load_corpus(settings.corpus_dir).sections}
    respite, school = sections["Respite for carers"], sections["Virtual school head"]
    rows = [
        {"id": "r-1", "question": "can i get a break", "voice": "carer", "scope": "in",
         "gold": [{"section_id": respite.section_id, "evidence": "Carers should be offered short breaks"}]},
        {"id": "o-1", "question": "how much is the allowance", "voice": "carer", "scope": "out", "gold": [],
         "topic": "allowances"},
        {"id": "s-1", "question": "who looks after schooling", "voice": "staff", "scope": "in",
         "gold": [{"section_id": school.section_id, "evidence": "appoint a virtual school head"},
                  {"section_id": respite.section_id, "evidence": "when they need them"}]},
    ]
    (settings.corpus_dir / "questions").mkdir()
    (settings.corpus_dir / "questions" / "q.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    build_index(settings, embedder=FakeEmbedder())
    return settings


def test_an_opened_index_answers_from_the_bank_places_and_reads_the_questions_only_when_asked(tmp_path):
    """index/bank.py: answering reads where each bank question stands (bank-places.npz), not the questions
    themselves (bank.json); read when asked for, they are placed exactly as the build placed them."""
    from index.loaded import open_index
    from qa.channels import BankChannel, Query
    from tests.index_fakes import FakeEmbedder

    settings = _small_index_with_a_bank(tmp_path)
    index = open_index(settings, embedder=FakeEmbedder(), rebuild=False)
    vector = FakeEmbedder().embed_query("a break")
    votes = BankChannel(index).votes(Query("a break", "a break", vector, vector))
    assert "bank" not in vars(index)  # the records were not read to open the index and vote
    assert len(index.bank_places) == 3 and index.bank_places.answerable.tolist() == [True, False, True]
    assert index.bank_documents == {"care", "school"} and (votes.passage_best > -1.0).any()
    corpus = load_corpus(settings.corpus_dir)
    labels = {s.section_id: s.label for s in corpus.sections}
    passages = split_passages(list(corpus.sections), settings.max_passage_chars)
    placed, _ = SpanLocator(passages, answer_units(passages, labels)).place(load_bank(settings.corpus_dir, labels))
    assert index.bank == [*placed] and [len(q.passages) for q in index.bank] == [1, 0, 2]


def test_the_bank_points_by_the_question_as_typed_and_measures_coverage_with_the_guidances_words(tmp_path):
    """The bank's questions are embedded as written, so the passages and sentences they point at are found by the
    question as typed; how close the nearest answerable and out-of-scope ones come (the coverage model's features)
    is measured on the question with the vocabulary's guidance words, as the model was fitted."""
    from index.loaded import open_index
    from qa.channels import BankChannel, Query
    from tests.index_fakes import FakeEmbedder

    settings = _small_index_with_a_bank(tmp_path)
    index = open_index(settings, embedder=FakeEmbedder(), rebuild=False)
    typed, expanded = FakeEmbedder().embed_query("a break"), FakeEmbedder().embed_query("school records")
    votes = BankChannel(index).votes(Query("a break", "a break school records", expanded, typed))
    by_typed, by_expanded = index.bank_vectors @ typed, index.bank_vectors @ expanded
    answerable = index.bank_places.answerable
    assert votes.best_in == pytest.approx(float(by_expanded[answerable].max()))
    assert votes.best_out == pytest.approx(float(by_expanded[~answerable].max()))
    for n, passages in enumerate(index.bank_places.passages(q) for q in range(len(index.bank_places))):
        for passage in passages:
            assert votes.passage_best[passage] >= by_typed[n] - 1e-6
    assert float(votes.passage_best.max()) == pytest.approx(float(by_typed[answerable].max()))


def test_bank_places_that_do_not_split_into_one_run_per_question_are_refused():
    from index.bank import BankPlaces

    good = BankPlaces.of([]).arrays()
    assert len(BankPlaces.from_arrays(good)) == 0
    with pytest.raises(ValueError, match="one run per question"):
        BankPlaces.from_arrays({**good, "passage_starts": np.array([0, 2], dtype=np.int32)})
    with pytest.raises(ValueError, match="one flag per question"):
        BankPlaces.from_arrays({**good, "answerable": np.zeros(1, dtype=np.int32)})
