"""The evaluation's scoring functions, pinned on tiny hand-made inputs (no model, no index)."""

from __future__ import annotations

import pytest

from eval import metrics
from eval.harness import Result, aggregate, breakdown, cited_sections, misses, run, score_one
from eval.questions import Question
from eval.titles import TitleDetector
from ingest.model import Section

A, B, C = frozenset({"a"}), frozenset({"b"}), frozenset({"c"})

SPAN = "Provide out-of-hours support for carers, which should include access to a social worker on call."
OTHER_SENTENCE = "Carers should be told about the fostering service's complaints procedure."


def quote(text, *ranks):
    return {"text": text, "kind": "quote", "citations": list(ranks)}


# ---------------------------------------------------------------- sections


def test_hit_and_mrr():
    ranked = [B, A, C]
    assert metrics.hit_at(ranked, ["a"], 1) == 0.0
    assert metrics.hit_at(ranked, ["a"], 3) == 1.0
    assert metrics.reciprocal_rank(ranked, ["a"], 5) == pytest.approx(0.5)
    assert metrics.reciprocal_rank(ranked, ["z"], 5) == 0.0
    assert metrics.reciprocal_rank([B, C, B, C, B, A], ["a"], 5) == 0.0  # rank 6 is beyond @5
    assert metrics.first_gold_rank([], ["a"], 5) is None


def test_any_of_several_gold_ids_counts():
    assert metrics.hit_at([C, B], ["a", "b"], 2) == 1.0
    assert metrics.hit_at([frozenset({"x", "a"})], ["a"], 1) == 1.0  # a chunk containing several sections


def test_precision_and_recall():
    assert metrics.citation_precision([A, B, C], ["a", "b"]) == pytest.approx(2 / 3)
    assert metrics.citation_precision([], ["a"]) is None
    assert metrics.citation_recall([A, C], ["a", "b"]) == pytest.approx(0.5)
    assert metrics.citation_recall([], ["a"]) == 0.0
    with pytest.raises(ValueError):
        metrics.citation_recall([A], [])


# ---------------------------------------------------------------- evidence


def test_normalise_folds_whitespace_quotes_and_bullets():
    assert metrics.normalise("- the child’s  “plan”\n- next\n  line") == "the child's \"plan\" next line"
    # what ingest changes in the raw files: link targets dropped, hard-wrapped hyphenated words rejoined
    assert metrics.normalise("(see [positive relationships](#)) for unaccompanied asylum-\nseeking children") == \
        metrics.normalise("(see positive relationships) for unaccompanied asylum-seeking children")
    assert metrics.normalise("a dash - stays") == "a dash - stays"
    assert metrics.normalise("• Placing children first;") == "Placing children first;"


def test_evidence_at_1_needs_the_span_in_the_first_passage_not_just_the_right_section():
    right_section_wrong_passage = f"Box 9: Supporting carers.\n{OTHER_SENTENCE}"
    holding = f"Intro line.\n- {SPAN.replace(' carers,', chr(10) + 'carers,')}\nMore."  # span broken over lines
    assert metrics.evidence_at([right_section_wrong_passage, holding], [SPAN], 1) == 0.0
    assert metrics.evidence_at([right_section_wrong_passage, holding], [SPAN], 3) == 1.0
    assert metrics.evidence_at([holding], [SPAN], 1) == 1.0
    assert metrics.evidence_at(["a", "b", "c", holding], [SPAN], 3) == 0.0  # rank 4 is beyond @3
    assert metrics.evidence_at([], [SPAN], 1) == 0.0


def test_evidence_span_trailing_punctuation_and_any_of_several_spans():
    assert metrics.holds_span("- keep siblings together where possible;", ["keep siblings together where possible."])
    assert metrics.holds_span("text B here", ["text A", "text B"])
    assert not metrics.holds_span("keep siblings apart", ["keep siblings together"])


