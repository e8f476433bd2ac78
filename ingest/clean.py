"""Text cleaning shared by the parsers. Cleaning removes junk (OCR glyphs, site chrome, markdown targets);
it never rewrites the guidance's sentences."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
SENTENCE_END = (".", "!", "?", ":", ";", ")", "”", "’", '"')

# OCR of bullet glyphs at a line start ("e", "¢", "o", "•", "\o") becomes a "- " bullet.
OCR_BULLET = re.compile(r"^(?:[e¢o•\xa2]|\\o)\s+(?=\S)")
OCR_BACKSLASH = re.compile(r"^\\\s+")
OCR_DROP_CAP = re.compile(r"^/([A-Z])$")  # "/P" then "rinciples..." is the P of a drop capital
OCR_FOOTNOTE_MARK = re.compile(r"^[B-HJ-Z] (?=[A-Z][a-z])")  # "T These were..." (not "A"/"I")
OCR_STRAY_DIGIT = re.compile(r"^\d\s+(?=[a-z])")  # "9 authority ..." is a bracket glyph
OCR_WWW = re.compile(r"\bW{3}w\.")


def lines_of(text: str) -> list[str]:
    return [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def blocks_of(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines (paragraphs as the source laid them out)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def join_wrapped(parts: list[str]) -> str:
    """Join hard-wrapped lines; a line ending in '-' (as in 'asylum-' / 'seeking') joins without a space."""
    text = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if not text:
            text = part
        elif text.endswith("-") and not text.endswith(" -"):
            text += part
        else:
            text += " " + part
    return text


def is_broken_before(previous: str, following: str) -> bool:
    """A long paragraph with no closing punctuation followed by one starting in lower case is one paragraph."""
    return (
        len(previous) >= 60
        and not previous.rstrip().endswith(SENTENCE_END)
        and following[:1].islower()
    )


def join_broken_paragraphs(paragraphs: list[str]) -> list[str]:
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and is_broken_before(joined[-1], paragraph):
            joined[-1] = join_wrapped([joined[-1], paragraph])
        else:
            joined.append(paragraph)
    return joined


def strip_markdown(text: str) -> str:
    """Keep link text, drop link targets, emphasis markers and URL angle brackets."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<(https?://[^>\s]+)>", r"\1", text)
    return text.replace("**", "")


def normalise(text: str) -> str:
    """Form used to compare documents and sections: no markup, single spaces, lower case."""
    return re.sub(r"\s+", " ", strip_markdown(text)).strip().lower()


def text_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def is_ocr_junk(line: str) -> bool:
    """Lone glyph lines left by OCR of box corners and brackets ("/", ")", "J", "- J", "oY", "& J")."""
    stripped = line.strip()
    return 0 < len(stripped) <= 3 and not stripped.isdigit()


def strip_stray_brackets(line: str, after_bullet: bool) -> str:
    """A detached ' )' at a line end, or a '(' glued to a bullet glyph with no closing bracket, is a box edge."""
    if line.endswith(" )") and line.count(")") > line.count("("):
        line = line[:-2].rstrip()
    if after_bullet and line.startswith("(") and ")" not in line:
        line = line[1:].lstrip()
    return line


def clean_ocr_lines(lines: list[str]) -> list[str]:
    """Apply the OCR rules line by line; blank lines are kept because they carry layout."""
    cleaned: list[str] = []
    pending_capital = ""
    for raw in lines:
        line = raw.strip()
        cap = OCR_DROP_CAP.match(line)
        if cap:
            pending_capital = cap.group(1)
            continue
        if not line:
            cleaned.append("")
            continue
        if pending_capital:
            line, pending_capital = pending_capital + line, ""
        if is_ocr_junk(line):
            continue
        line = OCR_BACKSLASH.sub("", line)
        bullet = bool(OCR_BULLET.match(line))
        line = OCR_BULLET.sub("", line)
        line = OCR_FOOTNOTE_MARK.sub("", line)
        line = OCR_STRAY_DIGIT.sub("", line)
        line = OCR_WWW.sub("www.", line)
        line = strip_stray_brackets(line, bullet)
        if is_ocr_junk(line):
            continue
        cleaned.append(("- " if bullet else "") + line)
    return cleaned


@cache
def data_lines(name: str) -> tuple[str, ...]:
    """Non-empty, non-comment lines of a file in ingest/data/."""
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def chrome_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in data_lines("web_chrome.txt"))


def is_chrome(line: str) -> bool:
    stripped = line.strip()
    return any(p.fullmatch(stripped) for p in chrome_patterns())


def drop_chrome(lines: list[str]) -> list[str]:
    """Remove website furniture lines (patterns in data/web_chrome.txt)."""
    return [line for line in lines if not is_chrome(line)]
