"""Unit tests for the app's answer/card formatting, feedback store and browse outline (no model, no server)."""

from __future__ import annotations

import re

import pytest

from ingest.model import Document, Section
from qa.answer import NEARBY_ONLY, NOT_COVERED, NOTHING_NEAR, refusal
from qa.model import Answer, AnswerLine, Citation, Hit, LineKind, Retrieval
from qa.service import outline_of
from tests.hostile_questions import QUESTIONS
from ui.browse import Outline, section_html
from ui.format import (
    EXAMPLES,
    answer_html,
    answering_sentences,
    card_html,
    esc,
    highlight,
    not_covered_html,
    section_href,
    shown_order,
    status_badge,
    topic_options,
    user_html,
)

PASSAGE = (
    "Recommendation 15: Support sibling placements.\n"
    "A sibling group is part of the identity of a child. Good management of sibling contact is important."
)


def cite(rank=1, **kw) -> Citation:
    base = dict(rank=rank, doc_id="ph28-qrg", title="PH28 quick reference guide", section="Recommendation 15: Support sibling placements",
                section_id="ph28-qrg/rec-15", text=PASSAGE, score=0.03, status="superseded", date="2010",
                superseded_by="NG205 (2021)", roles=("Placement teams", "Social workers"), kind="recommendation")
    base.update(kw)
    return Citation(**base)


def answer(**kw) -> Answer:
    base = dict(question="brothers and sisters?",
                lines=(AnswerLine("A sibling group is part of the identity of a child.", LineKind.QUOTE, (1,)),
                       AnswerLine("Training can be delivered in person.", LineKind.QUOTE, (2,)),
                       AnswerLine("Who should act: Placement teams; Social workers", LineKind.WHO_SHOULD_ACT, (1,)),
                       AnswerLine("Note: [1] comes from superseded guidance, replaced by NG205 (2021); check the current "
                                  "guidance.", LineKind.CURRENCY_NOTE, (1,))),
                refused=False,
                citations=(cite(1), cite(2, doc_id="nice-pathway-2021", title="NICE Pathway 2021", section="Box 10: Training for carers",
                                         section_id="nice-pathway-2021/box-10", text="Training can be delivered in person. Or virtually.",
                                         status="current", superseded_by=None, date="2021-10-20", roles=())))
    base.update(kw)
    return Answer(**base)


def test_plain_text_answer_is_rendered_from_the_lines():
    assert answer().answer.splitlines() == [
        "A sibling group is part of the identity of a child. [1]",
        "Training can be delivered in person. [2]",
        "Who should act: Placement teams; Social workers [1]",
        "Note: [1] comes from superseded guidance, replaced by NG205 (2021); check the current guidance.",
    ]
    assert answer().to_json()["lines"][0] == {"text": "A sibling group is part of the identity of a child.",
                                              "kind": "quote", "citations": [1]}
    assert Answer.from_json(answer().to_json()) == answer()


def test_answering_sentences_skip_who_should_act():
    found = answering_sentences(answer())
    assert found == {1: ["A sibling group is part of the identity of a child."], 2: ["Training can be delivered in person."]}


def test_answering_sentences_skip_the_topic_wide_roles_line_too():
    lines = tuple(AnswerLine("Who should act (listed for the whole topic): A; B", line.kind, line.citations)
                  if line.kind is LineKind.WHO_SHOULD_ACT else line for line in answer().lines)
    assert answering_sentences(answer(lines=lines)) == answering_sentences(answer())


def test_safety_notice_is_a_labelled_callout_first_on_answers_and_refusals():
    notice = "If a child is in immediate danger, call 999."
    safe = answer(lines=(*answer().lines, AnswerLine(notice, LineKind.SAFETY_NOTICE)), notices=(notice,))
    html = answer_html(safe)
    assert html.startswith('<div class="lac-answer"><div class="lac-safety" role="note">'
                           '<strong class="lac-safety-label">Safety notice</strong>')
    assert html.index(notice) < html.index("A sibling group")
    refused = refusal("help now", Retrieval(hits=(), best_similarity=0.0, similarity={}), 0.3, (notice,))
    assert refused.lines[0] == AnswerLine(notice, LineKind.SAFETY_NOTICE)
    html = answer_html(refused)
    assert html.startswith('<div class="lac-answer lac-refused"><div class="lac-safety"')
    assert html.index(notice) < html.index("cover this question")


