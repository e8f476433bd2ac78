"""Answer quality rules: safety notice triggers (data), jargon help, currency, partial coverage."""

from __future__ import annotations

import pytest

from qa.conversation import question_parts
from qa.model import LineKind
from qa.safety import safety_notices
from qa.terms import first_clause, spelled_out


@pytest.mark.parametrize("question", [
    "I think he is being abused at school",
    "My foster son is missing since last night, what do I do?",
    "he hasn't come home and it's 2am",
    "She is talking about suicide",
    "the child is in danger right now",
    "he keeps cutting himself",
    "my foster son has started self harming",
    # the walkthrough's questions (issue 13) and their kind: a child not home, someone hurting them, running away now
    "My foster son hasn't come home tonight, what should I do?",
    "The girl I foster just told me someone at home is hurting her. What do I do?",
    "she ran off and we don't know where she is",
    "he is planning to run away tonight",
    "My 14 year old has run away again, what do I do?",
    "my foster daughter is missing",
    "a child was hit by her father",
    "our foster child has disclosed abuse",
    "she is scared to go home because her mum hurts her",
    "I think someone is grooming her online",
    "she is being sexually exploited",
    "she said she doesn't want to live anymore",
    "She says she wants to kill herself",
])
def test_safety_notice_on_danger_or_disclosure(question):
    """The floor alone (no question vector): the classifier's cases are in tests/test_safety.py."""
    (notice,) = safety_notices(question)
    assert notice.startswith("Standard safety notice (not from the guidance)") and "999" in notice


@pytest.mark.parametrize("question", [
    "What training covers safeguarding?",
    "What does the guidance say about abuse and exploitation?",
    "What should happen if a child keeps going missing?",
    "How do I report concerns about exploitation?",
    "What is contextual safeguarding?",
    "Can I get a break from caring?",
    "What does the guidance say about self-harm?",
    "How can carers help a child who self-harms?",
    "What does the guidance say about children who go missing from care?",
    "Which recommendation covers children who run away from care?",
    "How should staff respond to a disclosure of abuse?",
    "What training covers child sexual exploitation?",
    "What should happen when a young person moves to independent living?",
    "Will the child I look after be placed with their brothers and sisters?",
])
def test_no_safety_notice_for_topic_questions(question):
    assert safety_notices(question) == ()


def test_abbreviations_are_spelt_out_case_sensitively():
    assert spelled_out("Ask CAMHS and the IRO.") == [
        "CAMHS = child and adolescent mental health services", "IRO = independent reviewing officer"]
    assert spelled_out("a nice day") == []


def test_first_clause_of_a_glossary_definition():
    assert first_clause("relatives, friends or others: if a child cannot live at home; more") == "relatives, friends or others"


def test_compound_questions_split_and_keep_their_reference():
    assert question_parts("Can I get respite and how much will I be paid for it?") == [
        "Can I get respite", "Can I get respite how much will I be paid for it?"]
    assert question_parts("What training must carers get?") == ["What training must carers get?"]


@pytest.mark.slow
def test_jargon_in_an_answer_is_explained_from_the_glossary(assistant):
    answer = assistant.ask("What training should carers get about being an educational advocate?")
    glossary = [c for c in answer.citations if c.kind == "glossary"]
    assert glossary and glossary[0].section_id == "nice-pathway-2021/glossary-virtual-school"
    assert "virtual school: the virtual school champions" in answer.answer


@pytest.mark.slow
def test_answer_from_ph28_says_it_was_replaced(assistant):
    answer = assistant.ask("Which recommendation covers sibling placements and who must act on it?")
    assert answer.citations[0].section_id == "ph28-qrg/rec-15"
    assert "Who should act: Placement teams; Social workers and social work managers [1]" in answer.answer
    assert "NICE has replaced with NG205 (2021)" in answer.answer


@pytest.mark.slow
def test_partially_covered_question_says_which_part_is_not_covered(assistant):
    answer = assistant.ask("Can I get respite and how much will I be paid for it?")
    assert not answer.refused and "respite" in answer.answer
    assert "doesn't answer this part of your question: “how much will I be paid for it?”" in answer.answer


@pytest.mark.slow
def test_disclosure_gets_the_notice_before_any_answer(assistant):
    answer = assistant.ask("She told me her dad hits her at contact, what do I do?")
    assert answer.notices and "999" in answer.notices[0]
    assert answer.to_json()["notices"] == list(answer.notices)


