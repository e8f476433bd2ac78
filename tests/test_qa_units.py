"""Pure pieces of the answer path: fusion, vocabulary, follow-ups, question cleaning, sentence units."""

from __future__ import annotations

from pathlib import Path

import pytest

from errors import BadInputError
from qa.answer import split_units
from qa.conversation import asks_who_acts
from qa.retrieve import reciprocal_rank_fusion
from qa.service import clean_question
from qa.vocabulary import expand, expansion_terms


def test_rrf_rewards_agreement_between_rankings():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1, 9]], k=60)
    assert max(fused, key=fused.get) == 1
    assert fused[3] > fused[2] and 9 in fused


@pytest.mark.parametrize("question, term", [
    ("Can my kids' brothers and sisters live with us?", "siblings"),
    ("Can I get a break from caring?", "respite"),
    ("what if she keeps running away", "going missing"),
    ("Who do I call at 2am?", "out-of-hours"),
    ("I'm looking after my granddaughter, am I a kinship carer?", "connected carers"),
])
def test_everyday_words_reach_the_guidance_wording(question, term):
    assert term in expand(question)


def test_vocabulary_matches_whole_words_only():
    assert expansion_terms("a breakdown in the placement") == []
    assert expand("sibling placements") .startswith("sibling placements")


def test_vocabulary_passes_over_absent_phrases_without_changing_what_it_finds():
    """expansion_terms skips the pattern of a phrase that cannot occur in ASCII text: the terms are those every
    pattern finds, on the question bank's thousands of questions and on case, apostrophe and accent variants."""
    import json

    from qa.patterns import whole_phrase
    from qa.vocabulary import load_vocabulary

    def every_pattern(question: str) -> list[str]:
        text = question.lower().replace("’", "'")
        seen: list[str] = []
        for phrase, terms in load_vocabulary():
            if whole_phrase(phrase).search(text) and terms not in seen:
                seen.append(terms)
        return seen

    bank = Path(__file__).resolve().parents[1] / "corpus" / "questions"
    texts = [json.loads(line)["question"] for f in sorted(bank.glob("*.jsonl")) for line in f.read_text().splitlines()]
    texts += ["BROTHERS AND SISTERS", "my kid’s Brothers And Sisters", "respite for carersé ", "Bréak from caring",
              "a break-down", "Kids' brothers and sisters", "ſiblings", "Can I get a break from caring?"]
    assert len(texts) > 3000
    assert [expansion_terms(t) for t in texts] == [every_pattern(t) for t in texts]


@pytest.mark.parametrize("part, asks", [
    ("who must act on it?", True),
    ("and who should take action", True),
    ("Which recommendation covers sibling placements", False),
    ("what should the schools themselves do?", False),
])
def test_a_part_asking_who_should_act_is_recognised(part, asks):
    assert asks_who_acts(part) is asks


def test_clean_question_folds_control_characters_and_space():
    assert clean_question("  what\x00 about\n\tschool? ", 100) == "what about school?"


@pytest.mark.parametrize("bad", ["", "   \n\t", "\x00\x01"])
def test_empty_question_is_refused_with_an_example(bad):
    with pytest.raises(BadInputError, match="Type a question"):
        clean_question(bad, 100)


def test_overlong_question_is_refused_with_the_limit():
    with pytest.raises(BadInputError, match="limit is 2,000"):
        clean_question("x" * 100_000, 2000)


def test_split_units_keeps_lead_in_with_short_bullets():
    text = "Ensure that this training covers:\n- Safeguarding procedures.\n- Self-care for carers.\nTraining can be virtual. It can be in person."
    assert split_units(text) == [
        "Ensure that this training covers:",
        "Ensure that this training covers: Safeguarding procedures.",
        "Ensure that this training covers: Self-care for carers.",
        "Training can be virtual.",
        "It can be in person.",
    ]


def test_split_units_gives_a_lower_case_bullet_the_last_sentence_of_its_lead_in():
    text = ("Local authorities should act. This approach should:\n"
            "- seek the views of looked-after children and young people and their carers, to ensure that responses work")
    assert split_units(text)[-1] == (
        "This approach should: seek the views of looked-after children and young people and their carers, "
        "to ensure that responses work")


def test_abbreviations_are_spelt_out_for_the_closeness_check_only_where_written_as_such():
    from qa.terms import with_abbreviations_spelt_out

    assert "independent reviewing officer" in with_abbreviations_spelt_out("What is the role of the IRO?")
    assert with_abbreviations_spelt_out("is that a nice thing to do") == "is that a nice thing to do"


# --- red-team case 12: history items ----------------------------------------------------------------------------------

def test_case_12_history_items_are_validated_and_named():
    from errors import BadInputError
    from qa.service import clean_history

    assert clean_history([None, "", "  respite  "], 2000) == ("respite",)
    with pytest.raises(BadInputError, match="History item 1 must be text"):
        clean_history([1, None], 2000)
    with pytest.raises(BadInputError, match="must be a list"):
        clean_history("respite", 2000)
    with pytest.raises(BadInputError) as info:
        clean_history(["respite", "x" * 5000], 2000)
    assert str(info.value).startswith("Earlier question 2 in the history is 5,000 characters long")


# --- question cleaning (reliability) ----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, cleaned", [
    ("sib\u00adlings placed\u200b together", "siblings placed together"),  # soft hyphen, zero-width space
    ("\u202ebreak\u202c from caring\ufeff", "break from caring"),  # bidi override marks, BOM
    ("ｒｅｓｐｉｔｅ for ﬁve days", "respite for five days"),  # full-width letters, ligature (NFKC)
    ("a\x00b\x1bc\ud800d\U000f0000e", "a b c d e"),  # control, lone surrogate, private use
    ("  many \t\n spaces  ", "many spaces"),
])
def test_clean_question_folds_invisible_and_compatibility_characters(raw, cleaned):
    from qa.service import clean_question

    assert clean_question(raw, 2000) == cleaned


def test_huge_question_is_refused_before_any_work():
    from qa.service import clean_question

    with pytest.raises(BadInputError, match="10,000,000 characters long; the limit is 2,000"):
        clean_question("x" * 10_000_000, 2000)
