"""One way to hash a file (corpus files, index files, the embedding cache, exported models): read in 1 MB blocks, so
a large file never has to fit in memory."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = ["sha256_file"]
