"""A small fake model and corpus for fast index tests (no real model is loaded)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np


class FakeEmbedder:
    """Deterministic 16-dimension unit vectors from a text's hash; counts what it embeds."""

    model_name = "fake"
    dimension = 16

    def __init__(self, fail_after: int | None = None):
        self.texts: list[str] = []
        self.fail_after = fail_after  # raise KeyboardInterrupt (a killed build) past this many texts

    def warm_up(self):
        pass

    def embed(self, texts, show_progress=False):
        if self.fail_after is not None and len(self.texts) + len(texts) > self.fail_after:
            raise KeyboardInterrupt("killed")
        self.texts += list(texts)
        seeds = [int(hashlib.sha256(t.encode()).hexdigest()[:8], 16) for t in texts]
        out = np.stack([np.random.default_rng(s).standard_normal(self.dimension) for s in seeds])
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)

    def embed_query(self, text):
        return self.embed([text])[0]


SMALL = {
    "care.md": "# Respite for carers\nCarers should be offered short breaks (respite) when they need them.\n\n"
               "# Placement moves\nAvoid unplanned moves for looked-after children wherever possible.\n",
    "school.md": "# Virtual school head\nEvery local authority should appoint a virtual school head.\n",
}


def small_corpus(folder: Path, files: dict[str, str] = SMALL) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def small_settings(tmp_path: Path, corpus: Path | None = None, index_dir: Path | None = None):
    from settings import Settings

    return Settings(corpus_dir=corpus or small_corpus(tmp_path / "corpus"), index_dir=index_dir or tmp_path / "idx",
                    embedding_model="fake")


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every path under `folder` (links as their target), to prove nothing was touched."""
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            out[key] = "-> " + str(path.readlink())
        elif path.is_file():
            out[key] = path.read_bytes()
        else:
            out[key] = "dir"
    return out


def built(tmp_path: Path):
    """A small index built with the fake model from the small corpus; returns its settings."""
    from index.build import build_index

    settings = small_settings(tmp_path)
    build_index(settings, embedder=FakeEmbedder())
    return settings


def rehash(index_dir: Path) -> None:
    """Rewrite the manifest's file hashes, as a forger would."""
    import json

    from index.hashing import sha256_file

    manifest = json.loads((index_dir / "manifest.json").read_text("utf-8"))
    manifest["files"] = {name: sha256_file(index_dir / name) for name in manifest["files"]}
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def resign(settings, folder, meta) -> None:
    """Write cache metadata signed with this computer's key (a forger who can read the key)."""
    import json

    from index.vectors import CACHE_KEYS, _signature, cache_secret

    meta = {**meta, "signature": _signature(cache_secret(settings.model_cache_dir), meta)}
    (folder / CACHE_KEYS).write_text(json.dumps(meta))


PLACEMENT = "Placement stability\n\nAvoid unplanned moves for looked-after children wherever possible.\n"


def bad_corpus(folder: Path) -> dict[str, str]:
    """A corpus folder with one good file and one of each bad kind; returns file -> expected warning words."""
    from pypdf import PdfWriter

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.txt").write_text(PLACEMENT, encoding="utf-8")
    (folder / "empty.md").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "mojibake.txt").write_bytes(b"Respite \x81\x8d\x8f\x90\x9d care for carers")  # not UTF-8, not cp1252
    writer = PdfWriter()
    writer.add_blank_page(width=300, height=300)
    with open(folder / "scanned.pdf", "wb") as handle:
        writer.write(handle)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(0) + b"\x00garbage that is not a pdf")
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "nav.html").write_text("<html><body><nav><ul><li><a href='/'>Home</a></li></ul></nav>"
                                     "<header>Site</header><footer>Cookies</footer></body></html>", encoding="utf-8")
    (folder / "copy-of-good.md").write_text(PLACEMENT.replace("\n\n", "\n\n\n"), encoding="utf-8")
    (folder / "manifest.toml").write_text(
        '[[document]]\nfile = "good.txt"\nid = "good"\nstatus = "current"\ntitle = "Good"\n\n'
        '[[document]]\nfile = "missing.txt"\nid = "missing"\n\n'
        '[[document]]\ntitle = "no file key"\n\n'
        '[[document]]\nfile = "good.txt"\nid = "again"\n', encoding="utf-8")
    return {
        "empty.md": "empty file",
        "binary.txt": "NUL",
        "mojibake.txt": "not valid UTF-8",
        "scanned.pdf": "no text",
        "broken.pdf": "cannot be read as .pdf",
        "broken.docx": "cannot be read as .docx",
        "nav.html": "no text",
        "copy-of-good.md": "duplicate",
        "missing.txt": "not found",
        "entry 3": "has no 'file'",
        "entry 4": "repeats file",
    }
