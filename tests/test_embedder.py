"""Embedder: the encoder loads in the background while the index opens (Assistant.warm_up), once."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import index.embedder as embedder_module
from index.embedder import Embedder


class CountingEncoder:
    """Deterministic fake: a unit vector from each text's hash; records every call."""

    name = "fake"
    dimension = 8
    parallel_batches = False

    def __init__(self):
        self.calls: list[list[str]] = []

    def encode(self, texts, batch_size=32, progress=None):
        self.calls.append(list(texts))
        out = np.stack([np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(self.dimension) for t in texts])
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def fake(monkeypatch):
    made: list[tuple[CountingEncoder, str]] = []

    def create(*args, **kwargs):
        encoder = CountingEncoder()
        made.append((encoder, threading.current_thread().name))
        return encoder

    monkeypatch.setattr(embedder_module, "create_encoder", create)
    return made


def test_encoder_loads_once_in_the_background(fake, tmp_path):
    embedder = Embedder("fake", cache_dir=tmp_path)
    embedder.start_warm_up()
    embedder.start_warm_up()
    embedder.warm_up()
    assert embedder.encoder is fake[0][0] and len(fake) == 1
    assert fake[0][1] == "lac-encoder-load"


def test_background_load_failure_is_raised_by_the_next_use_then_retried(monkeypatch, tmp_path):
    attempts = []

    def create(*args, **kwargs):
        attempts.append(threading.current_thread().name)
        if len(attempts) == 1:
            raise RuntimeError("export failed")
        return CountingEncoder()

    monkeypatch.setattr(embedder_module, "create_encoder", create)
    embedder = Embedder("fake", cache_dir=tmp_path)
    embedder.start_warm_up()
    for thread in threading.enumerate():  # wait for the background load (by its public thread name) to fail
        if thread.name == "lac-encoder-load":
            thread.join()
    with pytest.raises(RuntimeError, match="export failed"):
        embedder.warm_up()
    assert embedder.dimension == 8 and attempts == ["lac-encoder-load", "MainThread"]


@pytest.mark.slow
def test_padded_batch_gives_each_text_its_own_vector(embedder):
    """The real encoder: texts of different lengths padded into one batch, as one at a time (within 1e-6)."""
    texts = ["respite", "Can I get a break from caring?", "What should happen at a review meeting for a child in "
             "care, and who should be there? And what about the independent reviewing officer?", "IRO"]
    alone = np.stack([embedder.encoder.encode([t])[0] for t in texts])
    assert np.abs(embedder.encoder.encode(texts, 16) - alone).max() < 1e-6
