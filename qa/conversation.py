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


# "what about ...", "and ...", "including ...", "... though": the question continues the one before.
_CONTINUES = re.compile(r"^\W*(?:and|but|or|also|plus|including|especially|even|what about|how about|what if)\b"
                        r"|\bthough\W*$", re.IGNORECASE)
_WORDS = re.compile(r"[a-z]+(?:'[a-z]+)?")
# A pronoun refers inside the question, not back, once the question has named its own topic: this many content
# words (not stopwords) before it ("How should respite be explained to the young person so it doesn't feel like
# rejection?"). Chosen on train: every train and dev follow-up has at most 3 before its pronoun ("does the kids birth
# mum have to do it as well"); 3 and 4 kept them all and tied on train questions asked after an unrelated one.
TOPIC_NAMED = 4
# Pronouns for people also find their antecedent in a noun phrase opened by an article or a possessive before them
# ("Will the child I look after be placed with their brothers and sisters?"); pronouns for things, demonstratives
# and reflexives ("what should the schools themselves do?" sets the schools against what was asked before) do not.
_PERSON_PRONOUNS = frozenset("he she him her his hers they them their theirs".split())
_OTHER_PRONOUNS = frozenset("that this it its itself those these themselves himself herself".split())
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
    words = _WORDS.findall(question.lower().replace("\u2019", "'"))
    content_words = 0
    has_noun_phrase = False
    for n, word in enumerate(words):
        if word in _PERSON_PRONOUNS or word in _OTHER_PRONOUNS:
            refers_inside = (content_words >= TOPIC_NAMED
                             or (word in _PERSON_PRONOUNS and has_noun_phrase)
                             or (word == "that" and n >= 2 and words[n - 2] in _OPENS_NOUN_PHRASE))  # "the committee that"
            if not refers_inside:
                return True
            continue
        has_noun_phrase = has_noun_phrase or (n > 0 and words[n - 1] in _OPENS_NOUN_PHRASE)  # "the child", "my son"
        content_words += bool(tokenize(word))
    return False


def question_parts(question: str) -> list[str]:
    """Split a compound question ("Can I get respite and how much will I be paid?") into its parts.

    A later part that points back ("who must act on it?") carries the first part with it, so it can be
    judged on its own.
    """
    parts = [p.strip() for p in _PART_BREAK.split(question) if tokenize(p)]
    return parts[:1] + [f"{parts[0]} {p}" if _REFERS_BACK.search(p) else p for p in parts[1:]]


__all__ = ["asks_who_acts", "points_back", "question_parts"]
