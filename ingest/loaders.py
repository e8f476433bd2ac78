"""Turn one file into text. Each format uses its library (pypdf, python-docx, BeautifulSoup, charset-normalizer);
no hand parsing.

Limits are checked before a parser sees the file (bytes on disk; for .docx the zip's uncompressed total and
compression ratio; for PDFs the page count) and on the text it gives (characters per document), so a hostile
file costs a bounded amount of time and memory: it is skipped with a warning naming the file and the limit.
A .docx is never inflated on trust: its declared sizes are checked first, then every member is decompressed in
ZIP_CHUNK pieces against a byte budget (a member declaring 5 KB that inflates to 2 GB peaked at 2.08 GB: Python's
zipfile inflates up to 2 GB in one call when a member is read whole), and python-docx reads the members so
measured, repacked uncompressed, never the original archive.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from errors import shown
from settings import Settings, default_of

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + (".pdf", ".docx")
HTML_DROP_TAGS = ("script", "style", "nav", "header", "footer", "form", "noscript")
# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# A detected encoding is trusted when a language was recognised in the decoded text (charset-normalizer's coherence).
MIN_COHERENCE = 0.1


class Unreadable(Exception):
    """A file that yields no usable text; the message is the reason shown in the warning."""


@dataclass(frozen=True)
class FileLimits:
    """What one corpus file may cost (settings: LAC_MAX_FILE_BYTES, LAC_MAX_DOCUMENT_CHARS, LAC_MAX_PDF_PAGES,
    LAC_MAX_ZIP_BYTES, LAC_MAX_ZIP_RATIO)."""

    max_file_bytes: int = default_of("max_file_bytes")
    max_document_chars: int = default_of("max_document_chars")
    max_pdf_pages: int = default_of("max_pdf_pages")
    max_zip_bytes: int = default_of("max_zip_bytes")
    max_zip_ratio: int = default_of("max_zip_ratio")

    @classmethod
    def from_settings(cls, settings: Settings) -> FileLimits:
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__ if hasattr(settings, name)})


def is_supported(path: Path) -> bool:
    name = path.name.lower()
    return path.suffix.lower() in SUPPORTED_SUFFIXES and name != "manifest.toml" and not name.startswith("readme")


def decode_text(raw: bytes, name: str) -> tuple[str, list[str]]:
    """A byte-order mark decides; else UTF-8; else the encoding charset-normalizer detects (cp1252, the usual
    Windows export, when it is one of the candidates), with a warning saying which."""
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), []
            except UnicodeDecodeError as exc:
                raise Unreadable(f"starts with a {encoding} byte-order mark but is not {encoding} text") from exc
    if b"\x00" not in raw:
        try:
            return raw.decode("utf-8"), []
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None or (best.coherence < MIN_COHERENCE and not best.encoding.startswith("utf")) or any(
            ch < " " and ch not in "\t\n\r\f" for ch in str(best)):
        raise Unreadable("contains NUL bytes (binary file?)" if b"\x00" in raw
                         else "not valid UTF-8, and no other text encoding was recognised")
    encoding = "cp1252" if "cp1252" in best.could_be_from_charset else best.encoding
    if encoding.startswith("utf"):  # UTF-16/32 without a byte-order mark: a text file all the same
        return str(best), []
    return raw.decode(encoding), [f"{shown(name)}: not valid UTF-8; decoded as {encoding} (check special characters)"]


def html_to_text(markup: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(HTML_DROP_TAGS):
        tag.decompose()
    return soup.get_text("\n")


def pdf_to_text(raw: bytes, limits: FileLimits) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(raw))
    pages = len(reader.pages)
    if pages > limits.max_pdf_pages:
        raise Unreadable(f"has {pages:,} pages, over the limit of {limits.max_pdf_pages:,} (LAC_MAX_PDF_PAGES)")
    parts: list[str] = []
    size = 0
    for page in reader.pages:
        parts.append(page.extract_text() or "")
        size += len(parts[-1])
        if size > limits.max_document_chars:
            raise _too_many_chars(limits)
    return "\n\n".join(parts)


def check_zip(raw: bytes, limits: FileLimits) -> None:
    """A .docx is a zip: its uncompressed total and compression ratio are read from the zip directory first."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        total = sum(info.file_size for info in archive.infolist())
    if total > limits.max_zip_bytes:
        raise Unreadable(f"expands to {total:,} bytes, over the limit of {limits.max_zip_bytes:,} (LAC_MAX_ZIP_BYTES)")
    if total > limits.max_zip_ratio * len(raw):
        raise Unreadable(f"expands {total / len(raw):,.0f} times, over the limit of {limits.max_zip_ratio:,} "
                         "(LAC_MAX_ZIP_RATIO; a decompression bomb?)")