def test_main_clause_cuts_at_the_first_break_leaving_40_characters():
    # ", which " starts at character 39: too early to cut, so the whole span is its main clause
    assert metrics.main_clause(SPAN) == SPAN.rstrip(".")
    long_head = "Give looked-after children and young people a say in decisions; involve their carers too."
    assert metrics.main_clause(long_head) == "Give looked-after children and young people a say in decisions"
    assert metrics.main_clause("Short head: then a long explanation follows here in the tail part.") == \
        "Short head: then a long explanation follows here in the tail part"  # 'Short head' < 40: no cut there
    assert metrics.main_clause("Practitioners should consider the following - in order of priority.") == \
        "Practitioners should consider the following"
    assert metrics.main_clause("Offer training to carers (including connected carers) every year.") == \
        "Offer training to carers (including connected carers) every year"  # '(' at 25 < 40
    assert metrics.main_clause("Offer all foster carers and residential staff training (see box 10).") == \
        "Offer all foster carers and residential staff training"
    assert metrics.main_clause("- A bullet with no break at all.") == "A bullet with no break at all"


def test_answer_evidence_counts_the_main_clause_and_skips_framing_lines():
    span = "Make sure that every looked-after child has a named health professional; this should be agreed early."
    clause_only = [quote("Make sure that every looked-after child has a named health professional.", 1)]
    framing = [{"text": span, "kind": "currency-note", "citations": []}, {"text": span, "kind": "term"},
               {"text": span, "kind": "document", "citations": [1]}]
    assert metrics.answer_evidence(clause_only, [span]) == 1.0
    assert metrics.answer_evidence(framing, [span]) == 0.0
    assert metrics.answer_evidence([quote("Make sure that every looked-after child is happy.", 1)], [span]) == 0.0
    assert metrics.answer_evidence([{"text": f"Virtual school: {span}", "kind": "definition", "citations": [2]}],
                                   [span]) == 1.0
    assert metrics.answer_evidence([], [span]) == 0.0


def test_answer_evidence_reads_the_title_and_who_should_act_lines_of_a_which_recommendation_answer():
    """A correct answer to "Which PH28 rec is about IROs using current information, and who's named?" shows the
    recommendation as a title line and its roles as a "Who should act" line (issue 12: titles are never quoted
    as sentences). Its gold spans are that title and a role: read from quote lines only, it would be a miss."""
    spans = ["Recommendation 13: Use current information", "Independent reviewing officers"]
    answer = [
        {"text": "PH28 quick reference guide has a recommendation on this: Recommendation 13: Use current information "
                 "to make decisions about placement changes (2010, replaced by NG205 (2021)).", "kind": "title",
         "citations": [1]},
        quote("Children and young people need to be involved in decisions about placement changes.", 1),
        {"text": "Who should act (listed for the whole topic): Placement teams; Independent reviewing officers",
         "kind": "who-should-act", "citations": [1]},
    ]
    citations = [{"rank": 1, "section_id": "ph28-qrg/rec-13"}]
    gold = ["ph28-qrg/rec-13"]
    assert metrics.answer_evidence(answer, spans, citations=citations, gold=gold) == 1.0
    assert metrics.answer_evidence(answer, spans[1:], citations=citations, gold=gold) == 1.0  # the role alone
    # the quoted-lines-only reading scores this correct answer as a miss
    assert metrics.answer_evidence(answer, spans, metrics.CONTENT_KINDS, citations=citations, gold=gold) == 0.0
    # a title or role list counts only as the words of a gold section: the same roles under another
    # recommendation (roles recur across recommendations) are not evidence
    other = [{"rank": 1, "section_id": "ph28-qrg/rec-12"}]
    assert metrics.answer_evidence(answer, spans[1:], citations=other, gold=gold) == 0.0
    assert metrics.answer_evidence(answer, spans[1:]) == 0.0


def test_answer_evidence_a_bullet_joined_to_its_lead_in():
    span = "- record keeping and the child's life story"
    assert metrics.answer_evidence([quote("Training should cover: record keeping and the child's life story.", 1)],
                                   [span]) == 1.0


# ---------------------------------------------------------------- title-only

TOPIC = "Foster and residential care is a complex activity. Carers who feel supported do better."


