"""A BERT sentence encoder in plain numpy, for sentence-transformers models of the MiniLM/BERT family.

Why: importing sentence-transformers pulls in torch, transformers, scikit-learn and scipy (5-20 s on a busy
2-core machine, ~450 MB), which dominated "process start to first answer". This module needs only numpy,
`tokenizers` and `safetensors` (well under a second to import) and reproduces the sentence-transformers
pipeline for a folder with modules Transformer -> Pooling(mean) [-> Normalize]: same tokenizer, same
truncation (max_seq_length), the BERT forward pass, mean pooling over real tokens, L2 normalisation.
Vectors agree with sentence-transformers to ~1e-6 (checked by tests/test_scale.py when torch is present).

`load(folder)` returns None when the folder is not a layout this supports; the caller then falls back to
sentence-transformers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np


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
    def __init__(self, folder: Path, weights: dict, config: dict, max_seq_length: int, normalize: bool):
        from tokenizers import Tokenizer

        self.folder = folder
        self.config = config
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.dimension = int(config["hidden_size"])
        self.max_seq_length = max_seq_length
        self.normalize = normalize
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_seq_length)
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
        summed = (x * mask[:, :, None]).sum(1)
        pooled = summed / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        if self.normalize:
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled.astype(np.float32, copy=False)

    def encode(self, texts: list[str], batch_size: int = 32, progress=None) -> np.ndarray:
        """Vectors in input order. Texts are grouped by token length so batches carry little padding."""
        ids = self.tokenize(texts)
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        out = np.zeros((len(ids), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chosen = order[start:start + batch_size]
            length = max(len(ids[i]) for i in chosen)
            batch = np.zeros((len(chosen), length), dtype=np.int64)
            mask = np.zeros((len(chosen), length), dtype=np.float32)
            for row, i in enumerate(chosen):
                batch[row, :len(ids[i])] = ids[i]
                mask[row, :len(ids[i])] = 1.0
            out[chosen] = self._forward(batch, mask)
            if progress is not None:
                progress(len(chosen))
        return out


def load(folder: str | Path) -> NumpyBert | None:
    """The numpy encoder for a sentence-transformers folder, or None if the folder is not Transformer(BERT) ->
    mean Pooling [-> Normalize] with a tokenizer.json and model.safetensors."""
    folder = Path(folder)
    try:
        modules = json.loads((folder / "modules.json").read_text("utf-8"))
        config = json.loads((folder / "config.json").read_text("utf-8"))
        types = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if types[:2] != ["Transformer", "Pooling"] or any(t != "Normalize" for t in types[2:]):
            return None
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            return None
        if config.get("position_embedding_type", "absolute") != "absolute":
            return None
        pooling_path = folder / next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((pooling_path / "config.json").read_text("utf-8"))
        if not pooling.get("pooling_mode_mean_tokens") or any(
                pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                         "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
                                         "pooling_mode_lasttoken")):
            return None
        st_config = json.loads((folder / "sentence_bert_config.json").read_text("utf-8"))
        max_seq_length = int(st_config.get("max_seq_length") or 512)
        if not (folder / "tokenizer.json").is_file() or not (folder / "model.safetensors").is_file():
            return None
        from safetensors.numpy import load_file

        weights = load_file(str(folder / "model.safetensors"))
        return NumpyBert(folder, weights, config, min(max_seq_length, int(config["max_position_embeddings"])),
                         normalize="Normalize" in types)
    except (OSError, ValueError, KeyError, StopIteration, ImportError):
        return None


__all__ = ["NumpyBert", "load"]