ZIP_CHUNK = 1 << 16  # bytes inflated at a time


def inflate_members(raw: bytes, limits: FileLimits) -> dict[str, bytes]:
    """Every member of the zip, decompressed ZIP_CHUNK bytes at a time and counted as it comes: the real total,
    not the declared one, must stay within LAC_MAX_ZIP_BYTES and LAC_MAX_ZIP_RATIO times the file's size."""
    budget = min(limits.max_zip_bytes, limits.max_zip_ratio * len(raw))
    total = 0
    members: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            parts = []
            with archive.open(info) as member:
                while chunk := _read_chunk(member):
                    total += len(chunk)
                    if total > budget:
                        raise Unreadable(f"expands to over {budget:,} bytes when decompressed (more than it "
                                         "declares; LAC_MAX_ZIP_BYTES / LAC_MAX_ZIP_RATIO: a decompression bomb?)")
                    parts.append(chunk)
            members[info.filename] = b"".join(parts)
    return members


def _read_chunk(member) -> bytes:
    """At most ZIP_CHUNK inflated bytes; zipfile stops a member at its declared size and then fails its CRC."""
    try:
        return member.read(ZIP_CHUNK)
    except zipfile.BadZipFile as exc:
        raise Unreadable("holds more (or other) data than its zip directory declares, so it was not inflated "
                         "further (damaged, or a decompression bomb?)") from exc


def _stored_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_to_text(raw: bytes, limits: FileLimits) -> str:
    import docx

    check_zip(raw, limits)  # declared sizes first: a plain bomb is refused without inflating anything
    measured = _stored_zip(inflate_members(raw, limits))
    return "\n\n".join(p.text for p in docx.Document(io.BytesIO(measured)).paragraphs)


def _too_many_chars(limits: FileLimits) -> Unreadable:
    return Unreadable(f"holds over {limits.max_document_chars:,} characters of text, the limit per document "
                      "(LAC_MAX_DOCUMENT_CHARS)")


def read_limited(path: Path, limits: FileLimits) -> bytes:
    """The file's bytes, refused before reading when it is over the size limit."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise Unreadable(f"is {size:,} bytes, over the limit of {limits.max_file_bytes:,} (LAC_MAX_FILE_BYTES)")
    return path.read_bytes()


def load_text(path: Path, raw: bytes, limits: FileLimits | None = None) -> tuple[str, list[str]]:
    """Text of one supported file; raises Unreadable with the reason when there is none or it is over a limit."""
    limits = limits or FileLimits()
    if not raw.strip():
        raise Unreadable("empty file")
    suffix = path.suffix.lower()
    warnings: list[str] = []
    try:
        if suffix == ".pdf":
            text = pdf_to_text(raw, limits)
        elif suffix == ".docx":
            text = docx_to_text(raw, limits)
        else:
            text, warnings = decode_text(raw, path.name)
            # Markup is a few times the text it holds: over that the HTML parser is not even started.
            if len(text) > limits.max_document_chars * (4 if suffix in HTML_SUFFIXES else 1):
                raise _too_many_chars(limits)
            if suffix in HTML_SUFFIXES:
                text = html_to_text(text)
    except Unreadable:
        raise
    except Exception as exc:  # a damaged PDF/DOCX: report it, keep the rest of the corpus
        raise Unreadable(f"cannot be read as {suffix} ({type(exc).__name__}: {exc})") from exc
    if len(text) > limits.max_document_chars:
        raise _too_many_chars(limits)
    if not text.strip():
        raise Unreadable("no text found (scanned PDF or page of only navigation?)")
    return text, warnings
