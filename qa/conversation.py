"""Question structure: the parts of a compound question, parts the answer's framing lines answer, and whether a
question points back at an earlier one.

(Whether a question is a follow-up is decided by evidence, qa.service.Assistant._resolve; a question far from
everything the guidance says is a new topic unless it points back.)"""

from __future__ import annotations

import re

from ingest.text import tokenize

_REFERS_BACK = re.compile(r"\b(that|this|it|they|them|those|these)\b", re.IGNORECASE)
_PART_BREAK = re.compile(
    r"\?\s+|;\s+|,?\s+and also\s+|,?\s+and (?=(?:how|what|who|when|where|can|do|does|is|will|should)\b)",
    re.IGNORECASE,
)


# "what about ...", "and ...", "... though": the question continues the one before.
_CONTINUES = re.compile(r"^\W*(?:and|what about)\b|\bthough\W*$", re.IGNORECASE)
_WORDS = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Pronouns for people find their antecedent in the question itself when a noun phrase opened by an article or a
# possessive comes before them ("Will the child I look after be placed with their brothers and sisters?"); pronouns
# for things ("does the kids birth mum have to do it as well"), demonstratives and reflexives ("what should the
# schools themselves do?" sets the schools against what was asked before) always point back.
_PERSON_PRONOUNS = frozenset("he she him her his hers they them their theirs".split())
_ALWAYS_POINT_BACK = frozenset("that this it its itself those these themselves himself herself".split())
_OPENS_NOUN_PHRASE = frozenset("the a an my our your".split())
_ASKS_WHO_ACTS = re.compile(r"^\W*(?:and\s+|so\s+|also\s+)?who\b", re.IGNORECASE)


def asks_who_acts(part: str) -> bool:
    """A part that asks who should act ("and who must act on it?"): the answer's roles line answers it."""
    return bool(_ASKS_WHO_ACTS.search(part))


def points_back(question: str) -> bool:
    """The question refers to something said before ("does that include stuff online", "what about the schools?"):
    it continues the question before, or has a pronoun whose antecedent the question itself does not give."""
    if _CONTINUES.search(question):
        return True
    words = _WORDS.findall(question.lower().replace("’", "'"))
    has_antecedent = False
    for n, word in enumerate(words):
        opened_by = words[n - 2] if n >= 2 else ""
        if word in _ALWAYS_POINT_BACK:
            if word != "that" or opened_by not in _OPENS_NOUN_PHRASE:  # "the committee that ..." is a relative clause
                return True
        elif word in _PERSON_PRONOUNS:
            if not has_antecedent:
                return True
        elif n and words[n - 1] in _OPENS_NOUN_PHRASE:
            has_antecedent = True  # "the child", "my foster son", "a school"
    return False


def question_parts(question: str) -> list[str]:
    """Split a compound question ("Can I get respite and how much will I be paid?") into its parts.

    A later part that points back ("who must act on it?") carries the first part with it, so it can be
    judged on its own.
    """
    parts = [p.strip() for p in _PART_BREAK.split(question) if tokenize(p)]
    return parts[:1] + [f"{parts[0]} {p}" if _REFERS_BACK.search(p) else p for p in parts[1:]]


__all__ = ["asks_who_acts", "points_back", "question_parts"]