def test_refusal_says_why_offers_only_near_topics_and_a_next_step_marked_as_ours():
    def hit(sid, label):
        doc = Document(doc_id="d", title="D", path="d.txt", text="", status="current")
        sec = Section(section_id=sid, doc_id="d", label=label, text="x", order=1)
        return Hit(section=sec, document=doc, passages=(), score=0.1)

    retrieval = Retrieval(hits=(hit("d/near", "Box 2: Safeguarding"), hit("d/far", "Glossary: virtual school")),
                          best_similarity=0.35, similarity={"d/near": 0.35, "d/far": 0.08})
    refused = refusal("q", retrieval, 0.3)
    assert refused.nearest_topics == ("Box 2: Safeguarding",)
    assert [line.kind for line in refused.lines] == [LineKind.REFUSAL, LineKind.NEAREST_TOPICS, LineKind.NEXT_STEP]
    assert refused.lines[0].text == f"{NOT_COVERED} {NEARBY_ONLY}"
    assert refused.lines[-1].text.startswith("Our suggestion (not from the guidance): ask the child's social worker")
    far_only = Retrieval(hits=retrieval.hits[1:], best_similarity=0.08, similarity={"d/far": 0.08})
    refused = refusal("What is the capital of France?", far_only, 0.3)
    assert refused.nearest_topics == () and refused.lines[0].text.endswith(NOTHING_NEAR)
    html = answer_html(refused)
    assert "lac-card" not in html and "lac-nearest" not in html
    assert '<p class="lac-next-step">Our suggestion (not from the guidance)' in html


def test_copy_text_is_the_plain_answer_with_numbered_sources():
    html = answer_html(answer())
    plain = re.search(r'<div class="lac-plain">(.*?)</div>', html).group(1)
    assert "<" not in plain.replace("<br>", "")
    assert "A sibling group is part of the identity of a child. [1]" in plain
    assert "Sources:<br>[1] Recommendation 15: Support sibling placements" in plain


def test_highlight_marks_only_the_answering_sentence():
    out = highlight(PASSAGE, ["A sibling group is part of the identity of a child."])
    assert out.count("<mark") == 1
    assert '<mark class="lac-hl">A sibling group is part of the identity of a child.</mark>' in out
    assert "Good management" in out and "<br>" in out  # newline kept as a line break


def test_highlight_finds_a_bullet_item_without_its_lead_in():
    passage = "Carers should:\n- ask for help early"
    out = highlight(passage, ["Carers should: ask for help early"])
    assert '<mark class="lac-hl">ask for help early</mark>' in out


def test_status_badges():
    assert status_badge("current", None) == ("lac-current", "Current guidance")
    assert status_badge("superseded", "NG205 (2021)") == ("lac-superseded", "Superseded by NG205 (2021)")
    titles = {"nice-pathway-2021": "NICE Pathway: Looked-after babies (2021, from NG205)"}
    assert status_badge("superseded", "nice-pathway-2021", titles)[1] == "Superseded by NG205 (2021)"
    assert status_badge("background", None)[1] == "Background news, not guidance"
    assert status_badge("unknown", None)[0] == "lac-unknown"


def test_card_has_title_section_roles_date_badge_and_link():
    html = card_html(cite(), ["A sibling group is part of the identity of a child."])
    for part in ("[1]", "Recommendation 15: Support sibling placements", "PH28 quick reference guide",
                 "Who should act:", "Placement teams; Social workers", "Date: 2010", "Superseded by NG205 (2021)",
                 'href="?section=ph28-qrg%2Frec-15"', "<mark"):
        assert part in html, part
    assert "target=" not in html  # the page script opens it in the section panel, not a new tab


def test_card_uses_roles_note_when_no_roles():
    html = card_html(cite(roles=(), roles_note="Roles are listed for the whole topic"), [])
    assert "Roles are listed for the whole topic" in html


def test_answer_html_short_answer_first_then_numbered_cards():
    html = answer_html(answer())
    assert html.index("lac-short") < html.index("lac-sources")
    assert re.findall(r'class="lac-card lac-src-(\d)"', html) == ["1", "2"]
    assert re.findall(r'lac-num" aria-hidden="true">\[(\d)\]', html) == ["1", "2"]
    # each [n] is a link to card n of the same message (the page script moves focus there)
    assert '<a class="lac-cite" href="#source-1"><span class="lac-sr">source </span>[1]</a>' in html
    assert '<a class="lac-cite" href="#source-2">' in html
    assert "\n\n" not in html  # one HTML block: the chat's Markdown leaves its inside alone


def test_refused_answer_shows_not_covered_and_topics():
    refused = Answer(question="What is the capital of France?", refused=True,
                     lines=(AnswerLine("The guidance in this collection doesn't cover this question.", LineKind.REFUSAL),),
                     nearest_topics=("Glossary: virtual school", "Box 9: Supporting and involving carers"))
    html = answer_html(refused)
    assert "Not covered by this guidance" in html and "doesn&#x27;t cover this question" in html
    assert "Glossary: virtual school" in html
    assert html == not_covered_html(refused)
    opts = topic_options(refused)
    assert [o["label"] for o in opts] == list(refused.nearest_topics)
    assert all(o["value"].startswith("What does the guidance say about ") for o in opts)


