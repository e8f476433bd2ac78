"""Benchmark helpers and the lazy-import contract of the ask path (no timing assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("gradio", "langchain", "langchain_core", "langchain_community", "bs4", "pypdf", "docx", "torch",
         "sentence_transformers", "transformers", "matplotlib", "onnx", "onnxruntime")
# Answering with a built index and an exported model: ONNX Runtime yes, but nothing that exports or quantises,
# and not bm25s (it imports scipy; the saved BM25 arrays are scored in numpy: index/lexical.py).
ASK_HEAVY = ("torch", "transformers", "sentence_transformers", "onnx", "onnxruntime.quantization", "gradio",
             "langchain_core", "bm25s", "scipy")


def test_ask_path_imports_nothing_heavy():
    code = ("import sys, qa.cli, qa.service, index.loaded; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.slow
def test_answering_a_question_never_imports_torch(assistant, settings):
    """A real `python -m qa ask` on the session's built index, with the default (ONNX) encoder."""
    code = ("import atexit, runpy, sys\n"
            f"atexit.register(lambda: print('HEAVY=' + ','.join(m for m in {ASK_HEAVY!r} if m in sys.modules)))\n"
            "sys.argv = ['qa', 'ask', '--json', '--index', sys.argv[1], 'Can I get a break from caring?']\n"
            "runpy.run_module('qa', run_name='__main__', alter_sys=True)\n")
    env = {**os.environ, "LAC_EMBEDDER_BACKEND": settings.embedder_backend,
           "LAC_MODEL_CACHE_DIR": str(settings.model_cache_dir)}
    out = subprocess.run([sys.executable, "-c", code, str(assistant.index.path)], cwd=ROOT, capture_output=True,
                         text=True, env=env, check=True).stdout
    assert assistant.embedder.backend_name == "onnx"
    assert json.loads(out.split("HEAVY=")[0])["citations"]
    assert out.split("HEAVY=")[1].strip() == ""


def test_percentiles_and_distinct_questions():
    from bench.bench import distinct
    from eval.metrics import percentile as pct

    assert pct([1, 2, 3, 4, 5], 50) == 3 and pct([1.0], 95) == 1.0
    qs = distinct(["a", "b"], 5)
    assert len(set(qs)) == 5 and qs[:2] == ["a", "b"]


def test_report_renders_ratios():
    from bench.bench_report import render_markdown

    res = {"machine": {"cpus": 2}, "cold": {
        "product": {"seconds": 2.0, "peak_rss_mb": 100.0, "runs": [2.0], "heavy_modules_after_import": ""},
        "recipe": {"seconds": 8.0, "peak_rss_mb": 400.0, "runs": [8.0]}}}
    text = render_markdown(res)
    assert "| cold start to first answer (s) | 2.00 | 8.00 | 0.25x |" in text
