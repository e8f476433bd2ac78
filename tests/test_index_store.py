"""index/store.py: the index only ever replaces or deletes what it can prove it created (fast: a fake model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from index_fakes import SMALL, FakeEmbedder, built, rehash, resign, small_corpus, small_settings, snapshot

from errors import IndexPathError

ROOT = Path(__file__).resolve().parents[1]


def build(settings):
    from index.build import build_index

    return build_index(settings, embedder=FakeEmbedder())


def user_files(tmp_path: Path) -> Path:
    """A folder of the user's, beside where the index might go."""
    mine = tmp_path / "my-documents"
    mine.mkdir()
    (mine / "thesis.docx").write_bytes(b"years of work")
    return mine


def test_build_out_an_existing_user_folder_is_refused_by_the_cli_and_nothing_is_touched(tmp_path):
    mine = user_files(tmp_path)
    corpus = small_corpus(tmp_path / "corpus")
    before = snapshot(tmp_path)
    env = dict(os.environ, LAC_EMBEDDING_MODEL="fake")
    run = subprocess.run([sys.executable, "-m", "index", "build", "--corpus", str(corpus), "--out", str(mine)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Refusing") and str(mine) in lines[0]
    assert snapshot(tmp_path) == before


def test_build_cli_shows_each_corpus_warning_once(tmp_path, monkeypatch, capsys, caplog):
    import index.build
    from index.cli import main

    real = index.build.build_index
    monkeypatch.setattr(index.build, "build_index",
                        lambda settings, progress=False: real(settings, embedder=FakeEmbedder()))
    corpus = small_corpus(tmp_path / "corpus", {**SMALL, "empty.txt": ""})
    assert main(["build", "--corpus", str(corpus), "--out", str(tmp_path / "idx")]) == 0
    logged = [r.getMessage() for r in caplog.records if "empty.txt" in r.getMessage()]
    assert logged == ["empty.txt: empty file; skipped"] and "empty.txt" not in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["file", "empty folder", "corpus folder", "folder inside the corpus",
                                  "link to a sibling folder", "link to a file", "dangling link elsewhere"])
def test_index_path_that_is_not_ours_is_refused_and_left_untouched(tmp_path, kind):
    corpus = small_corpus(tmp_path / "corpus")
    mine = user_files(tmp_path)
    target = {
        "file": tmp_path / "notes.txt",
        "empty folder": tmp_path / "empty",
        "corpus folder": corpus,
        "folder inside the corpus": corpus / "sub",
        "link to a sibling folder": tmp_path / "idx",
        "link to a file": tmp_path / "idx",
        "dangling link elsewhere": tmp_path / "idx",
    }[kind]
    if kind == "file":
        target.write_text("my notes", encoding="utf-8")
    elif kind in ("empty folder", "folder inside the corpus"):
        target.mkdir()
    elif kind == "link to a sibling folder":
        target.symlink_to(mine.name)
    elif kind == "link to a file":
        target.symlink_to(mine / "thesis.docx")
    elif kind == "dangling link elsewhere":
        target.symlink_to(tmp_path / "nowhere")
    before = snapshot(tmp_path)
    with pytest.raises(IndexPathError, match="Refusing") as refused:
        build(small_settings(tmp_path, corpus=corpus, index_dir=target))
    assert str(target) in str(refused.value) and "\n" not in str(refused.value)
    assert snapshot(tmp_path) == before


def test_index_path_that_is_a_file_is_refused_when_a_question_needs_a_rebuild(tmp_path):
    from index.loaded import open_index

    notes = tmp_path / "notes.txt"
    notes.write_text("my notes", encoding="utf-8")
    settings = small_settings(tmp_path, index_dir=notes)
    before = snapshot(tmp_path)
    with pytest.raises(IndexPathError, match="notes.txt"):
        open_index(settings, embedder=FakeEmbedder())
    assert snapshot(tmp_path) == before  # not even a lock file beside it


def test_every_version_folder_carries_the_marker(tmp_path):
    from index.store import MARKER, is_ours

    settings = small_settings(tmp_path)
    build(settings)
    version = settings.index_dir.resolve()
    assert settings.index_dir.is_symlink() and (version / MARKER).is_file() and is_ours(version)
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")
    build(settings)
    assert not version.exists() and (settings.index_dir.resolve() / MARKER).is_file()


def unmarked(settings) -> Path:
    """The index as written before the marker existed: a real folder with our manifest and layout."""
    from index.store import MARKER

    version = settings.index_dir.resolve()
    (version / MARKER).unlink()
    settings.index_dir.unlink()
    version.rename(settings.index_dir)
    return settings.index_dir


def test_index_folder_from_before_the_marker_is_recognised_and_replaced(tmp_path):
    settings = small_settings(tmp_path)
    build(settings)
    old = unmarked(settings)
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")
    build(settings)
    assert settings.index_dir.is_symlink()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".idx.v-")] == [os.readlink(old)]


