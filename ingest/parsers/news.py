"""News web page: drop site chrome, keep the headline and the article with its bullet list."""

from __future__ import annotations

import re

from ingest.clean import drop_chrome, lines_of
from ingest.model import Document, Section

BULLET = re.compile(r"^[•·▪*]\s*")


def parse(doc: Document) -> list[Section]:
    lines = [BULLET.sub("- ", line.strip()) for line in drop_chrome(lines_of(doc.text))]
    lines = [line for line in lines if line]
    headline, body = lines[0], lines[1:]
    return [Section(f"{doc.doc_id}/report", doc.doc_id, f"News report: {headline}", "\n".join(body), kind="news")]
