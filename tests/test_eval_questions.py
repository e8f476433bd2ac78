"""The question set: the loader and schema on small fixture files, and the real eval/questions/ files checked
against the corpus (every evidence span verbatim, every gold section in the index) and the test-split lock."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from question_fixtures import row, write_set

from eval.metrics import normalise
from eval.questions import (
    KINDS,
    PERSONAS,
    QUESTIONS_DIR,
    SPLITS,
    WRITTEN_DIR,
    available,
    load_file,
    load_questions,
    locked_sha256,
    question_texts,
)
from index.hashing import sha256_file

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- fixtures: loader and schema


def test_loader_reads_every_split(tmp_path):
    d = write_set(tmp_path, {"train": [row("t1", "train")], "dev": [row("d1"), row("d2", scope="near",
                                                                                  kind="near-out-of-scope")],
                             "test": [row("x1", "test", scope="far", kind="far-out-of-scope")]})
    questions = load_questions(SPLITS, d)
    assert [q.id for q in questions] == ["t1", "d1", "d2", "x1"]
    assert [q.answerable for q in questions] == [True, True, False, False]
    assert [q.id for q in load_questions(("dev",), d)] == ["d1", "d2"]
    assert question_texts(("train", "dev"), d) == ["q t1", "q d1", "q d2"]  # never the test split


@pytest.mark.parametrize("bad, message", [
    (row("a", evidence=[]), "needs evidence"),
    (row("a", gold_sections=[]), "needs evidence"),
    (row("a", scope="near", kind="near-out-of-scope", evidence=["x"]), "no evidence"),
    (row("a", scope="near", kind="far-out-of-scope"), "does not fit"),
    (row("a", kind="follow-up"), "needs the earlier turns"),
    (row("a", persona="parent"), "persona"),
    (row("a", kind="chit-chat"), "kind"),
    (row("a", colour="red"), "colour"),
    (row("a", evidence=["  "]), "empty evidence"),
    (row("a", kind="follow-up", history=[""]), "empty earlier question"),
])
def test_schema_rejects(tmp_path, bad, message):
    path = tmp_path / "dev.jsonl"
    path.write_text(json.dumps(bad) + "\n")
    with pytest.raises(ValueError, match=message):
        load_file(path)


def test_a_follow_up_carries_its_history(tmp_path):
    path = tmp_path / "dev.jsonl"
    path.write_text(json.dumps(row("a", kind="follow-up", history=["what about respite?"])) + "\n")
    assert load_file(path)[0].history == ("what about respite?",)


def test_split_field_must_match_its_file(tmp_path):
    path = tmp_path / "test.jsonl"
    path.write_text(json.dumps(row("a", split="dev")) + "\n")
    with pytest.raises(ValueError, match="split 'dev' in the test file"):
        load_file(path)


def test_ids_are_unique_across_splits(tmp_path):
    d = write_set(tmp_path, {"train": [row("same", "train")], "dev": [row("same")]})
    with pytest.raises(ValueError, match="duplicate question ids: \\['same'\\]"):
        load_questions(SPLITS, d)


def test_lock_reads_the_changelogs_last_line(tmp_path):
    d = write_set(tmp_path, {"test": [row("x", "test")]})
    assert locked_sha256(d / "CHANGELOG.md") == sha256_file(d / "test.jsonl")
    (d / "test.jsonl").write_text(json.dumps(row("y", "test")) + "\n")  # changed without a changelog line
    assert locked_sha256(d / "CHANGELOG.md") != sha256_file(d / "test.jsonl")
    (d / "CHANGELOG.md").write_text(f"2026-11-24 {'0' * 64} first\n2026-11-25 {'1' * 64} fixed a span\n\nNotes.\n")
    assert locked_sha256(d / "CHANGELOG.md") == "1" * 64  # the newest line with a hash, notes below it ignored
    (d / "CHANGELOG.md").write_text("no hash recorded\n")
    assert locked_sha256(d / "CHANGELOG.md") is None


# ---------------------------------------------------------------- the real files

real = pytest.mark.skipif(not available(), reason="eval/questions/{train,dev,test}.jsonl not written yet")


@pytest.fixture(scope="module")
def questions():
    return load_questions()


@pytest.fixture(scope="module")
def corpus_sections():
    from ingest import load_corpus

    return {s.section_id: s for s in load_corpus(ROOT / "corpus").sections}


@real
def test_test_split_is_locked_by_the_changelog():
    assert locked_sha256(QUESTIONS_DIR / "CHANGELOG.md") == sha256_file(QUESTIONS_DIR / "test.jsonl"), \
        "eval/questions/test.jsonl changed: add a line to eval/questions/CHANGELOG.md saying why, with its new sha256"


@real
def test_every_answerable_question_has_evidence_and_gold(questions):
    assert all(q.evidence and q.gold_sections for q in questions if q.answerable)


@real
def test_every_evidence_span_is_verbatim_in_the_corpus(questions):
    files = sorted(p for p in (ROOT / "corpus").iterdir() if p.suffix in {".txt", ".md", ".toml"})  # manifest too
    corpus = "\n".join(normalise(p.read_text(encoding="utf-8")) for p in files)
    missing = [(q.id, span) for q in questions for span in q.evidence if normalise(span) not in corpus]
    assert not missing, f"{len(missing)} spans not in corpus/ (ids: {sorted({i for i, _ in missing})})"


@real
def test_every_gold_section_exists_in_the_index(questions, corpus_sections):
    missing = sorted({(q.id, g) for q in questions for g in q.gold_sections if g not in corpus_sections})
    assert not missing, f"gold section ids the parser does not produce: {missing}"


@real
def test_every_target_is_a_gold_section(questions):
    assert all(q.target in q.gold_sections for q in questions if q.answerable)


@real
def test_each_file_holds_its_own_split_sorted_by_id():
    for split in SPLITS:
        ids = [q.id for q in load_file(QUESTIONS_DIR / f"{split}.jsonl")]
        assert ids == sorted(ids), split


@real
def test_splits_are_stratified(questions):
    """Every split holds every persona and every kind; train is about half the set, dev and test a quarter each."""
    for split in SPLITS:
        chosen = [q for q in questions if q.split == split]
        assert {q.persona for q in chosen} == set(PERSONAS), split
        assert {q.kind for q in chosen} == set(KINDS), (split, set(KINDS) - {q.kind for q in chosen})
    share = Counter(q.split for q in questions)
    assert abs(share["train"] / len(questions) - 0.5) < 0.08, share
    assert abs(share["test"] / len(questions) - 0.25) < 0.06, share


@real
def test_set_shape(questions):
    assert len(questions) >= 400
    assert sum(q.scope == "near" for q in questions) >= 60 and sum(q.scope == "far" for q in questions) >= 20
    assert sum(bool(q.history) for q in questions) >= 40
    assert set(Counter(q.split for q in questions)) == set(SPLITS)
    assert {q.persona for q in questions} == {"carer", "staff", "trainer"}


# ---------------------------------------------------------------- the written selection set (eval/questions/written)

written_set = pytest.mark.skipif(not available(WRITTEN_DIR, ["dev"]), reason="eval/questions/written not written")


@pytest.fixture(scope="module")
def written():
    return load_questions(["dev"], WRITTEN_DIR)


@written_set
def test_the_written_set_is_judged_like_the_splits(written, corpus_sections):
    """Gold sections the parser produces, each evidence span whole in its gold sections' text (as the metrics read it)."""
    from eval.metrics import holds_span

    assert len(written) >= 1000 and {q.persona for q in written} == set(PERSONAS)
    assert [q.id for q in written if q.answerable and (q.target not in q.gold_sections or any(
        g not in corpus_sections for g in q.gold_sections) or not all(
        any(holds_span(f"{corpus_sections[g].label}\n{corpus_sections[g].text}", [span]) for g in q.gold_sections
            if g in corpus_sections) for span in q.evidence))] == []


@written_set
def test_no_written_question_is_a_dev_or_test_question(written, questions):
    held_out = {" ".join(normalise(q.question).split()) for q in questions if q.split != "train"}
    assert [q.id for q in written if " ".join(normalise(q.question).split()) in held_out] == []


@written_set
@pytest.mark.slow
def test_no_written_question_is_a_near_duplicate_of_a_dev_or_test_question(written, questions, embedder):
    """The stock MiniLM, as for the question bank (tests/test_question_bank.py): the written set chooses between
    variants, dev and test measure them. Only written ids are reported."""
    from index.embedder import Embedder
    from tests.test_question_bank import NEAR_DUPLICATE_COSINE

    stock = Embedder(embedder.model_name, backend=embedder.backend, cache_dir=embedder.cache_dir)
    held_out = stock.embed([q.question for q in questions if q.split != "train"])
    closest = (stock.embed([q.question for q in written]) @ held_out.T).max(axis=1)
    assert [q.id for q, c in zip(written, closest) if c >= NEAR_DUPLICATE_COSINE] == []