def sections():
    return [
        Section("q/rec-35", "q", "Recommendation 35: Assure the quality of foster and residential care",
                f"Recommendation 35: Assure the quality of foster and residential care.\nTopic: Supporting care.\n{TOPIC}",
                kind="recommendation"),
        Section("q/rec-36", "q", "Recommendation 36: Train foster and residential carers",
                f"Recommendation 36: Train foster and residential carers.\nTopic: Supporting care.\n{TOPIC}",
                kind="recommendation"),
        Section("p/box-10", "p", "Box 10: Training for carers",
                "Provide mandatory training for carers on safeguarding.\n- attachment\n- trauma", kind="box"),
        Section("p/qs-3", "p", "Quality statement 3: Stability and quality of placements",
                "Looked-after children have a stable placement.", kind="quality-statement"),
        Section("r/rec-36", "r", "Recommendation 36", f"Unrelated text that shares: {TOPIC}"),
    ]


def test_title_detector_from_corpus_structure():
    is_title = TitleDetector(sections())
    assert is_title("Recommendation 36: Train foster and residential carers.")
    assert is_title("Train foster and residential carers")  # label without its "Recommendation N:" prefix
    assert is_title("Quality statement 3: Stability and quality of placements.")
    assert is_title("Stability and quality of placements")
    assert is_title("Foster and residential care is a complex activity.")  # shared topic paragraph
    assert is_title("Topic: Supporting care.")
    assert not is_title("Provide mandatory training for carers on safeguarding.")
    assert not is_title("Looked-after children have a stable placement.")


def test_title_only_answers():
    is_title = TitleDetector(sections())
    titles = [quote("Recommendation 36: Train foster and residential carers.", 1),
              quote("Foster and residential care is a complex activity.", 1),
              {"text": "Who should act: Directors", "kind": "who-should-act", "citations": [1]}]
    assert metrics.title_only(titles, is_title)
    assert not metrics.title_only(titles + [quote("Provide mandatory training for carers on safeguarding.", 2)],
                                  is_title)
    assert metrics.title_only([{"text": "Recommendation 36", "kind": "title", "citations": [1]}], is_title)
    assert not metrics.title_only([{"text": "Foster carers: people who", "kind": "definition"}], is_title)
    assert not metrics.title_only([], is_title)


# ---------------------------------------------------------------- support


def test_support_counts_quote_lines_against_the_passage_they_cite():
    citations = [
        {"rank": 1, "text": "Provide  out-of-hours support\nfor carers. Other text."},
        {"rank": 2, "text": "Ensure training covers:\n- safeguarding procedures\n- record keeping"},
    ]
    lines = [quote("Provide out-of-hours support for carers.", 1), quote("Ensure training covers: record keeping", 2),
             quote("Made-up claim.", 1), {"text": "Who should act: anyone", "kind": "who-should-act",
                                          "citations": [1]}]
    assert metrics.support_counts(lines, citations) == (2, 3)
    assert metrics.support_counts([quote("Other text.", 2)], citations) == (0, 1)  # only the passage it names
    assert metrics.support_counts([quote("Other text.")], citations) == (1, 1)  # none named: any cited passage


def test_percentile_and_mean():
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert metrics.percentile(values, 50) == 3.0
    assert metrics.percentile(values, 95) == 5.0
    assert metrics.percentile([], 50) is None
    assert metrics.mean([1.0, None, 0.0]) == 0.5 and metrics.mean([]) is None


# ---------------------------------------------------------------- scoring and aggregation


def q(id, scope="in", kind=None, split="dev", persona="carer", history=()):
    kind = kind or {"in": "practical", "near": "near-out-of-scope", "far": "far-out-of-scope"}[scope]
    gold = {"gold_sections": ["a"], "evidence": [SPAN]} if scope == "in" else {}
    return Question(id=id, split=split, persona=persona, kind=kind, scope=scope, question=f"question {id}",
                    history=history, **gold)


def product_answer(first_text, first_section="a", refused=False):
    return {"refused": refused,
            "citations": [] if refused else [{"rank": 1, "section_id": first_section, "text": first_text},
                                             {"rank": 2, "section_id": "b", "text": SPAN}],
            "lines": [{"text": "The guidance doesn't cover this.", "kind": "refusal", "citations": []}] if refused
            else [quote(first_text, 1)]}


def never_title(_text):
    return False


