"""Answer units: each passage's sentences and bullets, with what kind of line each is."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ingest.units import AnswerUnit, answer_units


@dataclass(frozen=True)
class _Passage:
    section_id: str
    doc_id: str
    text: str
    order: int = 0


def test_units_know_titles_context_lines_and_shared_topic_text():
    shared = "Foster and residential care is a complex activity."
    passages = [
        _Passage("qrg/rec-36", "qrg", f"Recommendation 36: Train carers.\nTopic: Care.\n{shared}\n"
                 "Who should take action: Social workers"),
        _Passage("qrg/rec-37", "qrg", f"Recommendation 37: Support carers.\n{shared}\nOwn sentence here."),
        _Passage("other/box-9", "other", shared),
    ]
    labels = {"qrg/rec-36": "Recommendation 36: Train carers", "qrg/rec-37": "Recommendation 37: Support carers",
              "other/box-9": "Box 9: Carers"}
    units = answer_units(passages, labels)
    kinds = {(u.section_id, u.text): (u.kind, u.shared) for u in units}
    assert kinds["qrg/rec-36", "Recommendation 36: Train carers."] == ("title", False)
    assert kinds["qrg/rec-36", "Topic: Care."] == ("context", False)
    assert kinds["qrg/rec-36", "Who should take action: Social workers"] == ("context", False)
    assert kinds["qrg/rec-36", shared] == ("text", True)  # shared by two sections of one document
    assert kinds["qrg/rec-37", "Own sentence here."] == ("text", False)
    assert kinds["other/box-9", shared] == ("text", False)  # another document: not boilerplate there
    assert [u.position for u in units if u.section_id == "qrg/rec-37"] == [0, 1, 2]
    assert {u.passage for u in units if u.section_id == "other/box-9"} == {2}


def test_a_box_that_only_points_elsewhere_is_a_title_not_a_sentence():
    passages = [_Passage("path/box-2", "path", "See Looked-after children / National strategy and commissioning"),
                _Passage("path/box-3", "path", "Plan services together.")]
    labels = {"path/box-2": "Box 2: National strategy and commissioning", "path/box-3": "Box 3: Local strategy"}
    units = answer_units(passages, labels, pointers={"path/box-2"})
    assert [(u.section_id, u.kind) for u in units] == [("path/box-2", "title"), ("path/box-3", "text")]
    assert [u.kind for u in answer_units(passages, labels)] == ["text", "text"]


def test_unit_round_trips_and_rejects_unknown_kinds():
    unit = AnswerUnit("s", 0, 1, 0, "A sentence.", "text", False)
    assert AnswerUnit.from_json(unit.to_json()) == unit
    with pytest.raises(ValueError):
        AnswerUnit.from_json({**unit.to_json(), "kind": "poem"})
