"""The encoder fine-tuning experiment (eval/finetune.py): its pairs come from train and the corpus only, its
batches never hold a pair's own negative, and training is deterministic (a tiny random BERT, slow: torch)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from eval.finetune import Pair, Recipe, batches, data_digest, finetune, training_pairs
from eval.fit import load_split, resolved_question
from index.build import passage_text_for_search
from index.hashing import sha256_file
from ingest import load_corpus, split_passages
from ingest.units import answer_units
from qa.vocabulary import expand
from settings import Settings


@pytest.fixture(scope="module")
def pairs() -> list[Pair]:
    settings = Settings()
    return training_pairs(settings.corpus_dir, Path("eval/questions").resolve(), Recipe(), settings.max_passage_chars)


@pytest.mark.slow  # matching every unit against every train question's spans: ~10 s
def test_question_pairs_come_from_train_questions_and_positives_from_the_corpus(pairs):
    settings = Settings()
    train_anchors = {expand(resolved_question(item)) for item in load_split("train")}
    corpus = load_corpus(settings.corpus_dir)
    labels = {s.section_id: s.label for s in corpus.sections}
    passages = split_passages(list(corpus.sections), settings.max_passage_chars)
    corpus_texts = {u.text for u in answer_units(passages, labels)}
    corpus_texts |= {passage_text_for_search(labels[p.section_id], p.text) for p in passages}
    glossary = {s.text.partition(":")[2].strip() for s in corpus.sections if s.kind == "glossary"}
    assert {p.source for p in pairs} == {"question", "title", "glossary"}
    assert {p.anchor for p in pairs if p.source == "question"} <= train_anchors
    assert all(p.positive in corpus_texts or p.positive in glossary for p in pairs)
    assert all(p.anchor in labels.values() for p in pairs if p.source == "title")


@pytest.mark.slow
def test_sources_can_be_left_out(pairs):
    settings = Settings()
    only_titles = training_pairs(settings.corpus_dir, Path("eval/questions").resolve(),
                                 Recipe(questions=False, glossary=False), settings.max_passage_chars)
    assert only_titles == [p for p in pairs if p.source == "title"]


def test_batches_hold_every_pair_once_without_repeats_and_do_not_mix_passages_with_sentences():
    pairs = [Pair(f"question {n % 7}", f"sentence {n}", "question") for n in range(40)]
    pairs += [Pair(f"question {n % 7}", f"Box {n}\npassage {n}", "question", passage=True) for n in range(20)]
    pairs += [Pair("Recommendation 1: Title", f"its sentence {n}", "title") for n in range(5)]
    chosen = batches(pairs, 8, random.Random(5))
    assert sorted(map(repr, (p for b in chosen for p in b))) == sorted(map(repr, pairs))
    for batch in chosen:
        assert 0 < len(batch) <= 8
        texts = [p.anchor for p in batch] + [p.positive for p in batch]
        assert len(set(texts)) == len(texts)
        assert len({p.passage for p in batch}) == 1
    assert chosen == batches(pairs, 8, random.Random(5))
    assert chosen != batches(pairs, 8, random.Random(6))
    assert data_digest(pairs) == data_digest(list(pairs)) != data_digest(pairs[1:])


@pytest.mark.slow
def test_same_inputs_give_the_same_weights(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("sentence_transformers")
    base = _tiny_model(tmp_path / "base")
    pairs = [Pair(f"question {n}", f"answer number {n} about placements", "question") for n in range(12)]
    recipe = Recipe(epochs=2, batch_size=4, threads=1)
    first = finetune(base, pairs, recipe, tmp_path / "first")
    second = finetune(base, pairs, recipe, tmp_path / "second")
    other = finetune(base, pairs, Recipe(epochs=2, batch_size=4, threads=1, seed=13), tmp_path / "other")
    digests = [sha256_file(folder / "model.safetensors") for folder in (first, second, other)]
    assert digests[0] == digests[1] != digests[2]
    assert digests[0] != sha256_file(base / "model.safetensors")
    # the base folder's layout files are kept, so our own encoders read the result as they read the base model
    for name in ("modules.json", "sentence_bert_config.json", "1_Pooling/config.json", "tokenizer.json"):
        assert (first / name).read_bytes() == (base / name).read_bytes()


def _tiny_model(folder: Path) -> Path:
    """A 2-layer BERT with random (seeded) weights and the real model's tokenizer, in the base model's layout."""
    import shutil

    import torch
    from transformers import BertConfig, BertModel

    from index.encoders import resolve_model

    real = Path(resolve_model(Settings().embedding_model))
    shutil.copytree(real, folder, ignore=shutil.ignore_patterns("model.safetensors", "pytorch_model.bin"))
    config = json.loads((real / "config.json").read_text("utf-8"))
    torch.manual_seed(0)
    tiny = BertModel(BertConfig(vocab_size=config["vocab_size"], hidden_size=32, num_hidden_layers=2,
                                num_attention_heads=2, intermediate_size=64))
    tiny.save_pretrained(str(folder), safe_serialization=True)
    return folder
