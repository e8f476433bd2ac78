"""A BERT sentence encoder in plain numpy (backend "numpy"), for sentence-transformers models of the MiniLM/BERT family.

Why it exists: it needs only numpy, `tokenizers`, `safetensors` and scipy (no torch, no export step) and
reproduces the sentence-transformers pipeline (index/encoders/base.py) with the BERT forward pass written out.
Vectors agree with sentence-transformers to ~1e-6 (tests/test_encoders.py). The ONNX Runtime encoder is faster
for the same vectors; this one stays as the fallback that needs no exported file.

`load(layout)` returns None when the model is not a BERT this supports.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from index.encoders.base import (
    ModelLayout,
    Progress,
    load_tokenizer,
    mean_pool,
    padded_batches,
)

log = logging.getLogger("lac.index")


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, -1, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


def _erf(x: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erf
    except ImportError:  # pragma: no cover - scipy ships with the project's dependencies
        return np.vectorize(math.erf, otypes=[np.float32])(x)
    return erf(x)


def _gelu(x: np.ndarray) -> np.ndarray:
    return (0.5 * x * (1.0 + _erf(x / np.float32(math.sqrt(2.0))))).astype(np.float32, copy=False)


class NumpyBert:
    name = "numpy"
    parallel_batches = True

    def __init__(self, layout: ModelLayout, weights: dict):
        config = layout.config
        self.layout = layout
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.dimension = int(config["hidden_size"])
        self.tokenizer = load_tokenizer(layout)
        w = {k.removeprefix("bert."): v for k, v in weights.items()}
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.blocks = []
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            # Q, K and V fused into one (hidden, 3*hidden) matrix: one GEMM instead of three.
            qkv_w = np.ascontiguousarray(np.concatenate([
                w[p + "attention.self.query.weight"], w[p + "attention.self.key.weight"],
                w[p + "attention.self.value.weight"]], axis=0).T)
            qkv_b = np.concatenate([w[p + "attention.self.query.bias"], w[p + "attention.self.key.bias"],
                                    w[p + "attention.self.value.bias"]])
            self.blocks.append((
                qkv_w, qkv_b,
                np.ascontiguousarray(w[p + "attention.output.dense.weight"].T), w[p + "attention.output.dense.bias"],
                w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"],
                np.ascontiguousarray(w[p + "intermediate.dense.weight"].T), w[p + "intermediate.dense.bias"],
                np.ascontiguousarray(w[p + "output.dense.weight"].T), w[p + "output.dense.bias"],
                w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"],
            ))

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(list(texts))]

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = ids.shape
        hidden, heads = self.dimension, self.heads
        size = hidden // heads
        x = self.word[ids] + self.position[:length][None, :, :] + self.token_type[0][None, None, :]
        x = _layer_norm(x, *self.emb_ln, self.eps)
        bias = np.where(mask[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min).astype(np.float32)
        scale = np.float32(1.0 / math.sqrt(size))
        for qkv_w, qkv_b, o_w, o_b, ln1_w, ln1_b, i_w, i_b, out_w, out_b, ln2_w, ln2_b in self.blocks:
            qkv = x @ qkv_w + qkv_b  # (batch, length, 3*hidden)
            qkv = qkv.reshape(batch, length, 3, heads, size).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (batch, heads, length, size)
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = _layer_norm(context @ o_w + o_b + x, ln1_w, ln1_b, self.eps)
            inner = _gelu(x @ i_w + i_b)
            x = _layer_norm(inner @ out_w + out_b + x, ln2_w, ln2_b, self.eps)
        return mean_pool(x, mask, self.layout.normalize)

    def encode(self, texts: list[str], batch_size: int = 32, progress: Progress = None) -> np.ndarray:
        """Vectors in input order."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for rows, ids, mask in padded_batches(self.tokenize(texts), batch_size):
            out[rows] = self._forward(ids, mask)
            if progress is not None:
                progress(len(rows))
        return out


def load(layout: ModelLayout) -> NumpyBert | None:
    """The numpy encoder, or None if the transformer is not a BERT (gelu, absolute positions) with model.safetensors."""
    config = layout.config
    if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
        return None
    if config.get("position_embedding_type", "absolute") != "absolute":
        return None
    if not (layout.folder / "model.safetensors").is_file():
        return None
    from safetensors.numpy import load_file

    try:
        return NumpyBert(layout, load_file(str(layout.folder / "model.safetensors")))
    except (OSError, ValueError, KeyError) as exc:
        log.warning("numpy encoder unavailable for %s: %s", layout.folder, exc)
        return None


__all__ = ["NumpyBert", "load"]
