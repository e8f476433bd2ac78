"""Every example question in the app demos well: its answer quotes substantive text (not only a title) from the
section a trainer would expect. Replace an example that stops doing so rather than loosening this test."""

from __future__ import annotations

import pytest

from qa.model import LineKind
from ui.format import EXAMPLES

pytestmark = pytest.mark.slow

EXPECTED_SECTION = {
    "Can I get a break from caring?": "nice-pathway-2021/box-9",
    "Will the child I look after be placed with their brothers and sisters?": "ph28-qrg/rec-15",
    "What support should connected carers get?": "nice-pathway-2021/box-9",
    "What mandatory training should foster carers have?": "nice-pathway-2021/box-10",
    "What support is there for young people moving to independent living?": "ph28-qrg/rec-46",
    "How should services respond to safeguarding risks outside the home?": "nice-pathway-2021/box-2",
    "What is a virtual school head?": "nice-pathway-2021/glossary-virtual-school",
    "How should carers support a child's education?": "ph28-qrg/rec-44",
    "What is life story work?": "nice-pathway-2021/glossary-life-story-work",
}
MIN_WORDS = 8  # a sentence, not a title such as "Quality statement 3: Stability and quality of placements."


def _folded(text: str) -> str:
    return " ".join(text.replace("’", "'").split())


def test_every_example_has_an_expected_section():
    assert sorted(q for qs in EXAMPLES.values() for q in qs) == sorted(EXPECTED_SECTION)


@pytest.mark.parametrize("question", sorted(EXPECTED_SECTION))
def test_example_answer_quotes_substance_from_the_expected_section(assistant, question):
    answer = assistant.ask(question)
    assert not answer.refused
    by_rank = {c.rank: c for c in answer.citations}
    section = assistant.index.sections[EXPECTED_SECTION[question]]
    substantive = []
    for line in answer.lines:
        if line.kind not in (LineKind.QUOTE, LineKind.DEFINITION):
            continue
        if not any(by_rank[r].section_id == section.section_id for r in line.citations):
            continue
        text = line.text.split(": ", 1)[1] if line.kind is LineKind.DEFINITION else line.text
        is_title = _folded(text).rstrip(".") == _folded(section.label).rstrip(".")
        if not is_title and len(text.split()) >= MIN_WORDS and _folded(text) in _folded(section.text):
            substantive.append(text)
    assert substantive, f"{question!r}: no substantive sentence from {section.section_id}: {answer.answer}"
