"""The persisted index: what is on disk, how it is written safely, and how it is checked before use.

The index path (e.g. `.lac-index`) is a symbolic link to a version folder beside it (`..lac-index.v-XXXX`). A build
writes a new version folder and swaps it in with ONE atomic step: a new link renamed over the old one. A kill at
any moment leaves either the old index or the new one, never none; the previous version is deleted after the swap.

Layout of an index (version) folder (all JSON except the FAISS file and the BM25 arrays; nothing is pickled):
  manifest.json   what the index was built from (corpus file hashes, model, settings) and hashes of every file
  documents.json  document metadata;  sections.json  citable sections;  passages.json  passages, in vector order
  vectors.faiss   one normalised vector per passage;  bm25/  the BM25 index over the same passages
  units.json      answer units (each passage's sentences and bullets);  unit-vectors.npy  one vector per unit
  bank.json       the question bank's questions (ingest/bank.py), read only when asked for (index/bank.py);
  bank-places.npz  where each bank question's gold stands: its passages and answer units (read at every start);
  bank-vectors.npy  one vector per bank question
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import ingest
from errors import IndexBusyError, IndexPathError, IndexUnavailableError, shown
from index.bank import BankPlaces
from index.dense import DenseIndex
from index.encoders.adapter import adapter_folder
from index.encoders.factory import vector_space
from index.hashing import sha256_file
from index.lexical import LexicalIndex
from ingest.model import Document, Passage, Section
from ingest.units import AnswerUnit
from settings import Settings

if TYPE_CHECKING:
    from ingest.bank import BankQuestion, PlacedQuestion

# bump when tokenising or the file layout changes (4: chunks.json became passages.json; 5: answer units;
# 6: the question bank; 7: its placements apart from its questions, bank-places.npz)
FORMAT_VERSION = 7
MANIFEST = "manifest.json"
DATA_FILES = ("documents.json", "sections.json", "passages.json", "vectors.faiss", "units.json", "unit-vectors.npy",
              "bank.json", "bank-places.npz", "bank-vectors.npy")
# Written into every version folder a build creates: only folders that carry it (or an index of the layout written
# before it existed, recognised by its manifest and names) are ever replaced or deleted.
MARKER = ".lac-index-marker"
MARKER_TEXT = "lac-guide index version folder: created, replaced and deleted by python -m index build\n"
LAYOUT = frozenset({MANIFEST, MARKER, *DATA_FILES, "bm25", "embedding-cache.npy", "embedding-cache.json",
                    "embedding-cache.npy.tmp", "embedding-cache.json.tmp"})
MANIFEST_KEYS = frozenset({"format", "embedding_model", "max_passage_chars", "files", "corpus", "counts"})


def corpus_fingerprint(corpus_dir: Path, max_file_bytes: int | None = None) -> dict[str, str]:
    """Hashes of every file ingest may read, so any edit, addition or removal marks the index stale
    (symbolic links are not read by ingest, so they are not hashed either). A file over max_file_bytes, which
    ingest skips unread, is recorded by size and time instead of hashed (an 8 GB file cost 7 s on every start).
    The question bank's files (corpus/questions) count too: the bank is embedded into the index."""
    from ingest.corpus import BANK_FOLDER, bank_files, ingest_inputs

    if not corpus_dir.is_dir():
        return {}
    out = {}
    for path in ingest_inputs(corpus_dir):
        stat = path.stat()
        too_big = max_file_bytes is not None and stat.st_size > max_file_bytes
        out[path.name] = f"skipped:{stat.st_size}:{stat.st_mtime_ns}" if too_big else sha256_file(path)
    return out | {f"{BANK_FOLDER}/{p.name}": sha256_file(p) for p in bank_files(corpus_dir)}


# The code that decides what an index holds: how documents are cleaned and split (with its data files) and how
# the index is built and written.
INDEXING_CODE = (Path(ingest.__file__).parent, Path(__file__).parent)