def test_link_to_an_unmarked_version_folder_of_ours_is_replaced(tmp_path):
    from index.store import MARKER

    settings = small_settings(tmp_path)
    build(settings)
    version = settings.index_dir.resolve()
    (version / MARKER).unlink()
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")
    build(settings)
    assert not version.exists() and settings.index_dir.resolve() != version


@pytest.mark.parametrize("change", ["foreign file", "manifest without our keys"])
def test_old_index_folder_that_is_not_recognisably_ours_is_refused(tmp_path, change):
    settings = small_settings(tmp_path)
    build(settings)
    old = unmarked(settings)
    if change == "foreign file":
        (old / "thesis.docx").write_bytes(b"years of work")
    else:
        (old / "manifest.json").write_text(json.dumps({"title": "my notes"}), encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(IndexPathError, match="did not create"):
        build(settings)
    assert snapshot(tmp_path) == before


def test_leftover_named_like_a_version_but_not_ours_is_kept(tmp_path):
    settings = small_settings(tmp_path)
    build(settings)
    lookalike = tmp_path / ".idx.v-mine"
    lookalike.mkdir()
    (lookalike / "diary.txt").write_text("dear diary", encoding="utf-8")
    (tmp_path / ".idx.tmp-notes").write_text("a file", encoding="utf-8")
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")
    build(settings)
    assert (lookalike / "diary.txt").read_text() == "dear diary"
    assert (tmp_path / ".idx.tmp-notes").read_text() == "a file"


def test_previous_version_holding_a_foreign_file_is_not_deleted_after_the_swap(tmp_path):
    settings = small_settings(tmp_path)
    build(settings)
    version = settings.index_dir.resolve()
    (version / "thesis.docx").write_bytes(b"years of work")
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")
    build(settings)
    assert settings.index_dir.resolve() != version and (version / "thesis.docx").read_bytes() == b"years of work"


def test_lock_file_of_the_same_name_is_never_truncated(tmp_path):
    settings = small_settings(tmp_path)
    (tmp_path / ".idx.lock").write_text("someone's file", encoding="utf-8")
    build(settings)
    assert (tmp_path / ".idx.lock").read_text() == "someone's file"


def test_build_of_a_one_line_file_is_linear_in_its_size(tmp_path):
    """A 200 KB one-line file took 243 s and 11.8 GB (its first line, the label, copied into every unit). The work
    is measured, not timed: the characters handed to the model and the bytes written both grow with the file."""
    from test_ingest_files import one_line

    from index.build import build_index

    sizes, embedded = {}, {}
    for size in (100_000, 1_000_000):
        folder = tmp_path / str(size)
        corpus = small_corpus(folder / "corpus", {"long.txt": one_line(size)})
        settings = small_settings(folder, corpus=corpus)
        embedder = FakeEmbedder()
        build_index(settings, embedder=embedder)
        embedded[size] = sum(map(len, embedder.texts))
        index = settings.index_dir.resolve()
        sizes[size] = sum(p.stat().st_size for p in index.rglob("*") if p.is_file())
        assert (index / "units.json").stat().st_size < 20 * size
        assert embedded[size] < 20 * size
    assert sizes[1_000_000] < 15 * sizes[100_000]
    assert embedded[1_000_000] < 15 * embedded[100_000]


@pytest.mark.parametrize("damage", [{"files": []}, {"corpus": "x"}, {"counts": [1]}, {"files": {"a": 1}}, []])
def test_malformed_manifest_is_no_index_not_a_traceback(tmp_path, damage):
    from index.loaded import open_index
    from index.store import check_index, read_manifest

    settings = small_settings(tmp_path)
    build(settings)
    path = settings.index_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, **damage} if isinstance(damage, dict) else damage))
    assert read_manifest(settings.index_dir) is None
    assert not check_index(settings.index_dir, settings, settings.corpus_dir).usable
    env = dict(os.environ, LAC_CORPUS_DIR=str(settings.corpus_dir), LAC_INDEX_DIR=str(settings.index_dir),
               LAC_EMBEDDING_MODEL="fake")
    status = subprocess.run([sys.executable, "-m", "index", "status"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert status.returncode == 1 and "Traceback" not in status.stderr and "no index" in status.stdout
    assert len(open_index(settings, embedder=FakeEmbedder()).passages) == 3  # rebuilt: still our folder


def test_corpus_file_over_the_size_limit_is_not_hashed(tmp_path, monkeypatch):
    from index import store

    settings = small_settings(tmp_path).replace(max_file_bytes=1_000_000)
    with open(settings.corpus_dir / "huge.txt", "wb") as handle:  # sparse: 8 GB on paper, nothing on disk
        handle.truncate(8 * 1024**3)
    hashed: list[str] = []
    real = store.sha256_file
    monkeypatch.setattr(store, "sha256_file", lambda path: hashed.append(Path(path).name) or real(path))
    fingerprint = store.corpus_fingerprint(settings.corpus_dir, settings.max_file_bytes)
    assert "huge.txt" not in hashed and fingerprint["huge.txt"].startswith("skipped:")
    assert {"care.md", "school.md"} <= set(hashed)
    build(settings)
    hashed.clear()
    assert store.check_index(settings.index_dir, settings, settings.corpus_dir).usable
    assert "huge.txt" not in hashed


# --- a build that holds the lock (Ctrl-Z) -----------------------------------------------------------------------

HOLDER = """
import os, signal, sys, time
from pathlib import Path
from index.store import build_lock
with build_lock(Path(sys.argv[1])):
    print("held", flush=True)
    if sys.argv[2] == "stop":
        os.kill(os.getpid(), signal.SIGSTOP)
    time.sleep(120)
"""


@pytest.fixture
def lock_holder_process():
    """Start a process that takes an index's build lock and then stops itself (as Ctrl-Z does) or keeps running."""
    started = []

    def start(index_dir: Path, how: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(index_dir), how], cwd=ROOT, stdout=subprocess.PIPE,
                                text=True)
        started.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.wait(10)


def _wait_stopped(pid: int) -> None:
    import time

    for _ in range(100):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T":
            return
        time.sleep(0.05)


def test_lock_file_names_its_holder_and_since_when(tmp_path, lock_holder_process):
    from index.store import lock_holder, lock_path

    proc = lock_holder_process(tmp_path / "idx", "run")
    holder = lock_holder(lock_path(tmp_path / "idx"))
    assert holder["pid"] == proc.pid and holder["since"].endswith("+00:00") and not holder.get("stopped")


def test_someone_elses_lock_file_is_locked_but_never_written(tmp_path):
    from index.store import build_lock

    (tmp_path / ".idx.lock").write_text("someone's file", encoding="utf-8")
    with build_lock(tmp_path / "idx"):
        assert (tmp_path / ".idx.lock").read_text() == "someone's file"
    assert (tmp_path / ".idx.lock").read_text() == "someone's file"


def test_stopped_builder_is_named_and_an_ask_serves_the_old_index_after_a_bounded_wait(
        tmp_path, lock_holder_process, monkeypatch, caplog):
    import index.store
    from index.loaded import open_index

    settings = small_settings(tmp_path).replace(build_lock_wait=30)
    build(settings)
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")  # stale
    proc = lock_holder_process(settings.index_dir, "stop")
    _wait_stopped(proc.pid)
    monkeypatch.setattr(index.store, "STOPPED_BUILD_WAIT", 1.0)
    opened = open_index(settings, embedder=FakeEmbedder())
    assert f"process {proc.pid}" in opened.stale and "stopped" in opened.stale and "Ctrl-Z" in opened.stale
    waits = [r.getMessage() for r in caplog.records if f"process {proc.pid}" in r.getMessage()]
    assert any("waiting" in w and "(for up to 1 s)" in w for w in waits)  # the stopped limit, not the 30 s one


def test_busy_lock_without_an_index_to_serve_fails_naming_the_holder(tmp_path, lock_holder_process, caplog):
    from errors import IndexBusyError
    from index.loaded import open_index

    settings = small_settings(tmp_path).replace(build_lock_wait=1.0)
    proc = lock_holder_process(settings.index_dir, "run")
    with pytest.raises(IndexBusyError, match=f"process {proc.pid}, since .* gave up waiting"):
        open_index(settings, embedder=FakeEmbedder())
    assert any(f"process {proc.pid}" in r.getMessage() and "(for up to 1 s)" in r.getMessage() for r in caplog.records)


# --- red-team case 6: the configured corpus folder wins ---------------------------------------------------------------

def test_case_06_configured_corpus_folder_wins_over_the_recorded_one(tmp_path):
    import os
    import subprocess
    import sys

    from index.loaded import open_index
    from index.store import check_index

    settings = built(tmp_path)
    other = small_corpus(tmp_path / "B", {"b.md": "# Health\nEvery looked-after child should have a health check.\n"})
    moved = settings.replace(corpus_dir=other)
    check = check_index(settings.index_dir, moved, moved.corpus_dir)
    assert not check.usable and "stale" in check.reason
    env = dict(os.environ, LAC_CORPUS_DIR=str(other), LAC_INDEX_DIR=str(settings.index_dir), LAC_EMBEDDING_MODEL="fake")
    status = subprocess.run([sys.executable, "-m", "index", "status"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert status.returncode == 1 and "up to date" not in status.stdout and "stale" in status.stdout
    index = open_index(moved, embedder=FakeEmbedder())
    assert [c.text for c in index.passages] == ["Every looked-after child should have a health check."]


# --- red-team case 7: a verified embedding cache ----------------------------------------------------------------------

def test_case_07_embedding_cache_with_shuffled_rows_is_dropped(tmp_path):
    import numpy as np

    from index.build import build_index
    from index.vectors import CACHE_VECTORS

    settings = built(tmp_path)
    cache = settings.index_dir / CACHE_VECTORS
    rows = np.load(cache)
    np.save(cache, rows[::-1].copy())
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")
    embedder = FakeEmbedder()
    report = build_index(settings, embedder=embedder)
    assert any("does not match its recorded hash" in w for w in report.warnings)
    assert report.reused_vectors == 0


def test_case_07_embedding_cache_with_forged_hash_is_caught_by_the_spot_check(tmp_path):
    import json

    import numpy as np

    from index.build import build_index
    from index.hashing import sha256_file
    from index.vectors import CACHE_KEYS, CACHE_VECTORS

    settings = built(tmp_path)
    folder = settings.index_dir
    np.save(folder / CACHE_VECTORS, np.load(folder / CACHE_VECTORS)[::-1].copy())
    meta = json.loads((folder / CACHE_KEYS).read_text())
    resign(settings, folder, {**meta, "sha256": sha256_file(folder / CACHE_VECTORS)})  # even by one who has the key
    report = build_index(settings, embedder=FakeEmbedder())
    assert any("do not match their texts" in w for w in report.warnings) and report.reused_vectors == 0


def test_case_07_embedding_cache_of_another_dimension_is_dropped_not_a_traceback(tmp_path):
    import json

    import numpy as np

    from index.build import build_index
    from index.hashing import sha256_file
    from index.loaded import open_index
    from index.vectors import CACHE_KEYS, CACHE_VECTORS

    settings = built(tmp_path)
    folder = settings.index_dir
    meta = json.loads((folder / CACHE_KEYS).read_text())
    np.save(folder / CACHE_VECTORS, np.ones((len(meta["keys"]), 128), dtype=np.float32))
    resign(settings, folder, {**meta, "dimension": 128, "sha256": sha256_file(folder / CACHE_VECTORS)})
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")
    report = build_index(settings, embedder=FakeEmbedder())
    assert any("128-dimension" in w for w in report.warnings)
    assert open_index(settings, embedder=FakeEmbedder()).vectors.dimension == 16


# --- red-team case 8: forged index files are refused or rebuilt -------------------------------------------------------

def test_case_08_vectors_of_another_dimension_are_refused_at_open(tmp_path):
    import faiss
    import numpy as np

    from errors import IndexUnavailableError
    from index.loaded import open_index

    settings = built(tmp_path)
    folder = settings.index_dir
    count = faiss.read_index(str(folder / "vectors.faiss")).ntotal
    forged = faiss.IndexFlatIP(128)
    forged.add(np.ones((count, 128), dtype=np.float32))
    faiss.write_index(forged, str(folder / "vectors.faiss"))
    rehash(folder)
    with pytest.raises(IndexUnavailableError, match="128 dimensions"):
        open_index(settings, embedder=FakeEmbedder(), rebuild=False)
    index = open_index(settings, embedder=FakeEmbedder())  # with the corpus: rebuilt
    assert index.vectors.dimension == 16


def test_case_08_sections_and_passages_forged_together_are_never_quoted(tmp_path):
    import json

    from index.loaded import open_index

    settings = built(tmp_path)
    folder = settings.index_dir
    for name in ("sections.json", "passages.json"):
        text = (folder / name).read_text("utf-8")
        (folder / name).write_text(text.replace("short breaks", "no breaks, ever,"), encoding="utf-8")
    rehash(folder)
    assert "no breaks" in json.loads((folder / "passages.json").read_text())[0]["text"]
    index = open_index(settings, embedder=FakeEmbedder())
    assert not any("no breaks" in c.text for c in index.passages)
    assert any("short breaks" in c.text for c in index.passages)


def test_case_08_forged_corpus_hashes_do_not_keep_a_stale_index(tmp_path):
    import json

    from index.loaded import open_index
    from index.store import corpus_fingerprint

    settings = built(tmp_path)
    care = settings.corpus_dir / "care.md"
    care.write_text(care.read_text().replace("short breaks", "regular short breaks"), encoding="utf-8")
    manifest = json.loads((settings.index_dir / "manifest.json").read_text())
    manifest["corpus"] = corpus_fingerprint(settings.corpus_dir)
    (settings.index_dir / "manifest.json").write_text(json.dumps(manifest))
    index = open_index(settings, embedder=FakeEmbedder())
    assert any("regular short breaks" in c.text for c in index.passages)


# --- red-team case 9: one atomic swap, killed builds ------------------------------------------------------------------

def test_case_09_swap_is_one_atomic_step_and_a_kill_before_it_keeps_the_old_index(tmp_path, monkeypatch):
    from index import store
    from index.build import build_index
    from index.loaded import open_index

    settings = built(tmp_path)
    assert settings.index_dir.is_symlink()
    first = settings.index_dir.resolve()
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")

    def killed(version, index_dir):
        raise KeyboardInterrupt("kill -9 just before the link is flipped")

    monkeypatch.setattr(store, "_point_at", killed)
    with pytest.raises(KeyboardInterrupt):
        build_index(settings, embedder=FakeEmbedder())
    assert settings.index_dir.resolve() == first  # still the old, complete index
    assert len(open_index(settings, embedder=FakeEmbedder(), rebuild=False).passages) == 3
    monkeypatch.undo()
    build_index(settings, embedder=FakeEmbedder())
    assert settings.index_dir.resolve() != first and not first.exists()
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith((".idx.tmp-", ".idx.v-", ".idx.link-"))]
    assert leftovers == [settings.index_dir.resolve()]


def test_case_09_old_layout_index_folder_is_migrated_and_a_kill_during_it_is_recovered(tmp_path, monkeypatch):
    from index import store
    from index.build import build_index
    from index.loaded import open_index

    settings = built(tmp_path)
    real = settings.index_dir.resolve()
    settings.index_dir.unlink()
    real.rename(settings.index_dir)  # an index folder as older versions wrote it
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")
    monkeypatch.setattr(store, "_point_at", lambda version, index_dir: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        build_index(settings, embedder=FakeEmbedder())
    assert not settings.index_dir.exists()  # killed between moving the folder aside and linking the new one
    monkeypatch.undo()
    index = open_index(settings, embedder=FakeEmbedder(), rebuild=False)  # recovered: points at a full version
    assert len(index.passages) in (3, 4)


def test_case_09_killed_build_keeps_the_embeddings_done_so_far(tmp_path, monkeypatch):
    from index import vectors
    from index.build import build_index, checkpoint_dir

    monkeypatch.setattr(vectors, "CHECKPOINT_EVERY", 2)
    settings = small_settings(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        build_index(settings, embedder=FakeEmbedder(fail_after=2))
    assert checkpoint_dir(settings.index_dir).is_dir()
    second = FakeEmbedder()
    report = build_index(settings, embedder=second)
    fresh = FakeEmbedder()
    build_index(settings.replace(index_dir=tmp_path / "fresh"), embedder=fresh)
    assert report.reused_vectors == 2 and len(second.texts) == len(fresh.texts) - 2 + min(vectors.SPOT_CHECK_ROWS, 2)
    assert not checkpoint_dir(settings.index_dir).exists()


# --- red-team case 10: a read-only or full disk -----------------------------------------------------------------------

def test_case_10_stale_index_on_a_read_only_folder_is_served_with_a_warning(tmp_path, monkeypatch):
    import errno

    import index.build
    from index.loaded import open_index

    settings = built(tmp_path)
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")

    def read_only(index_dir, wait=None):
        raise OSError(errno.EROFS, "Read-only file system", str(index_dir))

    monkeypatch.setattr(index.build, "build_lock", read_only)
    index = open_index(settings, embedder=FakeEmbedder())
    assert "out of date" in index.stale and "Read-only file system" in index.stale
    assert len(index.passages) == 3


def test_case_10_full_disk_during_a_build_is_one_line_and_the_old_index_stays(tmp_path, monkeypatch, capsys):
    import errno

    import index.build
    import index.cli
    import index.store
    from index.loaded import open_index

    settings = built(tmp_path)
    before = settings.index_dir.resolve()
    (settings.corpus_dir / "new.md").write_text("# Health\nA yearly health assessment.\n", encoding="utf-8")

    def full(path, payload):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(index.store, "_write_json", full)
    monkeypatch.setattr(index.build.Embedder, "from_settings", classmethod(lambda cls, s: FakeEmbedder()))
    monkeypatch.setenv("LAC_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("LAC_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("LAC_EMBEDDING_MODEL", "fake")
    assert index.cli.main(["build"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "No space left on device" in err and "unchanged" in err
    assert settings.index_dir.resolve() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".idx.tmp-")]
    assert len(open_index(settings, embedder=FakeEmbedder(), rebuild=False).passages) == 3
