"""Backends "onnx" and "onnx-int8": the model's transformer in ONNX Runtime, tokenised with `tokenizers`, pooled
in numpy (index/encoders/base.py). Imports only onnxruntime, tokenizers and numpy: the exported file comes from
index/encoders/onnx_export.py (which needs torch) once, at build time or on first use.

One intra-op thread per session by default (settings.embedder_threads): one question is a tiny graph and a
thread hand-off costs more than it saves on 2 shared cores; a batch of passages gets its parallelism from
several Python threads running the same session (ORT releases the GIL, `run` is thread-safe), see Embedder.
"""

from __future__ import annotations

import numpy as np

from index.encoders.base import (
    ModelLayout,
    Progress,
    load_tokenizer,
    mean_pool,
    padded_batches,
)
from index.encoders.onnx_export import OnnxModelCache


class OnnxEncoder:
    parallel_batches = True

    def __init__(self, layout: ModelLayout, model_file, precision: str = "fp32", threads: int = 1):
        from settings import stay_offline

        stay_offline()  # ORT_DISABLE_TELEMETRY before ONNX Runtime starts its environment (settings.py)
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, int(threads))
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: ORT's warnings about unused initialisers are noise here
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.layout = layout
        self.model_file = model_file
        self.precision = precision
        self.threads = options.intra_op_num_threads
        self.name = "onnx" if precision == "fp32" else f"onnx-{precision}"
        self.dimension = int(layout.config["hidden_size"])
        self.tokenizer = load_tokenizer(layout)

    def encode(self, texts: list[str], batch_size: int = 32, progress: Progress = None) -> np.ndarray:
        """Vectors in input order."""
        token_ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for rows, ids, mask in padded_batches(token_ids, batch_size):
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self.session.run(["last_hidden_state"], {k: v for k, v in feeds.items() if k in self.inputs})[0]
            out[rows] = mean_pool(hidden, mask, self.layout.normalize)
            if progress is not None:
                progress(len(rows))
        return out


def load(layout: ModelLayout, cache: OnnxModelCache, precision: str = "fp32", threads: int = 1) -> OnnxEncoder:
    """The encoder over the cached export (made first if needed); a file ONNX Runtime cannot open is exported
    again once, with a warning, instead of failing the question."""
    path = cache.model_file(layout, precision)
    try:
        return OnnxEncoder(layout, path, precision, threads)
    except Exception as exc:  # noqa: BLE001 - ORT raises its own types (InvalidProtobuf, Fail, ...) for bad files
        cache.discard(path, f"{exc.__class__.__name__}: {str(exc)[:200]}")
    return OnnxEncoder(layout, cache.model_file(layout, precision), precision, threads)


__all__ = ["OnnxEncoder", "load"]