@functools.cache
def indexing_code_fingerprint() -> str:
    """One hash of INDEXING_CODE, so an index built by other code (an upgrade that splits the guidance
    differently) is rebuilt rather than served as fresh, without anyone remembering to bump FORMAT_VERSION.
    A rebuild after a code change is quick: unchanged passages take their vectors from the embedding cache."""
    digest = hashlib.sha256()
    for root in INDEXING_CODE:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in {".pyc", ".pyo"}):
            digest.update(f"{path.relative_to(root.parent)}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


def build_key(settings: Settings) -> dict:
    """The settings and code that change what an index contains; a mismatch means rebuild."""
    return {
        "format": FORMAT_VERSION,
        "indexing_code": indexing_code_fingerprint(),
        "embedding_model": vector_space(settings.embedding_model, settings.embedder_backend,
                                  adapter_folder(settings.embedding_adapter, settings.embedding_model)),
        "max_passage_chars": settings.max_passage_chars,
    }


LOCK_HOLDER = "lac-guide index build: pid "  # how a lock file written by this program starts
STOPPED_BUILD_WAIT = 5.0  # seconds a build that is stopped (Ctrl-Z, SIGSTOP) is waited for at most


@contextlib.contextmanager
def build_lock(index_dir: Path, wait: float | None = None):
    """One build at a time per index folder, across processes and threads; re-entrant in the thread holding it,
    so "check, then build" can happen under one lock. The holder writes its pid and start time into the lock file
    (only into a lock file that is empty or its own kind: a user's file of that name is locked, never changed).
    `wait`: seconds to wait for another holder (None: as long as it takes); then IndexBusyError names the holder
    (its pid, since when, and whether it is stopped). A stopped holder is waited for at most STOPPED_BUILD_WAIT."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    key = str(index_dir.resolve())
    held = _held_locks.__dict__.setdefault("paths", set())
    if key in held:
        yield
        return
    path = lock_path(index_dir)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # no O_TRUNC: never truncates a file on opening it
    try:
        _acquire(fd, path, wait)
        own = _is_holder_record(os.pread(fd, 4096, 0))
        if own:
            os.ftruncate(fd, 0)
            os.pwrite(fd, _holder_record(), 0)
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
            if own:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)  # released: nobody holds it
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def lock_path(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.lock"


def _acquire(fd: int, path: Path, wait: float | None) -> None:
    import logging
    import time

    start = time.monotonic()
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = lock_holder(path)
        waited = time.monotonic() - start
        limit = wait
        if holder.get("stopped"):
            limit = STOPPED_BUILD_WAIT if limit is None else min(limit, STOPPED_BUILD_WAIT)
        if not told:
            limit_text = "" if limit is None else f" (for up to {limit:.0f} s)"
            logging.getLogger("lac.index").warning("waiting for %s to finish%s", describe_holder(holder), limit_text)
            told = True
        if limit is not None and waited >= limit:
            raise IndexBusyError(f"The index is being built by {describe_holder(holder)}; gave up waiting after "
                                 f"{waited:.0f} s. Let that build finish (or end it) and try again.")
        time.sleep(0.1 if limit is None else min(0.1, max(0.01, limit - waited)))


def _is_holder_record(content: bytes) -> bool:
    return not content.strip() or content.startswith(LOCK_HOLDER.encode())


def _holder_record() -> bytes:
    import datetime

    since = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return f"{LOCK_HOLDER}{os.getpid()} since {since}\n".encode()


def lock_holder(path: Path) -> dict:
    """What a lock file says about its holder: pid, since (ISO time, UTC), and whether that process is stopped."""
    try:
        text = path.read_bytes()[:4096].decode("utf-8", "replace")
    except OSError:
        return {}
    if not text.startswith(LOCK_HOLDER):
        return {}
    pid_text, _, since = text[len(LOCK_HOLDER):].strip().partition(" since ")
    if not pid_text.isdigit():
        return {}
    holder: dict = {"pid": int(pid_text), "since": since}
    try:  # Linux: the state letter after the command name; T (stopped) or t (traced)
        stat = Path(f"/proc/{holder['pid']}/stat").read_text()
        holder["stopped"] = stat.rsplit(")", 1)[1].split()[0] in ("T", "t")
    except (OSError, IndexError):
        pass
    return holder


def describe_holder(holder: dict) -> str:
    if not holder:
        return "another process (it wrote no details into the lock file)"
    text = f"another build (process {holder['pid']}, since {holder['since'] or 'an unknown time'} UTC"
    if holder.get("stopped"):
        text += "; it is stopped, e.g. by Ctrl-Z: resume it with fg, or end it"
    return text + ")"


_held_locks = threading.local()


def _write_json(path: Path, payload) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=0), encoding="utf-8")


def write_index(
    index_dir: Path,
    *,
    documents: list[Document],
    sections: list[Section],
    passages: list[Passage],
    vectors: DenseIndex,
    bm25: LexicalIndex,
    built_from: dict,
    units: Sequence[AnswerUnit] = (),
    unit_vectors: np.ndarray | None = None,
    bank: Sequence[PlacedQuestion] = (),
    bank_vectors: np.ndarray | None = None,
    extra=None,
) -> None:
    """Write everything to a temporary sibling folder, then swap it in: a crash never leaves half an index."""
    check_index_target(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(index_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
    try:
        (tmp / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        _write_json(tmp / "documents.json", [d.to_json() for d in documents])
        _write_json(tmp / "sections.json", [s.to_json() for s in sections])
        _write_json(tmp / "passages.json", [p.to_json() for p in passages])
        vectors.save(tmp / "vectors.faiss")
        bm25.save(tmp / "bm25")
        _write_json(tmp / "units.json", [u.to_json() for u in units])
        dimension = vectors.dimension
        rows = np.zeros((0, dimension)) if unit_vectors is None else unit_vectors
        np.save(tmp / "unit-vectors.npy", np.ascontiguousarray(rows, dtype=np.float32), allow_pickle=False)
        _write_json(tmp / "bank.json", [q.question.to_dict() for q in bank])
        np.savez(tmp / "bank-places.npz", allow_pickle=False, **BankPlaces.of(bank).arrays())
        rows = np.zeros((0, dimension)) if bank_vectors is None else bank_vectors
        np.save(tmp / "bank-vectors.npy", np.ascontiguousarray(rows, dtype=np.float32), allow_pickle=False)
        if extra is not None:  # e.g. the vector cache: written with the index, not hashed in its manifest
            extra(tmp)
        files = {name: sha256_file(tmp / name) for name in DATA_FILES}
        files.update({f"bm25/{p.name}": sha256_file(p) for p in sorted((tmp / "bm25").iterdir())})
        manifest = dict(built_from, files=files, counts={
            "documents": len(documents), "sections": len(sections), "passages": len(passages),
            "bank_questions": len(bank),
        }, dimension=vectors.dimension)
        _write_json(tmp / MANIFEST, manifest)
        _swap_in(tmp, index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def is_ours(folder: Path, *, only_our_files: bool = True) -> bool:
    """A folder this product can prove it created: a real folder (not a link) with its marker or, for an index
    written before the marker existed, a manifest with its keys; and (only_our_files) nothing but names of its
    layout, so deleting it deletes nothing of anyone else's."""
    try:
        if folder.is_symlink() or not folder.is_dir():
            return False
        if only_our_files and any(entry.name not in LAYOUT for entry in folder.iterdir()):
            return False
        marker = folder / MARKER
        if marker.is_file() and not marker.is_symlink():
            return True
        manifest = read_manifest(folder)
        return isinstance(manifest, dict) and MANIFEST_KEYS <= manifest.keys()
    except OSError:
        return False


def check_index_target(index_dir: Path, corpus_dir: Path | None = None) -> None:
    """Refuse (IndexPathError, nothing touched) to build at a path holding anything this product did not create:
    a user's folder or file, the corpus folder, a link to some other folder. A path that does not exist yet, an
    index link to one of its own version folders, or an index folder of the older layout is fine."""
    index_dir = Path(index_dir)
    if corpus_dir is not None and _inside(Path(corpus_dir), index_dir):
        raise IndexPathError(f"Refusing to build the index at {shown(index_dir)}: it is (or holds) the corpus folder "
                             f"{shown(corpus_dir)}. Choose another path with --out or LAC_INDEX_DIR.")
    if index_dir.is_symlink():
        target = Path(os.readlink(index_dir))
        ours = (target.parent == Path(".") and target.name.startswith(f".{index_dir.name}.v-")
                and (not (index_dir.parent / target).exists() or is_ours(index_dir.parent / target, only_our_files=False)))
        if not ours:
            raise IndexPathError(f"Refusing to replace {shown(index_dir)}: it is a link to {shown(target)}, which is not an index "
                                 "version folder this program made. Choose another path with --out or LAC_INDEX_DIR.")
        return
    if not index_dir.exists():
        return
    if not is_ours(index_dir):
        what = "folder" if index_dir.is_dir() else "file"
        raise IndexPathError(f"Refusing to replace {shown(index_dir)}: it is a {what} this program did not create (no "
                             f"{MARKER}). Choose another path with --out or LAC_INDEX_DIR.")


def _inside(corpus_dir: Path, index_dir: Path) -> bool:
    try:
        corpus, index = corpus_dir.resolve(), index_dir.resolve()
    except (OSError, RuntimeError):
        return False
    return corpus == index or index in corpus.parents


def remove_leftovers(index_dir: Path) -> None:
    """Delete temporary folders and old versions left by earlier or killed builds (call with the build lock held);
    the version the index link points at is kept, and so is anything this program cannot prove it made."""
    current = index_dir.resolve() if index_dir.is_symlink() else None
    for prefix in (f".{index_dir.name}.tmp-", f".{index_dir.name}.old-", f".{index_dir.name}.v-"):
        for path in index_dir.parent.glob(prefix + "*"):
            if path.resolve() != current and is_ours(path):
                shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.parent.glob(f".{index_dir.name}.link-*"):
        if path.is_symlink():  # a link made by _point_at and not yet renamed
            path.unlink(missing_ok=True)


def remove_checkpoint(folder: Path) -> None:
    """Delete a build's embedding checkpoint folder, if it holds nothing but the cache files a build writes."""
    if folder.is_dir() and not folder.is_symlink() and all(p.name in LAYOUT for p in folder.iterdir()):
        shutil.rmtree(folder, ignore_errors=True)


def recover_interrupted_swap(index_dir: Path) -> None:
    """An index folder of the old layout (a real folder) is moved aside before its first link is made; a kill in
    between leaves no index path. Point it at the newest complete version folder again."""
    if index_dir.exists() or index_dir.is_symlink():
        return
    versions = [p for p in index_dir.parent.glob(f".{index_dir.name}.v-*") if (p / MANIFEST).is_file() and is_ours(p)]
    if versions:
        _point_at(max(versions, key=lambda p: (p / MANIFEST).stat().st_mtime), index_dir)


def _point_at(version: Path, index_dir: Path) -> None:
    """Make `index_dir` a link to `version` in one atomic rename (a relative link: the pair can be moved)."""
    link = index_dir.parent / f".{index_dir.name}.link-{os.getpid()}-{threading.get_ident()}"
    link.unlink(missing_ok=True)
    link.symlink_to(version.name)
    os.replace(link, index_dir)


def _swap_in(new: Path, index_dir: Path) -> None:
    check_index_target(index_dir)  # again, under the lock: nothing but our own index is ever replaced
    version = index_dir.parent / new.name.replace(".tmp-", ".v-", 1)
    os.rename(new, version)  # not visible to readers yet: nothing points at it
    if index_dir.is_symlink():
        previous = index_dir.parent / os.readlink(index_dir)
    elif index_dir.is_dir():  # first build after the old layout (a real folder): moved aside, then linked
        previous = index_dir.parent / f".{index_dir.name}.v-legacy-{os.getpid()}"
        (index_dir / MARKER).write_text(MARKER_TEXT, encoding="utf-8")  # recognised as ours: marked as such
        os.rename(index_dir, previous)
    else:
        previous = None
    _point_at(version, index_dir)  # the one step that switches every later reader to the new index
    if previous is not None and previous != version and previous.parent == index_dir.parent and is_ours(previous):
        shutil.rmtree(previous, ignore_errors=True)


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest, or None when it is missing, unreadable or not of the shape a build writes (`"files": []`
    was an AttributeError in ask and status)."""
    try:
        manifest = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(manifest, dict):
        return None
    for name in ("files", "corpus", "counts"):
        value = manifest.get(name, {})
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            return None
    if not all(isinstance(v, str) for v in (*manifest.get("files", {}).values(), *manifest.get("corpus", {}).values())):
        return None
    return manifest


@dataclass(frozen=True)
class IndexCheck:
    usable: bool
    reason: str  # empty when usable
    manifest: dict | None


def check_index(index_dir: Path, settings: Settings, corpus_dir: Path | None) -> IndexCheck:
    """Is the index on disk complete, undamaged, and built from this corpus and these settings?"""
    manifest = read_manifest(index_dir)
    if manifest is None:
        return IndexCheck(False, f"no readable index at {shown(index_dir)}", None)
    key = build_key(settings)
    for name, value in key.items():
        if manifest.get(name) != value:
            return IndexCheck(False, f"built with {name}={manifest.get(name)!r}, settings ask for {value!r}", manifest)
    for name, digest in manifest.get("files", {}).items():
        path = index_dir / name
        if not path.is_file():
            return IndexCheck(False, f"index file {shown(name)} is missing", manifest)
        if sha256_file(path) != digest:
            return IndexCheck(False, f"index file {shown(name)} is damaged (its hash does not match)", manifest)
    if corpus_dir is not None and not _same_folder(manifest.get("corpus_dir"), corpus_dir):
        return IndexCheck(False, f"stale: built from {shown(manifest.get('corpus_dir'))}, the corpus folder is now {shown(corpus_dir)}",
                          manifest)
    if corpus_dir is not None and manifest.get("corpus") != corpus_fingerprint(corpus_dir, settings.max_file_bytes):
        return IndexCheck(False, f"stale: the files in {shown(corpus_dir)} changed since the index was built", manifest)
    return IndexCheck(True, "", manifest)


def _same_folder(recorded, corpus_dir: Path) -> bool:
    try:
        return recorded is not None and Path(recorded).resolve() == Path(corpus_dir).resolve()
    except (OSError, RuntimeError, TypeError):
        return False


def read_records(index_dir: Path) -> tuple[list[Document], list[Section], list[Passage], DenseIndex]:
    """Load the JSON records back into dataclasses; shape-check them against the vectors."""
    try:
        documents = [Document.from_json(d) for d in json.loads((index_dir / "documents.json").read_text("utf-8"))]
        sections = [Section.from_json(s) for s in json.loads((index_dir / "sections.json").read_text("utf-8"))]
        passages = [Passage.from_json(p) for p in json.loads((index_dir / "passages.json").read_text("utf-8"))]
        vectors = DenseIndex.load(index_dir / "vectors.faiss")
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise IndexUnavailableError(
            f"The index at {shown(index_dir)} cannot be read ({exc.__class__.__name__}); rebuild it with: python -m index build"
        ) from exc
    if vectors.size != len(passages):
        raise IndexUnavailableError(
            f"The index at {shown(index_dir)} has {vectors.size} vectors for {len(passages)} passages; "
            "rebuild it with: python -m index build"
        )
    section_text = {s.section_id: s.text for s in sections}
    if any(p.section_id not in section_text for p in passages):
        raise IndexUnavailableError(
            f"The index at {shown(index_dir)} has passages for unknown sections; rebuild it with: python -m index build"
        )
    # Every passage line is copied from its section: a passage that is not would be cited against the wrong text.
    if any(line not in section_text[p.section_id] for p in passages for line in p.text.split("\n")):
        raise IndexUnavailableError(
            f"The index at {shown(index_dir)} has passages that do not match their sections; "
            "rebuild it with: python -m index build"
        )
    return documents, sections, passages, vectors


def _rows_and_vectors(index_dir: Path, records: str, vectors_file: str, what: str, from_dict) -> tuple[list, np.ndarray]:
    """A JSON list of records and their vectors (one row each, float32), or a one-line IndexUnavailableError."""
    try:
        rows = [from_dict(r) for r in json.loads((index_dir / records).read_text("utf-8"))]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise _unreadable(index_dir, exc) from exc
    return rows, _vectors(index_dir, vectors_file, len(rows), what)


def _vectors(index_dir: Path, vectors_file: str, count: int, what: str) -> np.ndarray:
    """`count` vectors (float32 rows), or a one-line IndexUnavailableError."""
    try:
        vectors = np.load(index_dir / vectors_file, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise _unreadable(index_dir, exc) from exc
    if vectors.ndim != 2 or len(vectors) != count or vectors.dtype != np.float32:
        raise IndexUnavailableError(
            f"The index at {shown(index_dir)} has {len(vectors)} vectors for {count} {what}; "
            "rebuild it with: python -m index build"
        )
    return vectors


def _unreadable(index_dir: Path, exc: Exception) -> IndexUnavailableError:
    return IndexUnavailableError(
        f"The index at {shown(index_dir)} cannot be read ({exc.__class__.__name__}); rebuild it with: python -m index build")


def _mismatch(index_dir: Path, what: str) -> IndexUnavailableError:
    return IndexUnavailableError(f"The index at {shown(index_dir)} has {what}; rebuild it with: python -m index build")


def read_bank(index_dir: Path, passages: Sequence[Passage], units: Sequence[AnswerUnit],
              ) -> tuple[BankPlaces, np.ndarray]:
    """Where the bank questions stand and their vectors, checked against the passages and units they point at
    (the questions themselves: read_bank_questions)."""
    try:
        with np.load(index_dir / "bank-places.npz", allow_pickle=False) as saved:
            places = BankPlaces.from_arrays(saved)
    except (OSError, ValueError, KeyError) as exc:
        raise _unreadable(index_dir, exc) from exc
    vectors = _vectors(index_dir, "bank-vectors.npy", len(places), "bank questions")
    if not places.point_inside(len(passages), len(units)):
        raise _mismatch(index_dir, "bank questions that point outside its passages")
    return places, vectors


def read_bank_questions(index_dir: Path, places: BankPlaces) -> list[PlacedQuestion]:
    """The bank's questions (bank.json), each with its place in the index: one per entry of `places`."""
    from ingest.bank import BankQuestion, PlacedQuestion

    try:
        questions: list[BankQuestion] = [
            BankQuestion.from_dict(r) for r in json.loads((index_dir / "bank.json").read_text("utf-8"))]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise _unreadable(index_dir, exc) from exc
    if len(questions) != len(places) or any(q.answerable != flag for q, flag in zip(questions, places.answerable)):
        raise _mismatch(index_dir, f"{len(questions)} bank questions that do not match their {len(places)} places")
    return [PlacedQuestion(q, places.passages(n), places.units(n)) for n, q in enumerate(questions)]


def read_units(index_dir: Path, passages: Sequence[Passage]) -> tuple[list[AnswerUnit], np.ndarray]:
    """The answer units and their vectors, checked against the passages they were cut from."""
    units, vectors = _rows_and_vectors(index_dir, "units.json", "unit-vectors.npy", "answer units",
                                       AnswerUnit.from_json)
    if any(not 0 <= u.passage < len(passages) or passages[u.passage].section_id != u.section_id for u in units):
        raise _mismatch(index_dir, "answer units that do not match their passages")
    return units, vectors


__all__ = [
    "MARKER", "IndexCheck", "build_key", "build_lock", "describe_holder", "lock_holder", "lock_path", "check_index", "check_index_target", "corpus_fingerprint",
    "is_ours", "read_bank", "read_bank_questions", "read_manifest", "read_records", "read_units", "recover_interrupted_swap",
    "remove_checkpoint", "remove_leftovers", "write_index",
]
