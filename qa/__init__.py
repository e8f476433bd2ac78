"""Questions in, cited answers out: retrieval, extractive answers, follow-ups and the command line.

The names below are imported on first use (PEP 562), so `python -m qa ask` can start loading the encoder before the
heavier modules are imported (qa/cli.py)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    "NOT_COVERED": "qa.answer", "split_units": "qa.answer", "format_text": "qa.cli",
    "asks_who_acts": "qa.conversation", "question_parts": "qa.conversation",
    "Answer": "qa.model", "AnswerLine": "qa.model", "Citation": "qa.model", "Hit": "qa.model", "LineKind": "qa.model",
    "Retrieval": "qa.model", "Retriever": "qa.retrieve", "reciprocal_rank_fusion": "qa.retrieve",
    "Assistant": "qa.service", "clean_question": "qa.service", "expand": "qa.vocabulary",
}

if TYPE_CHECKING:
    from qa.answer import NOT_COVERED, split_units
    from qa.cli import format_text
    from qa.conversation import asks_who_acts, question_parts
    from qa.model import Answer, AnswerLine, Citation, Hit, LineKind, Retrieval
    from qa.retrieve import Retriever, reciprocal_rank_fusion
    from qa.service import Assistant, clean_question
    from qa.vocabulary import expand


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


__all__ = [
    "Answer", "AnswerLine", "Assistant", "Citation", "Hit", "LineKind", "NOT_COVERED", "Retrieval", "Retriever", "clean_question", "expand", "format_text",
    "asks_who_acts", "question_parts", "reciprocal_rank_fusion", "split_units",
]
