"""One parser per document kind; each turns a Document into its citable Sections."""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest.clean import is_chrome, lines_of
from ingest.model import Document, Section
from ingest.parsers import generic, news, pathway, quick_reference, recommendations_page

Parser = Callable[[Document], list[Section]]

PARSERS: dict[str, Parser] = {
    "pathway": pathway.parse,
    "quick reference guide": quick_reference.parse,
    "recommendations page": recommendations_page.parse,
    "news report": news.parse,
}


def detect_kind(text: str) -> str | None:
    """Recognise a known layout from its text, so a renamed file or one without a manifest kind still parses."""
    if "NICE Pathway last updated" in text:
        return "pathway"
    if text.count("Who should take action?") >= 3 and re.search(r"Recommendation \d+:", text):
        return "quick reference guide"
    if "What action should they take?" in text:
        return "recommendations page"
    if sum(is_chrome(line) for line in lines_of(text)) >= 2:
        return "news report"
    return None


def parser_for(kind: str | None) -> Parser:
    return PARSERS.get((kind or "").strip().lower(), generic.parse)


__all__ = ["PARSERS", "detect_kind", "parser_for", "generic"]
