"""Benchmark helpers and the lazy-import contract of the ask path (no timing assertions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("gradio", "langchain", "langchain_core", "langchain_community", "bs4", "pypdf", "docx", "torch",
         "sentence_transformers", "transformers", "matplotlib")


def test_ask_path_imports_nothing_heavy():
    code = ("import sys, qa.cli, qa.service, index.loaded; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_percentiles_and_distinct_questions():
    from eval.bench import distinct, pct

    assert pct([1, 2, 3, 4, 5], 50) == 3 and pct([1.0], 95) == 1.0
    qs = distinct(["a", "b"], 5)
    assert len(set(qs)) == 5 and qs[:2] == ["a", "b"]


def test_report_renders_ratios():
    from eval.bench_report import render_markdown

    res = {"machine": {"cpus": 2}, "cold": {
        "product": {"seconds": 2.0, "peak_rss_mb": 100.0, "runs": [2.0], "heavy_modules_after_import": ""},
        "recipe": {"seconds": 8.0, "peak_rss_mb": 400.0, "runs": [8.0]}}}
    text = render_markdown(res)
    assert "| cold start to first answer (s) | 2.00 | 8.00 | 0.25x |" in text
