"""The load test harness (`python -m bench.load`): a small run in the suite; the full run's figures are in
bench/reports/load.md. No timing assertions here: only that every question is answered without error."""

from __future__ import annotations

import shutil

import pytest


def test_question_pool_is_distinct_so_the_cache_does_not_flatter():
    from bench.load import question_pool

    pool = question_pool(500)
    assert len(pool) == 500 and len(set(pool)) == 500
    assert len(set(question_pool(3000))) == 3000


def test_percentiles():
    from eval.metrics import percentile as pct

    values = [float(v) for v in range(1, 101)]
    assert (pct(values, 50), pct(values, 95), pct(values, 99), pct(values, 100)) == (50.0, 95.0, 99.0, 100.0)


@pytest.mark.slow
def test_small_load_run_answers_everything(assistant, tmp_path, monkeypatch):
    from bench.load import main

    index_dir = tmp_path / "idx"
    shutil.copytree(assistant.index.path, index_dir)
    monkeypatch.setenv("LAC_INDEX_DIR", str(index_dir))
    report = tmp_path / "load.md"
    assert main(["--users", "5", "--questions", "25", "--timeout", "600", "--memory-run", "10",
                 "--report", str(report)]) == 0
    text = report.read_text()
    assert "| app default | 5 | 25 | 25 | 0 | 0 |" in text
    assert "Memory over a long run (10 distinct questions" in text


def test_rss_change_is_first_phase_to_last():
    from bench.load import Phase, rss_change

    phases = [Phase(1, rss=300.0), Phase(2, rss=310.0), Phase(3, rss=330.0)]
    assert rss_change(phases) == 10.0
    assert rss_change(phases[:1]) is None and rss_change([Phase(1), Phase(2, rss=300.0)]) is None


def test_answer_differences_look_at_answer_text_and_cited_sections_only():
    from bench.load import answer_differences, pick_for_cli

    app = {"answer": "Tell the head. [1]", "citations": [{"section_id": "a/1", "score": 0.9}], "question": "q"}
    assert answer_differences(app, {**app, "citations": [{"section_id": "a/1", "score": 0.8}]}) == []
    assert answer_differences(app, {**app, "answer": "Tell the head."}) == ["answer text"]
    assert answer_differences(app, {**app, "citations": []}) == ["cited sections ['a/1'] (app) vs [] (CLI)"]
    assert pick_for_cli(["a", "b", "c", "d", "e"], {q: app for q in "abde"}, 2) == ["a", "d"]