def test_cited_sections_product_and_baseline_shapes():
    answer = {"citations": [{"rank": 2, "section_id": "b"}, {"rank": 1, "section_id": None, "covers": ["a", "c"]},
                            {"rank": 3, "covers": []}]}
    assert cited_sections(answer) == [frozenset({"a", "c"}), B, frozenset()]


def test_score_one_right_section_without_the_evidence():
    scores = score_one(q("1"), product_answer(OTHER_SENTENCE), never_title)
    assert scores["hit@1"] == 1.0 and scores["evidence@1"] == 0.0 and scores["evidence@3"] == 1.0
    assert scores["answer_evidence"] == 0.0 and (scores["supported"], scores["quoted"]) == (1, 1)
    assert misses(Result(q("1"), product_answer(OTHER_SENTENCE), 0.0, scores=scores)) == \
        ["evidence@1", "answer_evidence"]


def test_baseline_answers_are_n_a_on_line_figures():
    baseline = {"refused": False, "citations": [{"rank": 1, "covers": ["a"], "text": f"chunk {SPAN} chunk"}]}
    scores = score_one(q("1"), baseline, never_title)
    assert scores["evidence@1"] == 1.0 and scores["answer_evidence"] is None and scores["title_only"] is None


def test_aggregate_refusal_kinds_and_figures():
    items = [
        (q("1"), product_answer(SPAN)),                       # perfect
        (q("2"), product_answer(OTHER_SENTENCE)),             # right section, wrong passage
        (q("3"), product_answer("", refused=True)),           # false refusal
        (q("4", "near"), product_answer("", refused=True)),   # near refused
        (q("5", "near"), product_answer(OTHER_SENTENCE)),     # near answered
        (q("6", "far"), product_answer("", refused=True)),    # far refused
    ]
    is_title = {OTHER_SENTENCE}.__contains__
    results = [Result(item, answer, 0.01 * n, scores=score_one(item, answer, is_title))
               for n, (item, answer) in enumerate(items, start=1)]
    agg = aggregate(results)
    assert agg["answerable"] == 3 and agg["near"] == 2 and agg["far"] == 1
    assert agg["evidence@1"] == pytest.approx(1 / 3) and agg["evidence@3"] == pytest.approx(2 / 3)
    assert agg["answer_evidence"] == pytest.approx(1 / 3)
    assert agg["hit@1"] == pytest.approx(2 / 3)
    assert agg["near_refusal"] == 0.5 and agg["far_refusal"] == 1.0 and agg["false_refusal"] == pytest.approx(1 / 3)
    assert agg["title_only_answers"] == pytest.approx(2 / 3)  # of the 3 answered questions, 2 quote only boilerplate
    assert agg["support"] == 1.0 and agg["precision"] == 0.5
    assert agg["latency_p50_ms"] == pytest.approx(30.0)
    assert misses(results[2]) == ["refused", "evidence@1", "evidence@3", "answer_evidence", "hit@1"] and misses(results[4]) == ["answered out of scope", "title-only"]


def test_breakdown_by_split_persona_and_kind():
    items = [q("1", split="dev"), q("2", split="test", persona="staff"), q("3", "far", split="test")]
    results = [Result(item, product_answer(SPAN), 0.0, scores=score_one(item, product_answer(SPAN), never_title))
               for item in items]
    out = breakdown(results, ["dev", "test"])
    assert out["dev"]["all"]["questions"] == 1 and out["test"]["all"]["questions"] == 2
    assert set(out["test"]["persona"]) == {"staff", "carer"}
    assert set(out["test"]["kind"]) == {"practical", "far-out-of-scope"}
    assert out["test"]["kind"]["far-out-of-scope"]["far_refusal"] == 0.0


def test_run_asks_a_conversation_question_with_its_history():
    asked = []

    def answerer(question, history):
        asked.append((question, tuple(history)))
        raise ValueError("rejected")  # an answerer error counts as a refusal

    item = q("1", kind="follow-up", history=("what is respite care?",))
    [result] = run(answerer, [item], never_title)
    assert asked == [("question 1", ("what is respite care?",))]
    assert result.scores["refused"] and result.error == "ValueError" and result.scores["answer_evidence"] == 0.0
