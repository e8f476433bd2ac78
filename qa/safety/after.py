"""What may follow a safety notice: nothing useless. Decided here, in one place, for answers and refusals alike.

For a danger message the notice comes first. A sentence of the guidance follows it only if it speaks to that
danger: it matches a reviewed pattern for the kind of danger the check found (qa/data/safety.toml [relevant]: a
disclosure gets safeguarding, reporting concerns and out-of-hours help; exploitation contextual safeguarding; a
missing child going missing and out-of-hours help), as NG205 box 2 does for a missing child. Titles are
kept only for the sections still quoted; definitions, spelt-out terms, roles and notes on other parts of the
question are dropped. When no sentence speaks to it, the notice stands alone with one line saying the guidance
does not cover it and the nearest topics it does cover that speak to the danger (NG205 box 2 on safeguarding for
a disclosure, box 9 with its out-of-hours support for a child missing tonight), never filler such as "Foster and
residential care is a complex activity." or a topic that only shares words with the message ("Train foster and
residential carers"). A message with no notice is left as it is.

That is for a message the check is sure of: one the pattern floor caught, or the classifier scored at least SURE.
A message it flags with less (it flags from its threshold, high recall first) gets the notice first and the answer
as it was: a calm question it mistook for danger keeps its answer. SURE was chosen on the safety set's train and
dev splits (python -m eval.safety): at 0.7 to 0.8 no calm question answered from the guidance lost its answer and one
danger message answered from it kept lines that do not speak to it (of 67); at 0.5 a calm one lost it, at 0.9 and
0.95 two and five danger messages kept such lines.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from qa.answer import MAX_NEAREST_TOPICS, currency_note, safety_lines
from qa.evidence import META_KINDS, NO_CONTENT_KINDS
from qa.model import Answer, AnswerLine, LineKind, Retrieval
from qa.patterns import load_rules
from qa.safety import Assessment
from qa.safety.normalise import SAFETY_FILE

DANGER_NOT_COVERED = "The guidance in this collection doesn't say what to do about this: follow the safety notice."
SPEAKING_KINDS = frozenset({LineKind.QUOTE, LineKind.GENERATED})
SURE = 0.8


@lru_cache(maxsize=4)
def _relevant(path: Path) -> dict[str, tuple[re.Pattern, ...]]:
    return {kind: tuple(re.compile(p, re.IGNORECASE) for p in patterns)
            for kind, patterns in load_rules(path)["relevant"].items()}


def speaks_to(sentence: str, kinds: tuple[str, ...], path: Path = SAFETY_FILE) -> bool:
    """Does a sentence of the guidance speak to a danger of one of these kinds (suicide, exploitation, ...)?"""
    patterns = _relevant(path)
    return any(p.search(sentence) for kind in kinds for p in patterns.get(kind, ()))


def after_notice(answer: Answer, assessment: Assessment, retrieval: Retrieval | None, path: Path = SAFETY_FILE) -> Answer:
    """The answer to a danger message: its notices first, then only guidance that speaks to the danger, or else
    one not-covered line and the nearest topics."""
    if not assessment.notices or not sure(assessment):
        return answer
    kept = [line for line in answer.lines
            if line.kind in SPEAKING_KINDS and line.citations and speaks_to(line.text, assessment.dangers, path)]
    if answer.refused or not kept:
        return _notice_alone(answer, assessment, retrieval, path)
    cited = sorted({rank for line in kept for rank in line.citations})
    titles = [line for line in answer.lines if line.kind is LineKind.TITLE and set(line.citations) <= set(cited)]
    kept_ids = {id(line) for line in (*kept, *titles)}
    renumber = {old: new for new, old in enumerate(cited, start=1)}
    citations = [replace(c, rank=renumber[c.rank]) for c in answer.citations if c.rank in renumber]
    lines = [replace(line, citations=tuple(renumber[r] for r in line.citations))
             for line in answer.lines if id(line) in kept_ids]
    note = currency_note(citations)
    return Answer(question=answer.question, refused=False,
                  lines=(*safety_lines(assessment.notices), *lines, *([note] if note else [])),
                  citations=tuple(citations), notices=assessment.notices)


def sure(assessment: Assessment) -> bool:
    """The check is sure this is a danger message: the floor caught it, or the classifier scored it at least SURE."""
    return bool(assessment.floor) or (assessment.probability is not None and assessment.probability >= SURE)


def _notice_alone(answer: Answer, assessment: Assessment, retrieval: Retrieval | None, path: Path) -> Answer:
    topics = danger_topics(retrieval, assessment.dangers, path)
    # a refusal's other reasons stay (the question is not in English); its generic next step goes: the notice says
    # what to do
    reasons = [line for line in answer.lines if line.kind is LineKind.REFUSAL][1:]
    lines = [*safety_lines(assessment.notices), AnswerLine(DANGER_NOT_COVERED, LineKind.REFUSAL), *reasons]
    if topics:
        lines.append(AnswerLine(f"The nearest topics it does cover: {'; '.join(topics)}.", LineKind.NEAREST_TOPICS))
    return Answer(question=answer.question, refused=True, lines=tuple(lines), nearest_topics=topics,
                  notices=assessment.notices)


def danger_topics(retrieval: Retrieval | None, kinds: tuple[str, ...], path: Path = SAFETY_FILE) -> tuple[str, ...]:
    """The retrieved sections, best first, that hold a sentence speaking to the danger (their labels)."""
    if retrieval is None:
        return ()
    labels = (h.section.label for h in retrieval.hits
              if h.section.kind not in META_KINDS | NO_CONTENT_KINDS and speaks_to(h.section.text, kinds, path))
    return tuple(dict.fromkeys(labels))[:MAX_NEAREST_TOPICS]


__all__ = ["DANGER_NOT_COVERED", "SURE", "after_notice", "danger_topics", "speaks_to", "sure"]
