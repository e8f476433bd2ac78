"""How a baseline's raw-text chunk is mapped to the sections it contains (no model needed)."""

from __future__ import annotations

from eval.baselines import SectionMatcher
from ingest.model import Section

LONG_A = "Provide out of hours support services for carers to help resolve urgent problems through social workers on call"
SHARED = "A sibling group is part of the identity of a child or young person and can help their sense of belonging"


def sections():
    return [
        Section("d/box-1", "d", "Box 1", LONG_A),
        Section("d/box-2", "d", "Box 2", "No additional information"),
        Section("d/rec-15", "d", "Recommendation 15", f"Recommendation 15: Support sibling placements.\n{SHARED}"),
        Section("d/rec-16", "d", "Recommendation 16", f"Recommendation 16: Keep in touch.\n{SHARED}"),
        Section("e/box-1", "e", "Box 1", LONG_A),
    ]


def test_long_section_needs_a_unique_run_of_words():
    m = SectionMatcher(sections())
    chunk = "intro text. Provide out-of-hours support\nservices for carers to help resolve urgent problems, more"
    assert m.sections_in(chunk, "d") == ["d/box-1"]
    assert m.sections_in("Provide out of hours support services", "d") == []  # too short a piece
    assert m.sections_in(chunk, "e") == ["e/box-1"]  # only sections of the chunk's own document


def test_short_section_must_be_contained_whole():
    m = SectionMatcher(sections())
    assert "d/box-2" in m.sections_in("2 Box\n\nNo additional\ninformation\n\n3 Next", "d")
    assert "d/box-2" not in m.sections_in("No additional", "d")


def test_shared_text_identifies_no_section_but_a_printed_heading_does():
    m = SectionMatcher(sections())
    assert m.sections_in(SHARED, "d") == []
    found = m.sections_in(f"e Placement teams Recommendation 15: Support sibling\n{SHARED}", "d")
    assert found == ["d/rec-15"]
    assert m.sections_in("as in recommendation 16 above", "d") == []  # a lower-case cross-reference is not a heading
