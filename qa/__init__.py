"""Questions in, cited answers out: retrieval, extractive answers, follow-ups and the command line."""

from qa.answer import NOT_COVERED, split_units
from qa.cli import format_text
from qa.conversation import asks_who_acts, question_parts
from qa.model import Answer, AnswerLine, Citation, Hit, LineKind, Retrieval
from qa.retrieve import Retriever, reciprocal_rank_fusion
from qa.service import Assistant, clean_question
from qa.vocabulary import expand

__all__ = [
    "Answer", "AnswerLine", "Assistant", "Citation", "Hit", "LineKind", "NOT_COVERED", "Retrieval", "Retriever", "clean_question", "expand", "format_text",
    "asks_who_acts", "question_parts", "reciprocal_rank_fusion", "split_units",
]
