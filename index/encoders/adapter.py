"""The encoder adapter: low-rank weight changes (LoRA) fitted on the question bank, merged into the model once.

The stock MiniLM places "will they keep the kids together" far from "Support sibling placements"; the adapter,
fitted by `python -m train.adapter` on (bank question, passage) pairs, moves questions in the users' own words
next to the passages that answer them. It ships as a small folder (index/data/encoder-adapter: the LoRA matrices
in `adapter_model.safetensors` and `adapter_config.json`, as peft writes them).

Every backend uses it the same way: the adapter is merged into a copy of the model folder (W += alpha/r * B @ A
for each adapted layer), made once in the model cache under a key of both sources, and that folder is the
model the encoders load (the ONNX export then caches its own file keyed by the merged weights). Merging is
numpy work of about a second: a fresh machine never trains.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from index.hashing import sha256_file

SHIPPED_ADAPTER = Path(__file__).resolve().parent.parent / "data" / "encoder-adapter"
WEIGHTS = "adapter_model.safetensors"
CONFIG = "adapter_config.json"
MODEL_WEIGHTS = "model.safetensors"


class AdapterError(ValueError):
    """The adapter folder is incomplete or does not fit the model."""


def adapter_folder(setting: str, model_name: str) -> Path | None:
    """The adapter a setting names for `model_name`: "shipped" (the committed one, for the model it was fitted on:
    its config's base_model), "none", or a folder."""
    if setting == "none":
        return None
    if setting == "shipped":
        return SHIPPED_ADAPTER if base_model(SHIPPED_ADAPTER) == model_name else None
    return Path(setting).expanduser()


def base_model(folder: Path) -> str | None:
    """The model an adapter was fitted on (None when unreadable)."""
    try:
        return str(json.loads((folder / CONFIG).read_text("utf-8"))["base_model"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def adapter_digest(folder: Path) -> str:
    """sha256 of the adapter's two files (what identifies its vectors); hashed once per process while the files'
    size and time are unchanged (a start asks for it from the index check and the encoder load)."""
    stamps = []
    for name in (CONFIG, WEIGHTS):
        path = folder / name
        if not path.is_file():
            raise AdapterError(f"The encoder adapter in {folder} has no {name}.")
        stat = path.stat()
        stamps.append((str(path.resolve()), stat.st_size, stat.st_mtime_ns))
    return _digest(tuple(stamps))


@functools.lru_cache(maxsize=8)
def _digest(stamps: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for path, _, _ in stamps:
        digest.update(f"{Path(path).name}:{sha256_file(Path(path))}\n".encode())
    return digest.hexdigest()


def lora_deltas(folder: Path) -> dict[str, np.ndarray]:
    """Weight changes by the model's parameter name ("encoder.layer.0.attention.self.query.weight" -> delta)."""
    from safetensors.numpy import load_file

    try:
        config = json.loads((folder / CONFIG).read_text("utf-8"))
        tensors = load_file(str(folder / WEIGHTS))
        scale = float(config["lora_alpha"]) / float(config["r"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AdapterError(f"The encoder adapter in {folder} cannot be read ({exc.__class__.__name__}).") from exc
    deltas = {}
    for key, a in tensors.items():
        if ".lora_A." not in key:
            continue
        module = key.split(".lora_A.")[0].removeprefix("base_model.model.")
        b = tensors.get(key.replace(".lora_A.", ".lora_B."))
        if b is None:
            raise AdapterError(f"The encoder adapter in {folder} has {key} without its lora_B.")
        deltas[f"{module}.weight"] = (scale * (b.astype(np.float64) @ a.astype(np.float64))).astype(np.float32)
    return deltas


def merge(weights: dict[str, np.ndarray], deltas: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The model's weights with the adapter's changes added (names matched with or without a "bert." prefix)."""
    merged = dict(weights)
    for name, delta in deltas.items():
        key = name if name in merged else f"bert.{name}"
        if key not in merged or merged[key].shape != delta.shape:
            raise AdapterError(f"The encoder adapter changes {name}, which this model does not have in that shape.")
        merged[key] = (merged[key] + delta).astype(merged[key].dtype)
    return merged


def adapted_model_folder(model_folder: Path, adapter: Path, cache_dir: Path) -> Path:
    """A copy of `model_folder` with the adapter merged into its weights, made once in `cache_dir`."""
    source = model_folder / MODEL_WEIGHTS
    if not source.is_file():
        raise AdapterError(f"The encoder adapter needs {MODEL_WEIGHTS} in {model_folder}.")
    # Keyed by the model file's path, size and time (hashing its 90 MB on every start cost 0.2 s of each cold
    # start, as build tools know) and by the adapter's content.
    stat = source.stat()
    stamp = f"{source.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{adapter_digest(adapter)}"
    key = hashlib.sha256(stamp.encode()).hexdigest()[:16]
    target = Path(cache_dir) / f"{model_folder.name}-adapted-{key}"
    if (target / MODEL_WEIGHTS).is_file():
        return target
    from filelock import FileLock  # only to make the folder: not imported on every start
    from safetensors.numpy import load_file, save_file

    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if (target / MODEL_WEIGHTS).is_file():  # made by another process meanwhile
            return target
        tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=cache_dir))
        try:
            for item in model_folder.iterdir():
                if item.name != MODEL_WEIGHTS:
                    (shutil.copytree if item.is_dir() else shutil.copy2)(item, tmp / item.name)
            save_file(merge(load_file(str(source)), lora_deltas(adapter)), str(tmp / MODEL_WEIGHTS))
            os.replace(tmp, target)  # complete or absent: the folder appears in one step
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


__all__ = ["AdapterError", "SHIPPED_ADAPTER", "adapted_model_folder", "adapter_digest", "adapter_folder", "base_model",
           "lora_deltas", "merge"]
