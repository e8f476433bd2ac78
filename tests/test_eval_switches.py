"""The topic-switch measurement pairs each answerable question with an unrelated earlier one, deterministically."""

from __future__ import annotations

from eval.questions import Question
from eval.switches import unrelated_pairs


def _q(qid: str, gold: str | None, history: tuple[str, ...] = ()) -> Question:
    answerable = gold is not None
    return Question(id=qid, split="dev", persona="carer", kind="follow-up" if history else
                    ("practical" if answerable else "far-out-of-scope"), scope="in" if answerable else "far",
                    question=f"question {qid}", history=history, target=gold,
                    gold_sections=(gold,) if gold else (), evidence=("span",) if gold else ())


def test_each_answerable_question_gets_an_earlier_one_on_another_topic():
    questions = [_q("a", "s1"), _q("b", "s1"), _q("c", "s2"), _q("d", None), _q("e", "s3"),
                 _q("f", "s2", history=("earlier",))]
    pairs = unrelated_pairs(questions)
    assert [(earlier, q.id) for earlier, q in pairs] == [
        ("question c", "a"), ("question e", "b"), ("question e", "c"), ("question b", "e")]
    assert pairs == unrelated_pairs(questions)


def test_a_question_with_no_unrelated_one_is_left_out():
    assert unrelated_pairs([_q("a", "s1"), _q("b", "s1")]) == []
