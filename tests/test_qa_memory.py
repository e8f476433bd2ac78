"""The question memory (qa/memory.py): signals per section, leave-one-out in the fit, the files it ships in."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import qa.memory
from errors import FittedDataError
from eval.fit import held_out_memories, linked, load_split, question_memory
from qa.evidence import FEATURES, MEMORY_VECTORS, EvidenceWeights
from qa.memory import QuestionMemory

WORDS = ("zebra", "stripes", "quartz", "crystal", "lantern")


class WordEmbedder:
    """A stand-in encoder: the normalised sum of one fixed direction per known word."""

    def embed_query(self, text: str) -> np.ndarray:
        vector = np.zeros(len(WORDS), dtype=np.float32)
        for word in text.lower().split():
            if word.strip("?") in WORDS:
                vector[WORDS.index(word.strip("?"))] += 1.0
        return vector / (np.linalg.norm(vector) or 1.0)


def _item(qid: str, question: str, sections: list[str], history: tuple[str, ...] = (), kind: str = "practical",
          scope: str = "in") -> dict:
    return {"id": qid, "question": question, "history": list(history), "kind": kind, "scope": scope,
            "gold_sections": sections, "evidence": ["a span"] if scope == "in" else []}


TRAIN = [
    _item("zebra-1", "zebra stripes", ["box-2"]),
    _item("zebra-follow", "and lantern", ["box-2"], history=("zebra stripes",), kind="follow-up"),
    _item("zebra-again", "zebra stripes?", ["box-9"]),  # another wording, same vector: a near-duplicate
    _item("quartz-1", "quartz crystal", ["box-9", "rec-15"]),
    _item("oos-1", "lantern", [], scope="near"),
]


def _memory() -> tuple[SimpleNamespace, QuestionMemory]:
    assistant = SimpleNamespace(embedder=WordEmbedder())
    return assistant, question_memory(assistant, TRAIN)


def test_only_answerable_questions_are_remembered_with_their_gold_sections():
    _, memory = _memory()
    assert memory.ids == ("zebra-1", "zebra-follow", "zebra-again", "quartz-1")
    assert memory.sections[3] == ("box-9", "rec-15")


def test_the_sections_of_the_nearest_remembered_questions_get_their_votes(monkeypatch):
    monkeypatch.setattr(qa.memory, "NEAREST", 1)
    _, memory = _memory()
    signals = memory.section_signals(WordEmbedder().embed_query("quartz crystal lantern"), ["rec-15", "box-2", "box-5"])
    assert signals.tolist() == [[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]  # box-5 answers no remembered question
    monkeypatch.setattr(qa.memory, "NEAREST", 2)  # the follow-up mentioning a lantern is the second nearest
    signals = memory.section_signals(WordEmbedder().embed_query("quartz crystal lantern"), ["rec-15", "box-2", "box-9"])
    assert signals[:, 0].tolist() == [0.5, 0.5, 0.5]


def test_leave_one_out_drops_the_question_its_conversation_and_near_duplicates():
    assistant, memory = _memory()
    memories = held_out_memories(assistant, TRAIN, memory)
    assert memories["zebra-1"].ids == ("quartz-1",)  # itself, its follow-up and its other wording left out
    assert memories["zebra-follow"].ids == ("zebra-again", "quartz-1")  # "zebra stripes?" is not its history
    assert memories["quartz-1"].ids == ("zebra-1", "zebra-follow", "zebra-again")
    assert memories["oos-1"].ids == memory.ids  # not remembered, nothing linked: the whole memory
    assert linked(TRAIN[0], TRAIN[1]) and not linked(TRAIN[0], TRAIN[3])


def test_a_question_left_out_no_longer_lifts_its_own_section(monkeypatch):
    monkeypatch.setattr(qa.memory, "NEAREST", 1)
    assistant, memory = _memory()
    own = held_out_memories(assistant, TRAIN, memory)["zebra-1"]
    vector = WordEmbedder().embed_query("zebra stripes")
    assert memory.section_signals(vector, ["box-2"]).tolist() == [[1.0, 1.0]]
    assert own.section_signals(vector, ["box-2"]).tolist() == [[0.0, 0.0]]


def _weights(memory: QuestionMemory) -> EvidenceWeights:
    n = len(FEATURES)
    return EvidenceWeights(FEATURES, np.zeros(n), np.ones(n), np.ones(n), 0.0, np.zeros((3, 5), np.float32),
                           0.2, 0.5, 0.1, 0.3, memory=memory)


def test_weights_and_memory_are_saved_byte_for_byte_the_same_and_load_back(tmp_path):
    _, memory = _memory()
    first, second = tmp_path / "a" / "evidence_weights.json", tmp_path / "b" / "evidence_weights.json"
    for path in (first, second):
        path.parent.mkdir()
        _weights(memory).save(path)
    for name in (first.name, MEMORY_VECTORS):
        assert (first.parent / name).read_bytes() == (second.parent / name).read_bytes()
    loaded = EvidenceWeights.load(first).memory
    assert loaded.ids == memory.ids and loaded.sections == memory.sections
    np.testing.assert_array_equal(loaded.vectors, memory.vectors)


def test_damaged_or_missing_memory_is_a_clear_error(tmp_path):
    _, memory = _memory()
    path = tmp_path / "evidence_weights.json"
    _weights(memory).save(path)
    vectors = path.with_name(MEMORY_VECTORS)
    vectors.write_bytes(vectors.read_bytes()[:-2] + b"\x00\x01")
    with pytest.raises(FittedDataError, match="python -m eval.fit"):
        EvidenceWeights.load(path)
    vectors.unlink()
    with pytest.raises(FittedDataError, match="cannot be read"):
        EvidenceWeights.load(path)


def test_the_shipped_memory_holds_answerable_train_questions_only():
    memory = EvidenceWeights.load().memory
    train = {i["id"]: i for i in load_split("train")}
    assert memory.ids and set(memory.ids) <= set(train)
    assert all(train[qid]["scope"] == "in" and tuple(train[qid]["gold_sections"]) == sections
               for qid, sections in zip(memory.ids, memory.sections))
    assert len(memory.ids) == sum(i["scope"] == "in" and bool(i["evidence"]) for i in train.values())


@pytest.mark.slow
def test_a_paraphrase_of_a_train_question_finds_its_section_in_the_memory():
    from qa.service import Assistant
    from settings import Settings

    assistant = Assistant(Settings.from_env())
    assistant.warm_up()
    train = {i["id"]: i for i in load_split("train")}
    memory = assistant.weights.memory
    vector = assistant.embedder.embed_query("What does trauma-informed training for foster carers need to cover?")
    nearest = memory.ids[int(np.argmax(memory.similarities(vector)))]
    gold = train[nearest]["gold_sections"][0]
    other = next(s for s in assistant.index.sections if s not in {x for ss in memory.sections for x in ss})
    signals = memory.section_signals(vector, [gold, other])
    assert "trauma" in train[nearest]["question"].lower()
    assert signals[0, 0] >= 1 / qa.memory.NEAREST and signals[0, 1] == 1.0 and signals[1].tolist() == [0.0, 0.0]
