"""A small fake model and corpus for fast index tests (no real model is loaded)."""

from __future__ import annotations

import hashlib
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
