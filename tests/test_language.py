"""Which questions are judged not English (a refusal then says only English is supported): the train and dev
questions and everyday carers' English never; real questions in the languages spoken in UK homes always."""

from __future__ import annotations

import pytest

from eval.questions import load_questions
from qa.language import EnglishCheck
from qa.spelling import SpellingCorrector
from settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"


def as_the_product_judges() -> EnglishCheck:
    """The guidance's words (as the spelling step counts them) and function words first, then the identifier."""
    return EnglishCheck(SpellingCorrector(path.read_text(encoding="utf-8") for path in CORPUS.glob("*.txt")).guidance_counts)


@pytest.fixture(scope="module", params=["identifier only", "guidance words first"])
def check(request) -> EnglishCheck:
    """Judged by the identifier alone, and as the product judges: the guidance's words first, then the identifier."""
    if request.param == "identifier only":
        return EnglishCheck()
    return as_the_product_judges()


def test_every_train_and_dev_question_and_earlier_turn_is_english(check):
    texts = {text for q in load_questions(("train", "dev")) for text in (q.question, *q.history)}  # never test
    assert len(texts) > 300
    assert [text for text in sorted(texts) if not check.looks_english(text)] == []


@pytest.mark.parametrize("question", [
    "i cant leave the house in the evenings though",
    "the lad wont turn the telly off at night",
    "my foster son keeps runing away from hom what shoud i do",
    "shes kicking off every nite after contact wiv her mum",
    "cant get hold of the social worker at weekends",
    "our lass is being bullied at school, who do i tell",
    "How do I bake a cake for the child?",
    "respitee",  # one unknown word is a typo, not a language
    "Can I get a bre\u0301ak from cari\u0301ng?",
])
def test_everyday_english_is_english(check, question):
    assert check.looks_english(question)


@pytest.mark.parametrize("question", [
    "A allaf gael seibiant o ofalu?",  # Welsh
    "Pwy ddylai wneud asesiad iechyd y plentyn?",
    "Ydy fy mhlentyn maeth yn cael aros gyda'i frodyr a chwiorydd?",
    "Beth yw ysgol rithwir?",
    "Est-ce que je peux avoir du répit?",  # French
    "Quels sont les droits des enfants placés ?",
    "Mon fils d'accueil fugue souvent, que dois-je faire?",
    "Czy mogę dostać przerwę od opieki nad dzieckiem?",  # Polish
    "Mój syn zastępczy ciągle ucieka z domu, co mam robić?",
    "¿Puedo tomar un descanso del cuidado del niño?",  # Spanish
    "Mi hijo de acogida se escapa de casa, ¿qué debo hacer?",
    "Kann ich eine Pause von der Pflege bekommen?",  # German
    "Chi deve fare la valutazione della salute del bambino?",  # Italian
    "Quem deve fazer a avaliação de saúde da criança?",  # Portuguese
    "Pot să iau o pauză de la îngrijirea copilului?",  # Romanian
    "Ar galiu gauti pertrauką nuo vaiko priežiūros?",  # Lithuanian
    "Çocuğun bakımından biraz ara verebilir miyim?",  # Turkish
    "کیا مجھے دیکھ بھال سے وقفہ مل سکتا ہے؟",  # Urdu
    "هل يمكنني الحصول على استراحة من الرعاية؟",  # Arabic
    "ਕੀ ਮੈਨੂੰ ਦੇਖਭਾਲ ਤੋਂ ਛੁੱਟੀ ਮਿਲ ਸਕਦੀ ਹੈ?",  # Punjabi
    "Могу ли я получить перерыв в уходе за ребёнком?",  # Russian
    "我可以暂停照顾孩子吗？",  # Chinese
])
def test_questions_in_other_languages_are_not_english(check, question):
    assert not check.looks_english(question)


def test_a_question_mostly_in_the_guidances_words_does_not_load_the_identifier(monkeypatch):
    """The identifier costs about a second and 95 MiB to load; a carer's question in everyday English that is mostly
    the guidance's words and function words never needs it (counted at py3langid's public loader)."""
    from py3langid.langid import LanguageIdentifier

    loads = []
    load = LanguageIdentifier.from_model_file

    def counting_load(cls, *args, **kwargs):
        loads.append(args)
        return load(*args, **kwargs)

    monkeypatch.setattr(LanguageIdentifier, "from_model_file", classmethod(counting_load))
    check = as_the_product_judges()
    assert check.looks_english("who wud have them while im away")
    assert loads == []
    assert not check.looks_english("Mon fils d'accueil fugue souvent, que dois-je faire?")
    assert len(loads) == 1


# --- red-team case 14: languages and accents --------------------------------------------------------------------------

def test_case_14_accents_are_folded_for_searching():
    from qa.language import fold_accents

    assert fold_accents("Can I get a bre\u0301ak from cari\u0301ng?") == "Can I get a break from caring?"
    assert fold_accents("café naïve") == "cafe naive"


@pytest.mark.slow
@pytest.mark.parametrize("question", ["A allaf gael seibiant o ofalu?", "Est-ce que je peux avoir du répit ?",
                                      "Quels sont les droits des enfants placés ?"])
def test_case_14_welsh_and_french_questions_are_told_only_english_is_supported(assistant, question):
    from qa.language import ONLY_ENGLISH

    answer = assistant.ask(question)
    assert answer.refused and ONLY_ENGLISH in answer.answer


@pytest.mark.slow
def test_case_14_combining_accents_are_normalised_not_refused(assistant):
    plain = assistant.ask("Can I get a break from caring?")
    accented = assistant.ask("Can I get a bre\u0301ak from cari\u0301ng?")
    assert not plain.refused and not accented.refused
    assert [c.section_id for c in accented.citations] == [c.section_id for c in plain.citations]
    from qa.language import ONLY_ENGLISH

    assert ONLY_ENGLISH not in assistant.ask("How do I bake a chocolate cake?").answer
