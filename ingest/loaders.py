"""Turn one file into text. Each format uses its library (pypdf, python-docx, BeautifulSoup); no hand parsing.

A loader returns (text, warnings); a file that cannot give usable text returns None with the reason."""

from __future__ import annotations

import io
from pathlib import Path

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + (".pdf", ".docx")
HTML_DROP_TAGS = ("script", "style", "nav", "header", "footer", "form", "noscript")


class Unreadable(Exception):
    """A file that yields no usable text; the message is the reason shown in the warning."""


def is_supported(path: Path) -> bool:
    name = path.name.lower()
    return path.suffix.lower() in SUPPORTED_SUFFIXES and name != "manifest.toml" and not name.startswith("readme")


def decode_text(raw: bytes, name: str) -> tuple[str, list[str]]:
    """UTF-8 first; old Windows exports are often cp1252, so try that next and say so."""
    if b"\x00" in raw:
        raise Unreadable("contains NUL bytes (binary file?)")
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), [f"{name}: not valid UTF-8; decoded as cp1252 (check special characters)"]
    except UnicodeDecodeError as exc:
        raise Unreadable("not valid UTF-8 or cp1252 text") from exc


def html_to_text(markup: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(HTML_DROP_TAGS):
        tag.decompose()
    return soup.get_text("\n")


def pdf_to_text(raw: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(raw))
    return "\n\n".join((page.extract_text() or "") for page in reader.pages)


def docx_to_text(raw: bytes) -> str:
    import docx

    return "\n\n".join(p.text for p in docx.Document(io.BytesIO(raw)).paragraphs)


def load_text(path: Path, raw: bytes) -> tuple[str, list[str]]:
    """Text of one supported file; raises Unreadable with the reason when there is none."""
    if not raw.strip():
        raise Unreadable("empty file")
    suffix = path.suffix.lower()
    warnings: list[str] = []
    try:
        if suffix == ".pdf":
            text = pdf_to_text(raw)
        elif suffix == ".docx":
            text = docx_to_text(raw)
        else:
            text, warnings = decode_text(raw, path.name)
            if suffix in HTML_SUFFIXES:
                text = html_to_text(text)
    except Unreadable:
        raise
    except Exception as exc:  # a damaged PDF/DOCX: report it, keep the rest of the corpus
        raise Unreadable(f"cannot be read as {suffix} ({type(exc).__name__}: {exc})") from exc
    if not text.strip():
        raise Unreadable("no text found (scanned PDF or page of only navigation?)")
    return text, warnings
