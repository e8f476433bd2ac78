"""The vector cache for incremental builds (the FAISS index itself is index/dense.py).

Vector cache (incremental rebuild): `embedding-cache.npy` (float32 rows) + `embedding-cache.json` (model, dimension,
sha256 of the .npy file, and one key per row: sha256 of the embedded text) in the index folder. A rebuild embeds
only texts whose key is not there, so adding one document to a large corpus embeds only that document's passages.
No pickle. The cache is verified before use (model, shape, dtype, finite values, file hash, and a few rows embedded
again and compared): a cache that does not check out is dropped with a warning and everything is embedded afresh.

The cache must not be able to change an answer, even when someone rewrites both its rows and its recorded hash
(rows swapped among texts a spot check does not sample). So its metadata is signed: an HMAC-SHA256, with a key
kept outside the index folder (`embedding-cache.key` in the model cache folder, created once, mode 0600), over the
model, the dimension, the vectors' hash and every row's text key, in order. Swapping, altering or adding a row, or
copying a cache from another computer, breaks the signature and the cache is not used. Anyone who can also read
that key (the same user account) could sign a forgery; for that case SPOT_CHECK_ROWS rows, chosen at random at
each build (not predictable), are embedded again and compared. Cost: one HMAC over the key list and the vectors'
hash (already computed; under 1 ms for 4,076 keys) and 16 texts embedded per build (0.5 s on a busy 2-core
machine, against 32 s for a full build of the shipped corpus; 2 texts took 0.04 s). Caches written before signing
are not used once (one full re-embedding after the upgrade).
A long build saves its progress every `CHECKPOINT_EVERY` new vectors to a checkpoint beside the index, so a build
that is killed does not lose the embeddings done so far.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import numpy as np

from errors import shown
from index.hashing import sha256_file

log = logging.getLogger("lac.index")

CACHE_VECTORS = "embedding-cache.npy"
CACHE_KEYS = "embedding-cache.json"
CHECKPOINT_EVERY = 2048  # new vectors between two checkpoints of a long build
SPOT_CHECK_ROWS = 16  # cached rows, chosen at random, embedded again at each build to prove rows belong to their keys
SPOT_CHECK_MIN_COSINE = 0.99
KEY_FILE = "embedding-cache.key"
_random = secrets.SystemRandom()


def cache_secret(folder: Path) -> bytes:
    """The key that signs embedding caches, kept in `folder` (the model cache, outside every index folder); made
    on first use (32 random bytes, readable only by this user). If it cannot be kept, a key for this process only:
    caches are then not reused across runs (everything is embedded again), never trusted unsigned."""
    path = Path(folder) / KEY_FILE
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
        try:
            os.link(tmp, path)  # never replaces a key another process made meanwhile
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except OSError as exc:
        log.warning("cannot keep the embedding cache key in %s (%s); the cache is used within this run only",
                    folder, exc.strerror or exc.__class__.__name__)
    return secrets.token_bytes(32)


def _signature(secret: bytes, meta: dict) -> str:
    signed = json.dumps([meta["model"], meta["dimension"], meta["sha256"], meta["keys"]], separators=(",", ":"))
    return hmac.new(secret, signed.encode("utf-8"), hashlib.sha256).hexdigest()


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class VectorCache:
    """Vectors by text hash for one model; loaded from and saved to an index folder (or a checkpoint folder)."""

    def __init__(self, model: str, dimension: int | None = None, secret: bytes | None = None):
        self.model = model
        self.dimension = dimension
        self.secret = secret or secrets.token_bytes(32)  # without a kept key: trusted within this run only
        self.rows: dict[str, np.ndarray] = {}
        self.warnings: list[str] = []  # why a cache on disk was not used

    @classmethod
    def load(cls, folder: Path, model: str, secret: bytes | None = None) -> VectorCache:
        cache = cls(model, secret=secret)
        cache.merge(folder)
        return cache

    def merge(self, folder: Path) -> None:
        """Add the rows cached in `folder` when they check out; otherwise say why they were dropped."""
        folder = Path(folder)
        if not (folder / CACHE_KEYS).exists():
            return
        try:
            meta = json.loads((folder / CACHE_KEYS).read_text("utf-8"))
            if meta.get("model") != self.model:
                return  # another model's vectors: not an error, just of no use
            problem = _cache_problem(folder, meta) or self._signature_problem(meta)
            vectors = None
            if not problem:
                vectors = np.load(folder / CACHE_VECTORS, allow_pickle=False)
                problem = _shape_problem(vectors, meta, self.dimension)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            problem = f"cannot be read ({exc.__class__.__name__})"
        if problem or vectors is None:
            self._drop(f"the embedding cache in {shown(folder)} {problem}")
            return
        self.dimension = int(vectors.shape[1])
        self.rows.update(zip(meta["keys"], vectors))

    def _signature_problem(self, meta: dict) -> str:
        given = meta.get("signature")
        if not isinstance(given, str) or not hmac.compare_digest(given, _signature(self.secret, meta)):
            return ("is not signed with this computer's cache key (copied from elsewhere, written by an older "
                    "version, or altered)")
        return ""

    def _drop(self, reason: str) -> None:
        message = f"{reason}; it is not used (every passage is embedded again)"
        log.warning(message)
        self.warnings.append(message)

    def save(self, folder: Path, keys: list[str], vectors: np.ndarray) -> None:
        """Keep exactly the rows given (for an index: the rows of its passages, a removed document's are dropped).
        Written to temporary names and renamed, with the vectors' hash in the JSON written last."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with open(folder / f"{CACHE_VECTORS}.tmp", "wb") as handle:
            np.save(handle, vectors, allow_pickle=False)
        os.replace(folder / f"{CACHE_VECTORS}.tmp", folder / CACHE_VECTORS)
        meta = {"model": self.model, "dimension": int(vectors.shape[1]) if vectors.ndim == 2 else 0,
                "sha256": sha256_file(folder / CACHE_VECTORS), "keys": keys}
        meta["signature"] = _signature(self.secret, meta)
        (folder / f"{CACHE_KEYS}.tmp").write_text(json.dumps(meta), encoding="utf-8")
        os.replace(folder / f"{CACHE_KEYS}.tmp", folder / CACHE_KEYS)

    def save_all(self, folder: Path) -> None:
        """Every row held (a build's checkpoint)."""
        keys = list(self.rows)
        if keys:
            self.save(folder, keys, np.stack([self.rows[k] for k in keys]))

    def embed(self, embedder, texts: list[str], show_progress: bool = False,
              checkpoint: Callable[[VectorCache], None] | None = None) -> tuple[np.ndarray, list[str], int]:
        """Vectors for `texts` (cached ones reused, the rest embedded in batches), their keys, and how many were
        reused. `checkpoint(self)` is called after every CHECKPOINT_EVERY new vectors."""
        keys = [text_key(t) for t in texts]
        first_index: dict[str, int] = {}
        for i, k in enumerate(keys):
            first_index.setdefault(k, i)
        self._spot_check(embedder, [texts[i] for k, i in first_index.items() if k in self.rows])
        missing = [(k, i) for k, i in first_index.items() if k not in self.rows]
        for start in range(0, len(missing), CHECKPOINT_EVERY):
            batch = missing[start:start + CHECKPOINT_EVERY]
            fresh = embedder.embed([texts[i] for _, i in batch], show_progress=show_progress)
            self.rows.update((key, vector) for (key, _), vector in zip(batch, fresh))
            if checkpoint is not None and start + CHECKPOINT_EVERY < len(missing):
                checkpoint(self)
        if not texts:
            return np.zeros((0, self.dimension or 0), dtype=np.float32), keys, 0
        vectors = np.stack([self.rows[k] for k in keys]).astype(np.float32, copy=False)
        self.dimension = int(vectors.shape[1])
        return vectors, keys, len(texts) - len(missing)

    def _spot_check(self, embedder, cached_texts: list[str]) -> None:
        """Embed a few cached texts, chosen at random, again: rows shuffled or from another model differ."""
        if not cached_texts:
            return
        sample = _random.sample(cached_texts, min(SPOT_CHECK_ROWS, len(cached_texts)))
        if not sample:
            return
        fresh = np.asarray(embedder.embed(sample), dtype=np.float32)
        cached = np.stack([self.rows[text_key(t)] for t in sample])
        if fresh.shape != cached.shape:
            problem = f"holds {cached.shape[1]}-dimension vectors, the model gives {fresh.shape[1]}"
        elif (np.sum(fresh * cached, axis=1) < SPOT_CHECK_MIN_COSINE).any():
            problem = "has rows that do not match their texts (shuffled or altered?)"
        else:
            return
        self.rows.clear()
        self.dimension = None
        self._drop(f"the embedding cache {problem}")


def _cache_problem(folder: Path, meta: dict) -> str:
    if not isinstance(meta.get("keys"), list) or not all(isinstance(k, str) for k in meta["keys"]):
        return "has a damaged key list"
    if not isinstance(meta.get("model"), str) or not isinstance(meta.get("dimension"), int):
        return "has a damaged header"
    if meta.get("sha256") != sha256_file(folder / CACHE_VECTORS):
        return "does not match its recorded hash (altered or from another build)"
    return ""


def _shape_problem(vectors: np.ndarray, meta: dict, dimension: int | None) -> str:
    if vectors.dtype != np.float32 or vectors.ndim != 2 or len(vectors) != len(meta["keys"]):
        return f"has the wrong shape or type ({vectors.dtype}, {vectors.shape} for {len(meta['keys'])} keys)"
    if vectors.shape[1] != meta.get("dimension") or (dimension and vectors.shape[1] != dimension):
        return f"holds {vectors.shape[1]}-dimension vectors, {dimension or meta.get('dimension')} expected"
    if not np.isfinite(vectors).all():
        return "holds values that are not numbers"
    return ""


__all__ = ["VectorCache", "cache_secret", "text_key"]