def test_every_corpus_and_user_string_is_escaped():
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    a = answer(lines=(AnswerLine(evil, LineKind.SAFETY_NOTICE), AnswerLine(evil, LineKind.QUOTE, (1,))), citations=(cite(title=evil, section=evil, text=evil, roles=(evil,), date=evil,
                                                     section_id='x"><script>y</script>'),),
               notices=(evil,))
    html = answer_html(a) + user_html(evil) + not_covered_html(
        Answer(question=evil, refused=True, lines=(AnswerLine(evil, LineKind.REFUSAL),), nearest_topics=(evil,)))
    assert "<script" not in html and "<img" not in html and 'onerror="' not in html
    assert "&lt;script&gt;" in html
    assert esc('a"b') == "a&quot;b"
    assert section_href("a/b c") == "?section=a%2Fb%20c"


def test_examples_are_grouped_by_persona():
    assert set(EXAMPLES) == {"Foster and kinship carers", "New social-care staff", "Trainers"}
    assert all(len(qs) >= 2 for qs in EXAMPLES.values())


def _fake_index():
    docs = {
        "b": Document(doc_id="b", title="Second <b>doc</b>", path="b.txt", text="", status="current", date="2021"),
        "a": Document(doc_id="a", title="First doc", path="a.txt", text="", status="superseded", superseded_by="b"),
    }
    secs = {
        "b/2": Section(section_id="b/2", doc_id="b", label="Two", text="second", order=2),
        "b/1": Section(section_id="b/1", doc_id="b", label="One", text="first <i>x</i>\nline two", order=1,
                       roles=("Social workers",)),
        "a/1": Section(section_id="a/1", doc_id="a", label="A one", text="alpha", order=1),
    }
    return FakeLibrary(docs, secs)


class FakeLibrary:
    """The read API of qa.service.Assistant over fixed records (no index, no model)."""

    def __init__(self, documents, sections):
        self._documents, self._sections = documents, sections

    def documents(self):
        return self._documents

    def section(self, section_id):
        return self._sections.get(section_id)

    def outline(self):
        return outline_of(self._documents, self._sections)


def test_browse_outline_keeps_document_and_section_order():
    outline = Outline.from_library(_fake_index())
    assert [d for _, d in outline.doc_choices()] == ["b", "a"]
    assert outline.section_choices("b") == [("One", "b/1"), ("Two", "b/2")]
    assert outline.neighbour("b/2", +1) == "a/1"
    assert outline.neighbour("b/1", -1) == "b/1"
    assert outline.doc_of("a/1") == "a"


def test_section_html_escapes_and_shows_status():
    index = _fake_index()
    html = section_html(index, "b/1")
    assert "&lt;i&gt;x&lt;/i&gt;" in html and "<i>" not in html
    assert "Second &lt;b&gt;doc&lt;/b&gt;" in html
    assert "Current guidance" in html and "Social workers" in html
    assert "Superseded by" in section_html(index, "a/1")
    assert "No section called" in section_html(index, "nope")


def test_a_line_about_the_document_comes_first_in_the_chat_not_in_the_copy():
    """"Is PH28 still current?": the document line (its date and status) opens the shown answer."""
    status = AnswerLine("About the source: PH28 quick reference guide (2010) is replaced by NG205 (2021).",
                        LineKind.DOCUMENT, (1,))
    a = answer(lines=(*answer().lines[:2], status, *answer().lines[2:]))
    html = answer_html(a)
    assert html.index("About the source") < html.index("A sibling group")
    assert a.answer.splitlines()[2].startswith("About the source")  # the Answer itself is unchanged
    assert [line.kind for line in shown_order(list(answer().lines))] == [line.kind for line in answer().lines]


# --- markup in questions (reliability) --------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", ["HTML script", "HTML img onerror", "Markdown tricks"])
def test_markup_in_questions_shows_as_text_in_the_app(assistant, name):
    from ui.format import answer_html, user_html

    answer = assistant.ask(QUESTIONS[name][0])
    for markup in (user_html(answer.question), answer_html(answer)):
        tags = _tags(markup)
        assert not {t for t, _ in tags} & {"script", "img", "iframe", "object", "embed", "style", "svg"}
        for _, attrs in tags:
            assert not [k for k, _ in attrs if k.startswith("on")]
            assert not [v for k, v in attrs if k in ("href", "src") and v and "evil.example" in v]
    assert "&lt;" in user_html(answer.question) or name == "Markdown tricks"


def _tags(markup: str) -> list[tuple[str, list]]:
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(markup)
    return found
