"""Misspelt questions (a tired carer on a phone) are corrected for the safety check; known words never are."""

import pytest

from qa.spelling import SpellingCorrector

GUIDANCE = [
    "Local authorities should seek specialist support to address safeguarding risks outside the home, "
    "exploitation and children missing from care.",
    "Looked-after children and young people should have a personal education plan (PEP) reviewed by the IRO.",
    "Provide training for foster carers on placement stability and contextual safeguarding.",
]


@pytest.fixture(scope="module")
def corrector():
    return SpellingCorrector(GUIDANCE)


@pytest.mark.parametrize("typed, meant", [
    ("my foster son keeps runing away from hom what shoud i do",
     "my foster son keeps running away from home what should i do"),
    ("does this guidence still count once they turn 18", "does this guidance still count once they turn 18"),
    ("is there traning for that", "is there training for that"),
    ("do her wishes count for anythin", "do her wishes count for anything"),
    ("Placment stabilty", "Placement stability"),
])
def test_misspelt_words_are_corrected(corrector, typed, meant):
    assert corrector.correct(typed) == meant


@pytest.mark.parametrize("text", [
    "What do PH28 and NG205 say about the IRO, CAMHS, LAC reviews, the PEP and SSWs at IFAs?",
    "what do ph28 and ng205 say about the iro, camhs, lac, the pep",
    "Contextual safeguarding, placement stability and looked-after children missing from care",
    "whats a virtual school, i dont know and theres nobody to ask, wat do i do",  # English without apostrophes
    "the telly, the lad and his brothers",  # everyday words, and phrases the vocabulary bridges
    "Qzxvw Kayleigh rec",  # nothing one edit away, a name, a short word with no guidance word one letter longer
])
def test_known_words_abbreviations_and_names_are_never_altered(corrector, text):
    assert corrector.correct(text) == text


def test_correction_is_deterministic():
    typed = "my foster son keeps runing away from hom what shoud i do, is there traning"
    assert len({SpellingCorrector(GUIDANCE).correct(typed) for _ in range(3)}) == 1


@pytest.mark.slow
def test_a_misspelt_emergency_gets_the_safety_notice_first(assistant):
    answer = assistant.ask("my foster daughter has run awya what do i do")
    assert answer.notices and "999" in answer.notices[0]
    assert answer.lines[0].kind == "safety-notice"


@pytest.fixture
def loads(monkeypatch):
    """Each load of the English dictionary, counted at pyspellchecker's public class."""
    import spellchecker

    made: list[dict] = []

    class CountingSpellChecker(spellchecker.SpellChecker):
        def __init__(self, *args, **kwargs):
            made.append(kwargs)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(spellchecker, "SpellChecker", CountingSpellChecker)
    return made


def test_a_question_in_the_guidances_words_does_not_load_the_english_dictionary(loads):
    """Function words ("what", "should", "the") are known without the dictionary, so a question worded like the
    guidance never pays the dictionary's load at a cold start (counted at pyspellchecker's public class)."""
    corrector = SpellingCorrector(GUIDANCE)
    assert corrector.correct("What should the IRO do about the PEP and placement stability?") == (
        "What should the IRO do about the PEP and placement stability?")
    assert loads == []
    assert corrector.correct("is there traning") == "is there training"
    assert len(loads) == 1


def test_warm_up_loads_the_english_dictionary_before_the_first_question_and_only_once(loads):
    """The app warms up (Assistant.warm_up(answering=True)) so its first misspelt question does not pay the load."""
    corrector = SpellingCorrector(GUIDANCE)
    corrector.warm_up()
    assert len(loads) == 1
    assert corrector.correct("is there traning") == "is there training"
    assert len(loads) == 1