@pytest.mark.parametrize("question, outside", [
    ("how much is the fostering allowance per week?", True),
    ("What is the maximum dose of melatonin for a 10 year old?", True),
    ("What are the adoption laws in Germany?", True),
    ("What is the salary of an IRO?", True),
    ("does the guidance say anything about money for family carers?", False),
    ("How much training should carers get?", False),
    ("What does the law in England say about care plans?", False),
])
def test_scope_rules_catch_kinds_of_question_not_topics(question, outside):
    from qa.scope import outside_scope

    assert outside_scope(question) is outside


@pytest.mark.slow
def test_amount_questions_are_refused_even_when_they_share_words(assistant):
    answer = assistant.ask("How much is the fostering allowance per week for a 10 year old?")
    assert answer.refused and not answer.citations
    assert any(line.kind is LineKind.NEXT_STEP for line in answer.lines)


@pytest.mark.slow
def test_a_near_domain_refusal_offers_the_nearest_topics(assistant):
    """Uniform costs are not in the guidance; its sections on education are near (LAC_NEAREST_TOPIC_SIMILARITY)."""
    answer = assistant.ask("who pays for the school uniform of a child in care")
    assert answer.refused and not answer.citations
    assert any("education" in topic.lower() or "school" in topic.lower() for topic in answer.nearest_topics)


@pytest.mark.slow
def test_markup_in_a_question_does_not_drag_retrieval_off_topic(assistant):
    plain = assistant.ask("Can siblings be placed together?")
    marked = assistant.ask('<img src=x onerror="alert(1)"> Can siblings be placed together?')
    assert not marked.refused
    assert [c.section_id for c in marked.citations] == [c.section_id for c in plain.citations]


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "What is the role of the IRO?",
    "What does the guidance say about placement stability?",
    "What training should foster carers get?",
])
def test_titles_never_stand_as_the_answer(assistant, question):
    from qa.model import LineKind

    answer = assistant.ask(question)
    labels = {s.label.rstrip(".") for s in assistant.index.sections.values()}
    quotes = [line.text.rstrip(".") for line in answer.lines if line.kind is LineKind.QUOTE]
    assert answer.refused or any(q not in labels for q in quotes)
    assert not set(quotes) & labels  # a title is shown as a title line, never as a quoted sentence


@pytest.mark.slow
def test_a_ph28_title_is_shown_plainly_and_a_who_part_is_answered_by_its_roles(assistant):
    from qa.model import LineKind

    answer = assistant.ask("Which recommendation covers sibling placements and who must act?")
    titles = [line for line in answer.lines if line.kind is LineKind.TITLE]
    assert titles and "Recommendation 15: Support sibling placements (2010, replaced by NG205" in titles[0].text
    kinds = [line.kind for line in answer.lines]
    assert LineKind.WHO_SHOULD_ACT in kinds and LineKind.NOT_COVERED_PART not in kinds


@pytest.mark.slow
def test_not_covered_offers_a_generic_next_step_marked_as_ours(assistant):
    from qa.model import LineKind

    near = assistant.ask("How much is the fostering allowance per week for a 10 year old?")
    step = [line for line in near.lines if line.kind is LineKind.NEXT_STEP]
    assert near.refused and step and step[0].text.startswith("Our suggestion (not from the guidance)")


@pytest.mark.slow
def test_a_topic_switch_does_not_borrow_the_previous_question(assistant):
    answer = assistant.ask("whats a virtual school", ["who do i ring at night when theres a crisis"])
    assert answer.citations[0].section_id == "nice-pathway-2021/glossary-virtual-school"


@pytest.mark.slow
@pytest.mark.parametrize("earlier, question", [
    ("What does NG205 say about respite care for carers?", "What's the football score tonight?"),
    ("what training do foster carers have to do", "How do I fix a puncture on my bike?"),
])
def test_a_far_topic_switch_is_refused_not_answered_from_the_previous_question(assistant, earlier, question):
    """With the earlier question each would find something (the gain is above the fitted margin), but it neither
    points back nor comes close to anything the guidance says: a new topic, which the guidance does not cover."""
    answer = assistant.ask(question, [earlier])
    assert answer.refused and not answer.citations


@pytest.mark.slow
def test_a_follow_up_that_points_back_borrows_the_previous_question(assistant):
    answer = assistant.ask("who arranges it", ["What does NG205 say about respite care for carers?"])
    assert not answer.refused and answer.citations[0].section_id == "nice-pathway-2021/box-9"


@pytest.mark.slow
def test_a_question_about_the_guidance_says_what_the_source_is(assistant):
    from qa.model import LineKind

    answer = assistant.ask("Is PH28 still current?")
    documents = [line.text for line in answer.lines if line.kind is LineKind.DOCUMENT]
    assert any("replaced it with NG205" in text for text in documents)
